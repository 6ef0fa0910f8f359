"""NetSuite's REST error responses, as the sandbox sends them.

Every failure travels as `NetSuiteError` up to the transport, which renders the body NetSuite
documents (Oracle help section_156570709583; ERP_APIS.md §1.6):
`{type, title, status, "o:errorDetails": [{detail, o:errorCode, o:errorPath?, ...}]}`.
The constructors below name the situations the sandbox reports, so that the exact wording of
each message lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RFC2616 = "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"
RFC9110 = "https://www.rfc-editor.org/rfc/rfc9110.html"

# `type` URLs by status. Older NetSuite responses point into RFC 2616, newer ones into RFC 9110;
# each situation below uses the one its documented example shows.
_TYPES = {
    400: f"{RFC2616}#sec10.4.1",
    401: RFC2616,  # the INVALID_LOGIN example has no fragment
    403: f"{RFC2616}#sec10.4.4",
    404: f"{RFC2616}#sec10.4.5",
    405: f"{RFC2616}#sec10.4.6",
    409: f"{RFC2616}#sec10.4.10",
    413: f"{RFC2616}#sec10.4.14",
    415: f"{RFC2616}#sec10.4.16",
    429: f"{RFC9110}#section-15.5.30",  # RFC 2616 predates 429 (RFC 6585)
    500: f"{RFC2616}#sec10.5.1",
}
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
}

INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)


@dataclass
class NetSuiteError(Exception):
    """A request NetSuite refuses; `body()` is what the client receives."""

    status: int
    code: str
    detail: str
    path: str | None = None
    query_param: str | None = None
    header: str | None = None
    type_url: str | None = None
    title: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.detail}"

    def body(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"detail": self.detail, "o:errorCode": self.code}
        if self.path is not None:
            detail["o:errorPath"] = self.path
        if self.query_param is not None:
            detail["o:errorQueryParam"] = self.query_param
        if self.header is not None:
            detail["o:errorHeader"] = self.header
        return {
            "type": self.type_url or _TYPES.get(self.status, f"{RFC2616}#sec10.4.1"),
            "title": self.title or _TITLES.get(self.status, "Error"),
            "status": self.status,
            "o:errorDetails": [detail],
        }


def invalid_login() -> NetSuiteError:
    """Every authentication failure looks the same to the client; the reason is only logged
    (NetSuite puts it in the Login Audit Trail, not in the body)."""
    return NetSuiteError(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL)


def invalid_value(value: Any, field_name: str, path: str) -> NetSuiteError:
    """Oracle's own example: a bad reference in a sublist line (section_156570709583)."""
    shown = value.get("id", value) if isinstance(value, dict) else value
    return NetSuiteError(
        400,
        "INVALID_CONTENT",
        "Error while accessing resource: You have entered an Invalid Field Value "
        f"{shown} for the following field: {field_name}",
        path=path,
    )


def invalid_content(detail: str, path: str | None = None) -> NetSuiteError:
    return NetSuiteError(400, "INVALID_CONTENT", detail, path=path)


def user_error(detail: str, path: str | None = None) -> NetSuiteError:
    """Business-rule refusals; NetSuite prefixes them like this (ehmad11/netsuite-rest#26)."""
    detail = f"Error while accessing a resource. {detail}"
    return NetSuiteError(400, "USER_ERROR", detail, path=path)


def missing_values(labels: list[str], path: str | None = None) -> NetSuiteError:
    return user_error(f"Please enter value(s) for: {', '.join(labels)}.", path=path)


def unknown_body_field(name: str, path: str) -> NetSuiteError:
    return NetSuiteError(
        400,
        "NONEXISTENT_FIELD",
        f"Unknown field name '{name}'. The field does not exist on this record type.",
        path=path,
    )


def unknown_query_field(name: str) -> NetSuiteError:
    """Body copied from airbytehq/airbyte#35401, including its RFC 9110 `type`."""
    return NetSuiteError(
        400,
        "NONEXISTENT_FIELD",
        f"Unknown field name '{name}' in the search query. "
        "The field does not exist on this record type.",
        query_param="q",
        type_url=f"{RFC9110}#section-15.5.1",
    )


def invalid_parameter(detail: str, query_param: str | None = None) -> NetSuiteError:
    return NetSuiteError(400, "INVALID_PARAMETER", detail, query_param=query_param)


def date_parse_failed(literal: str, pattern: str, timezone: str) -> NetSuiteError:
    """The message airbyte users reported when a `q` date literal misses the user's format."""
    return invalid_parameter(
        f'Parse of date/time "{literal}" failed with date format "{pattern}" '
        f"in time zone {timezone}",
        query_param="q",
    )


def not_found(record_type: str, record_id: str) -> NetSuiteError:
    # [UNVERIFIED] code and wording: no primary excerpt exists (ERP_APIS.md §1.6, §6).
    return NetSuiteError(
        404,
        "NONEXISTENT_ID",
        f"The record instance does not exist. Provide a valid record instance ID. "
        f"(type {record_type}, id {record_id})",
    )


def unknown_record_type(name: str) -> NetSuiteError:
    return NetSuiteError(
        404, "INVALID_RCRD_TYPE", f"Record type '{name}' does not exist.", path=None
    )


def unknown_path(path: str) -> NetSuiteError:
    return NetSuiteError(404, "INVALID_URL", f"Invalid URL path: {path}")


def method_not_allowed(method: str, path: str) -> NetSuiteError:
    return NetSuiteError(
        405, "METHOD_NOT_ALLOWED", f"HTTP method {method} is not allowed for {path}."
    )


def duplicate(field_name: str, value: str, path: str) -> NetSuiteError:
    return NetSuiteError(
        400,
        "DUP_RCRD",
        f"Error while accessing a resource. A record with the {field_name} '{value}' "
        "already exists.",
        path=path,
    )


def concurrency_exceeded(limit: int) -> NetSuiteError:
    # [UNVERIFIED] error code: REST signals 429 "Too Many Requests" (ERP_APIS.md §1.8).
    return NetSuiteError(
        429,
        "CONCURRENCY_LIMIT_EXCEEDED",
        "Concurrent request limit exceeded. Request blocked. "
        f"The account allows {limit} concurrent requests.",
    )


def unexpected_error(error_id: str) -> NetSuiteError:
    return NetSuiteError(
        500,
        "UNEXPECTED_ERROR",
        f"An unexpected error occurred. Error ID: {error_id}",
    )
