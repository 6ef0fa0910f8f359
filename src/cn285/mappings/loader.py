"""Reading a mapping file: YAML validated by a schema, errors naming the path at fault."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the path."""


@lru_cache(maxsize=32)
def _parsed(source: str, mtime_ns: int, size: int) -> Any:
    """The YAML of a mapping file, parsed once per version of the file: a scheduler opens a
    connector for every job, and parsing cost more than the job's own work."""
    return yaml.safe_load(Path(source).read_text(encoding="utf-8"))


def load_mapping(model: type[M], path: Path | None, default: Path) -> M:
    """The mapping in `path` (or the shipped `default`), validated by `model`."""
    source = path or default
    try:
        stat = source.stat()
        data: Any = _parsed(str(source), stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        raise MappingError(f"{source}: cannot read the mapping file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{source}: not valid YAML ({exc})") from None
    try:
        return model.model_validate(data or {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: "
            f"{'unknown key' if e['type'] == 'extra_forbidden' else e['msg']}"
            for e in exc.errors()
        )
        raise MappingError(f"{source}: {problems}") from None
