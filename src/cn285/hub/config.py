"""Configuration: `cn285.toml` (or `--config`, `CN285_CONFIG`), overridden by environment.

    [connectors.odoo]
    url = "http://127.0.0.1:8069"
    database = "cn285"
    login = "admin"
    password = "…"            # or leave it out and set CN285_ODOO_PASSWORD
    mapping = "my-odoo.yaml"  # optional: your own mapping file

Every key of a connector can come from `CN285_<CONNECTOR>_<KEY>` (e.g. CN285_ODOO_URL),
which wins over the file. Secrets are never printed: `redacted()` masks them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SECRET_KEYS = ("password", "token", "secret", "key")


class ConfigError(ValueError):
    """A configuration file that cannot be read; the message names the file and key."""


def load(path: str | Path | None = None) -> dict[str, Any]:
    source = Path(path or os.environ.get("CN285_CONFIG") or "cn285.toml")
    if not source.exists():
        if path:
            raise ConfigError(f"{source}: no such configuration file")
        return {}
    try:
        return tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def connector_config(config: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The settings of connector `name`: the file's `[connectors.NAME]`, then environment."""
    section = dict((config.get("connectors") or {}).get(name) or {})
    prefix = f"CN285_{name.upper()}_"
    for key, value in os.environ.items():
        if key.startswith(prefix) and value:
            section[key[len(prefix) :].lower()] = value
    return section


def configured_connectors(config: Mapping[str, Any]) -> list[str]:
    names = set((config.get("connectors") or {}).keys())
    names.update(
        k.split("_")[1].lower()
        for k in os.environ
        if k.startswith("CN285_") and k.endswith(("_URL", "_ACCOUNT")) and k.count("_") == 2
    )
    if os.environ.get("NETSUITE_ACCOUNT"):  # set up for the `netsuite` package already
        names.add("netsuite")
    return sorted(names)


def redacted(section: Mapping[str, Any]) -> dict[str, Any]:
    """`section` with every secret replaced by ***, for messages and logs."""
    return {
        k: ("***" if any(s in k.lower() for s in SECRET_KEYS) else v) for k, v in section.items()
    }
