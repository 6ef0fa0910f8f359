"""The HTTP transport: the standard library's threading server in front of `NetSuiteApi`.

Kept dependency-free on purpose. HTTP/1.1 with keep-alive, like the real service, so that a
dropped connection reaches the client as the connection error it would see in production.
"""

from __future__ import annotations

import contextlib
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cn285.sandboxes.netsuite.errors import NetSuiteError
from cn285.sandboxes.netsuite.routes import DROP, NetSuiteApi, Request, Response, error_response

MAX_BODY = 104 * 1024 * 1024  # a REST request is capped at 104 MB (chapter_161251386312)


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # bursts for the concurrency tests must reach the limiter

    def __init__(self, address: tuple[str, int], api: NetSuiteApi) -> None:
        super().__init__(address, _Handler)
        self.api = api


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "NetSuiteSandbox/1.0"
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        # headers and body leave in two writes: without this, Nagle's algorithm meets the
        # client's delayed ACK and every keep-alive request waits 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the API keeps its own request log."""

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except NetSuiteError as error:
            self.close_connection = True
            self._send(error_response(error))
            return
        path, _, query = self.path.partition("?")
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request(self.command, path, query, self.headers, body, f"http://{host}")
        response = self.server.api.handle(request)
        if response is DROP:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(response)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise NetSuiteError(413, "REQUEST_TOO_LARGE", "The request exceeds 104 MB.")
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        chunks = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():  # trailers
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                raise NetSuiteError(413, "REQUEST_TOO_LARGE", "The request exceeds 104 MB.")
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:  # a 204 carries no body and no length (RFC 9110 §8.6)
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body:
            self.wfile.write(response.body)
