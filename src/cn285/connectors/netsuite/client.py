"""Transport to SuiteTalk REST: signed requests, bounded concurrency, errors sorted.

Every request is signed with token-based authentication (OAuth 1.0a, HMAC-SHA256, realm =
the account id) by `requests-oauthlib`, over one keep-alive connection pool. At most
`concurrency` requests are in flight at once (the account's governance limit), so the
connector itself never causes a 429; one that comes anyway is retried by the sync engine.

NetSuite's error body (`o:errorDetails[].o:errorCode`) decides what happens: a refused
login is configuration, a concurrency or server error is retried, a record error (invalid
field, missing value, user error) concerns that record only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from requests_oauthlib import OAuth1

from cn285.connectors.errors import ConfigurationError, RecordRejected, RetryableError
from cn285.connectors.netsuite.config import Config

T = TypeVar("T")
R = TypeVar("R")
PAGE = 1000  # SuiteQL's largest page
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_RETRY_CODES = {
    "CONCURRENCY_LIMIT_EXCEEDED",
    "REQUEST_LIMIT_EXCEEDED",
    "SSS_REQUEST_LIMIT_EXCEEDED",
}


class NetSuiteClient:
    """A signed session on one account; counts its calls and writes (to measure them)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.base = config.rest_url
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=config.concurrency)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        auth = config.auth
        self.session.auth = OAuth1(
            auth.consumer_key,
            auth.consumer_secret,
            auth.token_id,
            auth.token_secret,
            signature_method="HMAC-SHA256",
            realm=config.account,
        )
        self.session.headers.update(
            {"Content-Type": "application/json", "Accept": "application/json"}
        )
        self._pool = ThreadPoolExecutor(config.concurrency, thread_name_prefix="netsuite")
        self._lock = threading.Lock()
        self.calls = 0
        self.writes = 0
        self.throttled = 0  # 429 answers (the account's concurrency limit)

    # -- one request ---------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        key: str = "",
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """`method` on `{rest_url}{path}`; any failure raised as a connector error."""
        with self._lock:
            self.calls += 1
            if method in WRITES and path.startswith("/record/"):  # SuiteQL reads by POST
                self.writes += 1
        try:
            response = self.session.request(
                method,
                self.base + path,
                json=json,
                params=params,
                headers=headers,
                timeout=self.config.timeout,
            )
        except requests.Timeout as exc:
            raise RetryableError(f"NetSuite did not answer in time: {exc}") from None
        except requests.ConnectionError as exc:
            raise RetryableError(f"connection to NetSuite failed: {exc}") from None
        if response.status_code == 429:
            with self._lock:
                self.throttled += 1
        if response.status_code >= 400:
            raise _translate(response, key or f"{method} {path}")
        return response

    def suiteql(self, query: str) -> Iterator[dict[str, Any]]:
        """Rows of a query, page after page (the query must not need more than one page
        per call to be consistent: callers page by keyset, see `keyset`)."""
        offset = 0
        while True:
            page = self.request(
                "POST",
                "/query/v1/suiteql",
                json={"q": query},
                params={"limit": PAGE, "offset": offset},
                headers={"Prefer": "transient"},
            ).json()
            items = page.get("items", [])
            yield from items
            if not page.get("hasMore") or not items:
                return
            offset += len(items)

    def keyset(self, select: str, where: str = "") -> Iterator[dict[str, Any]]:
        """Every row of `SELECT {select} ... WHERE {where}` in id order, a page per call
        and by `id > last` rather than by offset: no 100,000-row ceiling, no row skipped
        when rows change between pages."""
        last = 0
        while True:
            condition = f"id > {last}" + (f" AND ({where})" if where else "")
            page = self.request(
                "POST",
                "/query/v1/suiteql",
                json={"q": f"{select} WHERE {condition} ORDER BY id"},
                params={"limit": PAGE, "offset": 0},
                headers={"Prefer": "transient"},
            ).json()
            items = page.get("items", [])
            yield from items
            if not page.get("hasMore") or not items:
                return
            last = int(items[-1]["id"])

    # -- many requests at once -------------------------------------------------------------
    def each(self, function: Callable[[T], R], items: Iterable[T]) -> list[R | BaseException]:
        """`function` on every item, at most `concurrency` at a time; a result or the
        exception it raised, in order. Every call finishes before this returns."""
        futures = [self._pool.submit(function, item) for item in items]
        results: list[R | BaseException] = []
        for future in futures:
            error = future.exception()
            results.append(error if error is not None else future.result())
        return results

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.session.close()


def first_retryable(results: Sequence[object]) -> RetryableError | ConfigurationError | None:
    """The error that must stop a batch (configuration) or have it retried, if any."""
    for result in results:
        if isinstance(result, ConfigurationError):
            return result
    for result in results:
        if isinstance(result, RetryableError):
            return result
    for result in results:  # anything else is a bug: surface it, never swallow it
        if isinstance(result, BaseException) and not isinstance(result, RecordRejected):
            raise result
    return None


def location_id(response: requests.Response) -> str:
    """The internal id of the record a create or upsert wrote (from `Location`)."""
    location = response.headers.get("Location", "")
    record_id = location.rstrip("/").rsplit("/", 1)[-1]
    if not record_id.isdigit():
        raise RetryableError(f"NetSuite answered {response.status_code} without a record location")
    return record_id


def _details(response: requests.Response) -> tuple[str, str, str | None]:
    try:
        body = response.json()
        detail = (body.get("o:errorDetails") or [{}])[0]
        return (
            str(detail.get("o:errorCode", "")),
            str(detail.get("detail") or body.get("title") or response.reason),
            detail.get("o:errorPath"),
        )
    except (ValueError, AttributeError, IndexError):
        return "", response.text[:200] or str(response.reason), None


def _translate(response: requests.Response, key: str) -> Exception:
    status = response.status_code
    code, detail, path = _details(response)
    if status == 401 or code == "INVALID_LOGIN":
        return ConfigurationError(
            "NetSuite refused the login (account, consumer or token credentials, or the "
            "role's permissions): " + detail
        )
    if status == 429 or code in _RETRY_CODES or status >= 500:
        after = response.headers.get("Retry-After", "")
        return RetryableError(
            f"NetSuite answered {status} {code or response.reason}: {detail}",
            float(after) if after.replace(".", "", 1).isdigit() else None,
        )
    if status == 403:
        return ConfigurationError(f"NetSuite refused the access: {detail}")
    where = f" ({path})" if path else ""
    return RecordRejected(key, f"{code or status}: {detail}{where}")
