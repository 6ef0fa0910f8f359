"""The REST web services surface: which URL does what, independent of the HTTP server.

`NetSuiteApi.handle` takes a parsed request and returns a response (or `DROP`). Around every
request it applies, in NetSuite's order, the account's concurrency limit (429 beyond it),
the injected faults and token-based authentication; then it routes:

    GET    /services/rest/record/v1/{type}                       list (q, limit, offset)
    POST   /services/rest/record/v1/{type}                       create -> 204 + Location
    GET    /services/rest/record/v1/{type}/{id|eid:x}            fields, expandSubResources
    PATCH  /services/rest/record/v1/{type}/{id|eid:x}            update -> 204 (replace=...)
    PUT    /services/rest/record/v1/{type}/eid:{x}               upsert -> 204 + Location
    DELETE /services/rest/record/v1/{type}/{id|eid:x}            delete -> 204
    GET    /services/rest/record/v1/{type}/{id}/{sublist}        one sublist, expanded
    POST   /services/rest/record/v1/{type}/{id}/!transform/{to}  transform -> 204 + Location
    POST   /services/rest/query/v1/suiteql                       SuiteQL (Prefer: transient)
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from cn285.sandboxes.netsuite import jsonio, paging
from cn285.sandboxes.netsuite.auth import SignedRequest, TokenVerifier
from cn285.sandboxes.netsuite.dates import DatePreferences
from cn285.sandboxes.netsuite.errors import (
    NetSuiteError,
    concurrency_exceeded,
    invalid_content,
    invalid_parameter,
    method_not_allowed,
    not_found,
    unexpected_error,
    unknown_path,
    unknown_record_type,
)
from cn285.sandboxes.netsuite.governance import ConcurrencyLimiter, Fault, FaultInjector
from cn285.sandboxes.netsuite.query import engine
from cn285.sandboxes.netsuite.query.qfilter import compile_filter
from cn285.sandboxes.netsuite.records.fields import Kind
from cn285.sandboxes.netsuite.records.render import (
    RECORD_PATH,
    record_url,
    render_record,
    render_sublist,
    self_link,
)
from cn285.sandboxes.netsuite.records.store import Record, RecordStore
from cn285.sandboxes.netsuite.records.types import RecordType, record_type
from cn285.sandboxes.netsuite.records.validation import NameValidation
from cn285.sandboxes.netsuite.records.writes import RecordWriter

log = logging.getLogger(__name__)

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
SINGULAR = "application/vnd.oracle.resource+json; type=singular"
COLLECTION = "application/vnd.oracle.resource+json; type=collection"
ERROR = "application/vnd.oracle.resource+json; type=error"
GET_PARAMETERS = ("fields", "expand", "expandSubResources")
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # percent-encoded, without the query
    query: str  # the raw query string
    headers: Mapping[str, str]  # case-insensitive lookups (http.client.HTTPMessage)
    body: bytes
    base_url: str  # scheme://host[:port] as the client addressed the server

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def url(self) -> str:
        return f"{self.base_url}{self.path}" + (f"?{self.query}" if self.query else "")

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


DROP = Response(0)  # sentinel: close the connection without answering


def json_response(status: int, payload: Any, content_type: str) -> Response:
    body = jsonio.dumps(payload).encode("utf-8")
    return Response(status, {"Content-Type": content_type}, body)


def error_response(error: NetSuiteError) -> Response:
    response = json_response(error.status, error.body(), ERROR)
    response.headers.update(error.extra_headers)
    return response


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    status: int  # 0 for a dropped connection


class NetSuiteApi:
    """Answers requests for one NetSuite account."""

    def __init__(
        self,
        store: RecordStore,
        writer: RecordWriter,
        verifier: TokenVerifier,
        limiter: ConcurrencyLimiter,
        faults: FaultInjector,
        prefs: DatePreferences,
    ) -> None:
        self.store = store
        self.writer = writer
        self.verifier = verifier
        self.limiter = limiter
        self.faults = faults
        self.prefs = prefs
        self.request_log: deque[LoggedRequest] = deque(maxlen=1000)

    def handle(self, request: Request) -> Response:
        response = self._governed(request)
        self.request_log.append(LoggedRequest(request.method, request.path, response.status))
        return response

    def _governed(self, request: Request) -> Response:
        decision = self.faults.decide()
        if not self.limiter.try_acquire():
            return error_response(concurrency_exceeded(self.limiter.limit))
        try:
            if decision.delay:
                time.sleep(decision.delay)
            late = self.faults.plan.after_write and request.method in WRITES
            if decision.fault is not None and not late:
                return self._fault(decision.fault, decision.status)
            try:
                self.verifier.verify(
                    SignedRequest(
                        request.method,
                        request.url,
                        request.header("Authorization"),
                        request.body,
                        request.header("Content-Type") or "",
                    )
                )
                response = self._route(request)
            except NetSuiteError as error:
                response = error_response(error)
            except Exception:  # an emulator bug must still answer like NetSuite does
                error_id = uuid.uuid4().hex[:16]
                log.exception("NetSuite sandbox error %s", error_id)
                response = error_response(unexpected_error(error_id))
            if decision.fault is not None:  # after_write: the write stands, the client fails
                return self._fault(decision.fault, decision.status)
            return response
        finally:
            self.limiter.release()

    def _fault(self, fault: Fault, status: int) -> Response:
        if fault is Fault.DROP:
            return DROP
        if status == 500:
            return error_response(unexpected_error(uuid.uuid4().hex[:16]))
        reason = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
        text = reason.get(status, "Error")
        page = f"<html><head><title>{status} {text}</title></head><body>{text}</body></html>"
        return Response(status, {"Content-Type": "text/html"}, page.encode())

    # -- routing ---------------------------------------------------------------------------

    def _route(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == SUITEQL_PATH:
            if request.method != "POST":
                raise method_not_allowed(request.method, path)
            return self._suiteql(request)
        if not path.startswith(RECORD_PATH + "/"):
            raise unknown_path(request.path)
        parts = [unquote(p) for p in path[len(RECORD_PATH) + 1 :].split("/")]
        rtype = record_type(parts[0])
        if rtype is None:
            raise unknown_record_type(parts[0])
        method = request.method
        if len(parts) == 1:
            if method == "GET":
                return self._list(request, rtype)
            if method == "POST":
                return self._create(request, rtype)
        elif len(parts) == 2:
            handler = {
                "GET": self._get,
                "PATCH": self._patch,
                "PUT": self._put,
                "DELETE": self._delete,
            }.get(method)
            if handler is not None:
                return handler(request, rtype, parts[1])
        elif len(parts) == 3 and method == "GET":
            return self._get_sublist(request, rtype, parts[1], parts[2])
        elif len(parts) == 4 and parts[2] == "!transform" and method == "POST":
            return self._transform(request, rtype, parts[1], parts[3])
        raise method_not_allowed(method, request.path)

    def _record(self, rtype: RecordType, key: str) -> Record:
        if key.startswith("eid:"):
            record = self.store.by_external_id(rtype.name, key[4:])
        else:
            record = self.store.get(rtype.name, key)
        if record is None:
            raise not_found(rtype.name, key)
        return record

    def _names(self, request: Request) -> NameValidation:
        return NameValidation.from_header(request.header("X-NetSuite-PropertyNameValidation"))

    def _body(self, request: Request, required: bool = True) -> Any:
        if not request.body.strip():
            if required:
                raise invalid_content("The request body is empty.")
            return None
        try:
            return jsonio.loads(request.body)
        except jsonio.BadJson as exc:
            raise invalid_content(f"The request body is not valid JSON: {exc}") from None

    def _written(self, request: Request, rtype: RecordType, record: Record) -> Response:
        location = record_url(request.base_url, rtype.name, record["id"])
        return Response(204, {"Location": location})

    # -- record API ------------------------------------------------------------------------

    def _list(self, request: Request, rtype: RecordType) -> Response:
        params = request.params
        page = paging.read_page(params)
        q = params.get("q", "")
        predicate = compile_filter(q, rtype, self.prefs)
        with self.store.lock:
            matching = [r for r in self.store.all(rtype.name) if predicate(r)]
        start, end = page.window(len(matching))
        items = [
            {"links": self_link(record_url(request.base_url, rtype.name, r["id"])), "id": r["id"]}
            for r in matching[start:end]
        ]
        url = f"{request.base_url}{RECORD_PATH}/{rtype.name}"
        body = paging.envelope(items, len(matching), page, url, params)
        return json_response(200, body, COLLECTION)

    def _create(self, request: Request, rtype: RecordType) -> Response:
        self._no_async(request)
        record = self.writer.create(rtype, self._body(request), self._names(request))
        return self._written(request, rtype, record)

    def _get(self, request: Request, rtype: RecordType, key: str) -> Response:
        params = request.params
        for name in params:
            if name not in GET_PARAMETERS:
                raise invalid_parameter(
                    f"Invalid query parameter name: {name}. Allowed query parameters are: "
                    f"{', '.join(GET_PARAMETERS)}.",
                    query_param=name,
                )
        expand = params.get("expandSubResources", "").lower() == "true"
        fields = None
        if params.get("fields"):
            fields = {f.strip().lower() for f in params["fields"].split(",") if f.strip()}
        with self.store.lock:
            record = self._record(rtype, key)
            body = render_record(
                rtype, record, self.store, request.base_url, expand=expand, fields=fields
            )
        return json_response(200, body, SINGULAR)

    def _get_sublist(self, request: Request, rtype: RecordType, key: str, name: str) -> Response:
        field = rtype.field(name)
        if field is None or field.kind is not Kind.SUBLIST:
            raise unknown_path(request.path)
        with self.store.lock:
            record = self._record(rtype, key)
            body = render_sublist(rtype, field, record, self.store, request.base_url)
        return json_response(200, body, COLLECTION)

    def _patch(self, request: Request, rtype: RecordType, key: str) -> Response:
        self._no_async(request)
        params = request.params
        replace = frozenset(
            part.strip().lower() for part in params.get("replace", "").split(",") if part.strip()
        )
        replace_all = params.get("replaceSelectedFields", "").lower() == "true"
        with self.store.lock:
            record = self._record(rtype, key)
            updated = self.writer.update(
                rtype,
                record["id"],
                self._body(request),
                self._names(request),
                replace=replace,
                replace_all=replace_all,
            )
        return self._written(request, rtype, updated)

    def _put(self, request: Request, rtype: RecordType, key: str) -> Response:
        """Upsert works only with an external id in the URL (section_156335203191)."""
        self._no_async(request)
        if not key.startswith("eid:") or len(key) == 4:
            raise method_not_allowed(
                "PUT", f"{request.path} (upsert needs an external ID: .../eid:<externalId>)"
            )
        replace = frozenset(
            part.strip().lower()
            for part in request.params.get("replace", "").split(",")
            if part.strip()
        )
        record = self.writer.upsert(
            rtype, key[4:], self._body(request), self._names(request), replace=replace
        )
        return self._written(request, rtype, record)

    def _delete(self, request: Request, rtype: RecordType, key: str) -> Response:
        with self.store.lock:
            record = self._record(rtype, key)
            self.writer.delete(rtype, record["id"])
        return Response(204)

    def _transform(self, request: Request, rtype: RecordType, key: str, target: str) -> Response:
        self._no_async(request)
        with self.store.lock:
            record = self._record(rtype, key)
            target_type, created = self.writer.transform(
                rtype,
                record["id"],
                target,
                self._body(request, required=False),
                self._names(request),
            )
        return self._written(request, target_type, created)

    def _no_async(self, request: Request) -> None:
        prefer = (request.header("Prefer") or "").lower()
        if "respond-async" in prefer:
            raise NetSuiteError(
                400,
                "INVALID_HEADER",
                "The sandbox does not run asynchronous requests (Prefer: respond-async).",
                header="Prefer",
            )

    # -- SuiteQL ---------------------------------------------------------------------------

    def _suiteql(self, request: Request) -> Response:
        prefer = (request.header("Prefer") or "").lower()
        if "transient" not in prefer:
            raise NetSuiteError(
                400,
                "INVALID_HEADER",
                "The header 'Prefer: transient' is required to run SuiteQL queries.",
                header="Prefer",
            )
        params = request.params
        page = paging.read_page(params)
        body = self._body(request)
        query = body.get("q") if isinstance(body, dict) else None
        if not isinstance(query, str):
            raise invalid_content("The request body must be a JSON object with a q string.")
        result = engine.run(query, self.store, self.prefs, page.window)
        items = [{"links": [], **row} for row in result.rows]
        url = f"{request.base_url}{SUITEQL_PATH}"
        return json_response(
            200, paging.envelope(items, result.total, page, url, params), COLLECTION
        )
