"""NetSuite settings, read the way the `netsuite` package reads them.

`TokenAuth` and `Config` carry the package's field names; `Config.from_env()` reads its
`NETSUITE_*` variables and `Config.from_ini()` its ini file (`$NETSUITE_CONFIG`, else
`~/.config/netsuite.ini`, section `[netsuite]`), so an account already set up for that
package works unchanged. Cn285's own settings (`[connectors.netsuite]` in cn285.toml or
`CN285_NETSUITE_*`) come first; `url` overrides the account's REST host (a sandbox, a proxy).
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from cn285.connectors.errors import ConfigurationError

DEFAULT_INI_SECTION = "netsuite"
DEFAULT_CONCURRENCY = (
    5  # NetSuite's default concurrency limit for an account without SuiteCloud Plus
)
AUTH_KEYS = ("consumer_key", "consumer_secret", "token_id", "token_secret")


class TokenAuth(BaseModel):
    model_config = ConfigDict(frozen=True)

    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str

    def __repr__(self) -> str:  # never print secrets
        return "TokenAuth(***)"


class Config(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    auth: TokenAuth
    url: str | None = None  # base URL override: http(s)://host[:port]
    concurrency: int = DEFAULT_CONCURRENCY
    timeout: float = 60.0
    mapping: str | None = None
    #: the integration user's time zone preference: SuiteQL reads and shows times in it
    timezone: str = "UTC"

    @field_validator("account")
    @classmethod
    def _account(cls, value: str) -> str:
        value = value.strip().upper().replace("-", "_")
        if not re.fullmatch(r"[0-9A-Z]+(_SB[0-9]+|_RP)?", value):
            raise ValueError("is not a NetSuite account id such as 1234567 or 1234567_SB1")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", too long
            raise ValueError(f"{value!r} is not a time zone such as Europe/Paris") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("concurrency")
    @classmethod
    def _concurrency(cls, value: int) -> int:
        if not 1 <= value <= 100:
            raise ValueError("must be between 1 and 100")
        return value

    @property
    def account_slugified(self) -> str:
        """The account as NetSuite writes it in host names: `1234567-sb1`."""
        return self.account.lower().replace("_", "-")

    @property
    def rest_url(self) -> str:
        base = self.url or f"https://{self.account_slugified}.suitetalk.api.netsuite.com"
        return base.rstrip("/") + "/services/rest"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """The `NETSUITE_*` variables the `netsuite` package reads, by setting name."""
        env = os.environ if environ is None else environ
        keys = ("account", *AUTH_KEYS)
        return {k: env[f"NETSUITE_{k.upper()}"] for k in keys if env.get(f"NETSUITE_{k.upper()}")}

    @classmethod
    def from_ini(
        cls, path: str | None = None, section: str = DEFAULT_INI_SECTION
    ) -> dict[str, str]:
        """The section of the `netsuite` package's ini file, if the file exists."""
        source = Path(
            path or os.environ.get("NETSUITE_CONFIG") or Path.home() / ".config/netsuite.ini"
        )
        if not source.is_file():
            return {}
        parser = configparser.ConfigParser()
        try:
            parser.read(source, encoding="utf-8")
        except configparser.Error as exc:
            raise ConfigurationError(f"{source}: not a valid ini file ({exc})") from None
        if not parser.has_section(section):
            return {}
        auth_type = parser[section].get("auth_type", "token")
        if auth_type != "token":
            raise ConfigurationError(f"{source}: only token auth is supported, not {auth_type!r}")
        return {k: v for k, v in parser[section].items() if k != "auth_type"}

    @classmethod
    def resolve(cls, settings: Mapping[str, Any]) -> Config:
        """Cn285's settings, then `NETSUITE_*` variables, then the package's ini file."""
        merged: dict[str, Any] = {}
        for source in (
            cls.from_ini(settings.get("ini_file"), settings.get("ini_section", "netsuite")),
            cls.from_env(),
            {k: v for k, v in settings.items() if v not in (None, "")},
        ):
            merged.update(source)
        missing = [k for k in ("account", *AUTH_KEYS) if not merged.get(k)]
        if missing:
            raise ConfigurationError(
                f"connectors.netsuite.{missing[0]} is required "
                f"(or NETSUITE_{missing[0].upper()}, or the netsuite.ini file)"
            )
        auth = {k: str(merged.pop(k)) for k in AUTH_KEYS}
        known = {
            k: merged[k]
            for k in ("account", "url", "concurrency", "timeout", "mapping", "timezone")
            if k in merged
        }
        try:
            return cls(auth=TokenAuth(**auth), **known)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(p) for p in error["loc"])
            raise ConfigurationError(f"connectors.netsuite.{field}: {error['msg']}") from None
