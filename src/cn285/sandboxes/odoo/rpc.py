"""Odoo's RPC services, independent of the transport: `common`, `object` and `db`.

The JSON-RPC and XML-RPC endpoints both end here (`odoo/service/{common,model,db}.py`):
`common.login`/`authenticate` return the uid or False on a bad password, `object.execute`
and `execute_kw` check the password (AccessDenied otherwise) and call a model method the way
`call_kw` does: `@api.model` methods get the arguments as sent, the others take their
record ids from the first argument; recordsets come back as ids.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from .database import Database, Env
from .errors import AccessDenied, AccessError, DatabaseNotFound, UserError
from .orm import BaseModel, downgrade
from .registry import rpc_method

PRIVATE_METHOD = re.compile(r"^_")


def version_info(version: int) -> dict[str, Any]:
    """What `common.version` and `/web/webclient/version_info` return."""
    return {
        "server_version": f"{version}.0",
        "server_version_info": [version, 0, 0, "final", 0, ""],
        "server_serie": f"{version}.0",
        "protocol_version": 1,
    }


def jsonable(value: Any, none: Any = None) -> Any:
    """Plain JSON/XML-RPC data: floats for decimals, strings for dates, lists for tuples."""
    if value is None:
        return none
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.ids
    if isinstance(value, dict):
        return {str(k): jsonable(v, none) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, none) for v in value]
    return value


class RpcService:
    """Dispatches `service.method(*args)` calls to one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- entry point --------------------------------------------------------------------

    def dispatch(self, service: str, method: str, args: list[Any]) -> Any:
        handlers = {"common": self.common, "object": self.object, "db": self.database}
        if service not in handlers:
            raise KeyError(service)
        return handlers[service](method, list(args or []))

    # -- common -------------------------------------------------------------------------

    def common(self, method: str, args: list[Any]) -> Any:
        if method == "version":
            return version_info(self.db.version)
        if method == "about":
            about = "See http://openerp.com"
            return [about, f"{self.db.version}.0"] if args and args[0] else about
        if method == "login":
            db_name, login, password = args[:3]
            return self.authenticate(db_name, login, password)
        if method == "authenticate":
            db_name, login, password = args[:3]
            return self.authenticate(db_name, login, password)
        raise KeyError(f"exp_{method}")

    def _check_db(self, db_name: Any) -> None:
        if db_name != self.db.name:
            raise DatabaseNotFound(str(db_name))

    def authenticate(self, db_name: Any, login: Any, password: Any) -> int | bool:
        """The uid of an active user with this login and password, else False."""
        self._check_db(db_name)
        with self.db.lock:
            for uid, row in self.db.rows("res.users"):
                if row.get("login") == login and row.get("active"):
                    if password and self.db.credentials.get(uid) == password:
                        return uid
                    return False
        return False

    def check(self, db_name: Any, uid: Any, password: Any) -> int:
        """Raise AccessDenied unless `uid` is an active user whose password is `password`."""
        self._check_db(db_name)
        if isinstance(uid, bool) or not isinstance(uid, int):
            raise AccessDenied()
        with self.db.lock:
            row = self.db.row("res.users", uid)
            if not row or not row.get("active") or not password:
                raise AccessDenied()
            if self.db.credentials.get(uid) != password:
                raise AccessDenied()
        return uid

    # -- object -------------------------------------------------------------------------

    def object(self, method: str, args: list[Any]) -> Any:
        if method == "execute":
            db_name, uid, password, model, name, *rest = args
            uid = self.check(db_name, uid, password)
            return self.call_kw(uid, model, name, rest, {})
        if method == "execute_kw":
            db_name, uid, password, model, name, *rest = args
            call_args = rest[0] if rest else []
            call_kwargs = rest[1] if len(rest) > 1 else {}
            uid = self.check(db_name, uid, password)
            return self.call_kw(uid, model, name, call_args or [], call_kwargs or {})
        raise NameError(f"Method not available {method}")

    def call_kw(
        self, uid: int, model: str, method: str, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        """Call `model.method` like Odoo's `call_kw`, in one transaction."""
        if not isinstance(args, list | tuple):
            raise TypeError("args must be a list")
        if not isinstance(kwargs, dict):
            raise TypeError("kwargs must be a dict")
        kwargs = dict(kwargs)
        context = kwargs.pop("context", None) or {}
        if not isinstance(context, dict):
            raise ValueError(f"context must be a dict, got {context!r}")
        if PRIVATE_METHOD.match(str(method)):
            raise AccessError(f"Private methods (such as {method}) cannot be called remotely.")
        with self.db.transaction():
            env = Env(self.db, uid, {**self._user_context(uid), **context})
            if model not in env.registry.models:
                raise UserError(f"Object {model} doesn't exist")
            cls = env.registry.models[model]
            meta = rpc_method(cls, method)
            if meta is None or env.version not in meta.versions:
                raise AttributeError(f"The method '{method}' does not exist on the model '{model}'")
            records = env[model]
            call_args = list(args)
            if meta.kind == "records":
                ids, call_args = call_args[0], call_args[1:]
                records = records.browse(ids)
            result = getattr(records, method)(*call_args, **kwargs)
            return jsonable(
                downgrade(method, call_args if meta.kind == "records" else list(args), result)
            )

    def _user_context(self, uid: int) -> dict[str, Any]:
        row = self.db.row("res.users", uid) or {}
        partner = self.db.row("res.partner", row.get("partner_id") or 0) or {}
        context: dict[str, Any] = {"lang": partner.get("lang") or "en_US", "uid": uid}
        if partner.get("tz"):
            context["tz"] = partner["tz"]
        return context

    def user_env(self, uid: int, context: dict[str, Any] | None = None) -> Env:
        return Env(self.db, uid, {**self._user_context(uid), **(context or {})})

    # -- db -----------------------------------------------------------------------------

    def database(self, method: str, args: list[Any]) -> Any:
        if method == "list":
            return [self.db.name]
        if method == "db_exist":
            return bool(args) and args[0] == self.db.name
        if method == "server_version":
            return f"{self.db.version}.0"
        if method == "list_lang":
            return [["en_US", "English (US)"], ["fr_FR", "French / Français"]]
        # create, drop, dump, restore... need the master password, which the sandbox has not
        raise AccessDenied()
