"""The HTTP side of the sandbox: Odoo's JSON-RPC, XML-RPC and web routes on the stdlib server.

Routes (ERP_APIS.md §2.1–2.2): `POST /web/webclient/version_info`, `POST /jsonrpc`
(services `common`, `object`, `db`), `POST /xmlrpc/2/<service>` (integer fault codes) and
the historical `/xmlrpc/<service>` (string fault codes), the session routes
`/web/session/authenticate`, `/web/session/get_session_info`, `/web/session/destroy`,
`/web/dataset/call_kw[/...]`, and `GET /web/health`. JSON-RPC errors are answered with
HTTP 200 and the error envelope; malformed JSON with HTTP 400. Faults are injected before a
request is handled.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import socket
import time
import xmlrpc.client
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .errors import (
    AccessDenied,
    SessionExpired,
    json_error,
    xmlrpc_fault,
    xmlrpc_fault_string,
)
from .faults import FaultInjector
from .rpc import RpcService, jsonable, version_info

logger = logging.getLogger("cn285.sandboxes.odoo")
MAX_BODY = 64 * 1024 * 1024


class BadRequest(Exception):
    """A request Odoo answers with HTTP 400."""


class OdooHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one sandbox database."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], service: RpcService, faults: FaultInjector):
        super().__init__(address, OdooRequestHandler)
        self.service = service
        self.faults = faults
        self.sessions: dict[str, int] = {}


class OdooRequestHandler(BaseHTTPRequestHandler):
    server: OdooHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "Werkzeug/2.0.2"
    sys_version = "Python/3.10"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    # -- plumbing -----------------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise BadRequest("Request Entity Too Large")
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_html(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        body = (
            "<!doctype html>\n<html lang=en>\n"
            f"<title>{status} {phrase}</title>\n<h1>{phrase}</h1>\n<p>{message}</p>\n"
        ).encode()
        self._send(status, body, "text/html; charset=utf-8", headers)

    def _drop(self) -> None:
        """Close the connection without answering (a dropped connection)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _handle(self, method: str) -> None:
        try:
            body = self._read_body() if method == "POST" else b""
        except (BadRequest, ValueError) as exc:
            self._send_html(400, str(exc))
            return
        decision = self.server.faults.decide()
        if decision.delay:
            time.sleep(decision.delay)
        if decision.action == "drop":
            self._drop()
            return
        if decision.action == "error":
            headers = {"Connection": "close"}
            if self.server.faults.config.retry_after is not None:
                headers["Retry-After"] = str(self.server.faults.config.retry_after)
            self.close_connection = True
            self._send_html(decision.status, "The server is temporarily unavailable.", headers)
            return
        if decision.slow:
            time.sleep(decision.slow)
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        try:
            self._route(method, path, body)
        except BrokenPipeError:
            self.close_connection = True

    def _route(self, method: str, path: str, body: bytes) -> None:
        if method == "GET":
            if path == "/web/health":
                self._send(200, b'{"status": "pass"}', "application/json")
            else:
                self._send_html(404, "The requested URL was not found on the server.")
            return
        if path.startswith("/xmlrpc/2/"):
            self._xmlrpc(path.removeprefix("/xmlrpc/2/"), body, xmlrpc_fault)
            return
        if path.startswith("/xmlrpc/"):
            self._xmlrpc(path.removeprefix("/xmlrpc/"), body, xmlrpc_fault_string)
            return
        routes = {
            "/jsonrpc": self._jsonrpc,
            "/web/webclient/version_info": self._version_info,
            "/web/session/authenticate": self._session_authenticate,
            "/web/session/get_session_info": self._session_info,
            "/web/session/destroy": self._session_destroy,
            "/web/dataset/call_kw": self._call_kw,
            "/web/dataset/call_button": self._call_kw,
        }
        handler = routes.get(path)
        if handler is None and path.startswith("/web/dataset/call_kw/"):
            handler = self._call_kw
        if handler is None:
            self._send_html(404, "The requested URL was not found on the server.")
            return
        self._json_route(handler, body)

    # -- JSON-RPC -----------------------------------------------------------------------

    def _json_route(self, handler: Any, body: bytes) -> None:
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            self._send_html(400, "Invalid JSON data")
            return
        if not isinstance(request, dict):
            self._send_html(400, "Invalid JSON-RPC data")
            return
        params = request.get("params", {})
        if not isinstance(params, dict):
            self._send_html(400, "Invalid JSON-RPC data")
            return
        response: dict[str, Any] = {"jsonrpc": "2.0", "id": request.get("id")}
        headers: dict[str, str] = {}
        try:
            response["result"] = jsonable(handler(params, headers))
        except Exception as exc:
            logger.debug("RPC error", exc_info=True)
            response["error"] = json_error(exc)
        payload = json.dumps(response, ensure_ascii=False).encode()
        self._send(200, payload, "application/json", headers)

    def _jsonrpc(self, params: dict[str, Any], headers: dict[str, str]) -> Any:
        service, method = params.get("service"), params.get("method")
        args = params.get("args") or []
        if not isinstance(args, list):
            raise TypeError("args must be a list")
        return self.server.service.dispatch(str(service), str(method), args)

    def _version_info(self, params: dict[str, Any], headers: dict[str, str]) -> Any:
        return version_info(self.server.service.db.version)

    # -- sessions (web client routes) ---------------------------------------------------

    def _session_uid(self) -> int | None:
        cookies = self.headers.get("Cookie") or ""
        for part in cookies.split(";"):
            name, _, value = part.strip().partition("=")
            if name == "session_id":
                return self.server.sessions.get(value)
        return None

    def _session_authenticate(self, params: dict[str, Any], headers: dict[str, str]) -> Any:
        service = self.server.service
        uid = service.authenticate(params.get("db"), params.get("login"), params.get("password"))
        if not uid:
            raise AccessDenied()
        sid = secrets.token_hex(20)
        self.server.sessions[sid] = int(uid)
        headers["Set-Cookie"] = f"session_id={sid}; HttpOnly; Path=/; SameSite=Lax"
        return self._session_payload(int(uid))

    def _session_payload(self, uid: int) -> dict[str, Any]:
        service = self.server.service
        with service.db.lock:
            env = service.user_env(uid)
            user = env.user
            company = env.company
            context = env["res.users"].context_get()
            info = version_info(service.db.version)
            return {
                "uid": uid,
                "is_system": uid == 2,
                "is_admin": uid == 2,
                "user_context": context,
                "db": service.db.name,
                "server_version": info["server_version"],
                "server_version_info": info["server_version_info"],
                "name": user.display_name(),
                "username": user.raw("login"),
                "partner_display_name": user["partner_id"].display_name(),
                "company_id": company.id,
                "partner_id": user.raw("partner_id"),
                "user_companies": {
                    "current_company": company.id,
                    "allowed_companies": {
                        str(company.id): {"id": company.id, "name": company.display_name()}
                    },
                },
            }

    def _session_info(self, params: dict[str, Any], headers: dict[str, str]) -> Any:
        uid = self._session_uid()
        if uid is None:
            raise SessionExpired()
        return self._session_payload(uid)

    def _session_destroy(self, params: dict[str, Any], headers: dict[str, str]) -> Any:
        cookies = self.headers.get("Cookie") or ""
        for part in cookies.split(";"):
            name, _, value = part.strip().partition("=")
            if name == "session_id":
                self.server.sessions.pop(value, None)
        return None

    def _call_kw(self, params: dict[str, Any], headers: dict[str, str]) -> Any:
        uid = self._session_uid()
        if uid is None:
            raise SessionExpired()
        return self.server.service.call_kw(
            uid,
            params.get("model", ""),
            params.get("method", ""),
            params.get("args") or [],
            params.get("kwargs") or {},
        )

    # -- XML-RPC ------------------------------------------------------------------------

    def _xmlrpc(self, service: str, body: bytes, to_fault: Any) -> None:
        try:
            params, method = xmlrpc.client.loads(body, use_datetime=True)
            result = self.server.service.dispatch(service, method or "", list(params))
            payload = xmlrpc.client.dumps(
                (jsonable(result, none=False),), methodresponse=True, allow_none=False
            )
        except Exception as exc:
            logger.debug("XML-RPC error", exc_info=True)
            payload = xmlrpc.client.dumps(to_fault(exc), methodresponse=True, allow_none=False)
        self._send(200, payload.encode(), "text/xml; charset=utf-8")
