"""YAML reading for scenarios: exact decimals, dates left to validation, positions kept.

PyYAML would turn `0.1` into a float, `2026-02-30` into a crash and a repeated key into a
silent overwrite; this loader reads numbers as `Decimal`, leaves dates as text for the
schema to check, refuses repeated keys, and records the line of every value so that an
error can point into the file.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import yaml


class YamlProblem(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class _Loader(yaml.SafeLoader):
    pass


# No implicit timestamps: dates are validated (with a clear message) by the schema. And
# YAML 1.1 booleans are only true/false: `on:` is the key of every action, not True.
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return Decimal(text)
    except ArithmeticError:
        raise YamlProblem(f"{text!r} is not a number", node.start_mark.line + 1) from None


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise YamlProblem(f"key {key!r} appears twice", key_node.start_mark.line + 1)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)
_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)


Path = tuple[str | int, ...]


def parse(text: str) -> tuple[Any, dict[Path, int]]:
    """The document and the line number (1-based) of each value by its path."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = _Loader(text).get_single_data()
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlProblem(f"not valid YAML: {exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {exc}", None) from None
    positions: dict[Path, int] = {}
    if node is not None:
        _walk(node, (), positions)
    return data, positions


def _walk(node: yaml.Node, path: Path, positions: dict[Path, int]) -> None:
    positions[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            positions[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), positions)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), positions)


def format_path(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse_path(text: str) -> Path:
    """Inverse of `format_path` for the paths the loader writes."""
    parts: list[str | int] = []
    for chunk in text.replace("[", ".[").split("."):
        if not chunk:
            continue
        parts.append(int(chunk[1:-1]) if chunk.startswith("[") else chunk)
    return tuple(parts)
