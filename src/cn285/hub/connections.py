"""Connectors opened from the configuration, for the processes that run sync work
(the CLI, the scheduler's jobs, workers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cn285.connectors.base import Connector, connector_for
from cn285.hub.config import connector_config


def open_connector(config: Mapping[str, Any], name: str) -> Connector:
    """Connector `name` with its settings from `config` and the environment."""
    return connector_for(name, connector_config(config, name))
