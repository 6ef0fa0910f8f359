"""Odoo's exceptions and how they travel over JSON-RPC and XML-RPC.

Business code raises the classes below; the transports turn any exception into what a real
Odoo 16/17/18 sends: the JSON-RPC error envelope of `JsonRPCDispatcher.handle_error`
(`code` 200, `message` "Odoo Server Error", `data` from `serialize_exception`) and the
XML-RPC faults of `odoo/addons/base/controllers/rpc.py` (integer codes on `/xmlrpc/2/`,
string codes on the historical `/xmlrpc/`). See ERP_APIS.md §2.3.
"""

from __future__ import annotations

import traceback
import xmlrpc.client
from typing import Any

# XML-RPC fault codes of odoo/addons/base/controllers/rpc.py (shared with clients).
RPC_FAULT_CODE_APPLICATION_ERROR = 1
RPC_FAULT_CODE_WARNING = 2
RPC_FAULT_CODE_ACCESS_DENIED = 3
RPC_FAULT_CODE_ACCESS_ERROR = 4


class OdooException(Exception):
    """Base of the exceptions Odoo defines; `odoo_name` is the name clients see."""

    odoo_name = "odoo.exceptions.UserError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UserError(OdooException):
    """A business rule refused the call; the message is meant for the user."""

    odoo_name = "odoo.exceptions.UserError"


class ValidationError(UserError):
    """A constraint on a record is violated (Python constraint or SQL constraint)."""

    odoo_name = "odoo.exceptions.ValidationError"


class MissingError(UserError):
    """The records do not exist (any more)."""

    odoo_name = "odoo.exceptions.MissingError"


class AccessError(UserError):
    """The user may not do this (including calling a private method)."""

    odoo_name = "odoo.exceptions.AccessError"


class AccessDenied(OdooException):
    """Wrong login, password or user id; Odoo keeps the message short on purpose."""

    odoo_name = "odoo.exceptions.AccessDenied"

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class SessionExpired(OdooException):
    """A web route that needs a session was called without one (JSON-RPC code 100)."""

    odoo_name = "odoo.http.SessionExpiredException"

    def __init__(self, message: str = "Session expired") -> None:
        super().__init__(message)


class DatabaseNotFound(OdooException):
    """The database named in the call does not exist; Odoo lets PostgreSQL say so."""

    odoo_name = "psycopg2.OperationalError"

    def __init__(self, database: str) -> None:
        super().__init__(
            'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
            f'FATAL:  database "{database}" does not exist\n'
        )


def exception_name(exc: BaseException) -> str:
    """The dotted class name Odoo puts in `data.name` (`builtins.ValueError`, ...)."""
    if isinstance(exc, OdooException):
        return exc.odoo_name
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


def exception_message(exc: BaseException) -> str:
    """`str(exc)`, except that KeyError keeps its quotes as Odoo's `ustr` would."""
    if isinstance(exc, OdooException):
        return exc.message
    return str(exc)


def serialize_exception(exc: BaseException) -> dict[str, Any]:
    """`data` of the error envelope: name, message, arguments, context, debug."""
    arguments = list(exc.args) if not isinstance(exc, OdooException) else [exc.message]
    return {
        "name": exception_name(exc),
        "debug": "".join(traceback.format_exception(exc)),
        "message": exception_message(exc),
        "arguments": [a if isinstance(a, str | int | float | bool) else str(a) for a in arguments],
        "context": {},
    }


def json_error(exc: BaseException) -> dict[str, Any]:
    """The `error` member of a JSON-RPC response for `exc`, as Odoo 16/17/18 build it.

    The code is the JSON-RPC level code: 200 for every server error ("totally arbitrary",
    says Odoo's source), 100 for an expired session.
    """
    error: dict[str, Any] = {
        "code": 200,
        "message": "Odoo Server Error",
        "data": serialize_exception(exc),
    }
    if isinstance(exc, SessionExpired):
        error["code"] = 100
        error["message"] = "Odoo Session Expired"
    return error


def xmlrpc_fault(exc: BaseException) -> xmlrpc.client.Fault:
    """The fault `/xmlrpc/2/` returns (`xmlrpc_handle_exception_int`)."""
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault(RPC_FAULT_CODE_ACCESS_ERROR, str(exc))
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault(RPC_FAULT_CODE_ACCESS_DENIED, str(exc))
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault(RPC_FAULT_CODE_WARNING, str(exc))
    formatted = "".join(traceback.format_exception(exc))
    return xmlrpc.client.Fault(RPC_FAULT_CODE_APPLICATION_ERROR, formatted)


def xmlrpc_fault_string(exc: BaseException) -> xmlrpc.client.Fault:
    """The fault the historical `/xmlrpc/` returns (`xmlrpc_handle_exception_string`)."""
    if isinstance(exc, MissingError):
        return xmlrpc.client.Fault("warning -- MissingError\n\n" + str(exc), "")
    if isinstance(exc, AccessError):
        return xmlrpc.client.Fault("warning -- AccessError\n\n" + str(exc), "")
    if isinstance(exc, AccessDenied):
        return xmlrpc.client.Fault("AccessDenied", str(exc))
    if isinstance(exc, UserError):
        return xmlrpc.client.Fault("warning -- UserError\n\n" + str(exc), "")
    formatted = "".join(traceback.format_exception(exc))
    return xmlrpc.client.Fault(exception_message(exc), formatted)
