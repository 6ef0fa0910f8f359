"""Collection paging, shared by record lists and SuiteQL (Oracle help section_156414087576).

`limit` is 1 to 1000 (default 1000), `offset` a multiple of `limit` (ehmad11/netsuite-rest#25),
and no page reaches past the 100,000th result without SuiteAnalytics Connect. The envelope is
`{links, count, hasMore, items, offset, totalResults}` with `self`/`next`/`prev`/`first`/
`last` links that repeat the request's own query parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from cn285.sandboxes.netsuite.errors import invalid_parameter

MAX_LIMIT = 1000
MAX_RESULTS = 100_000


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    def window(self, total: int) -> tuple[int, int]:
        """The slice of the (capped) result list this page shows."""
        reachable = min(total, MAX_RESULTS)
        return min(self.offset, reachable), min(self.offset + self.limit, reachable)


def read_page(params: dict[str, str], default_limit: int = MAX_LIMIT) -> Page:
    limit = _integer(params, "limit", default_limit)
    offset = _integer(params, "offset", 0)
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid_parameter(
            f"Invalid query parameter value: limit={limit}. "
            f"The value must be between 1 and {MAX_LIMIT}.",
            query_param="limit",
        )
    if offset < 0 or offset % limit:
        raise invalid_parameter(
            f"Invalid query parameter value: offset={offset}. "
            "The offset must be a non-negative multiple of the limit.",
            query_param="offset",
        )
    if offset >= MAX_RESULTS:
        raise invalid_parameter(
            f"Invalid query parameter value: offset={offset}. At most {MAX_RESULTS} results "
            "can be reached; use SuiteAnalytics Connect for more.",
            query_param="offset",
        )
    return Page(limit, offset)


def _integer(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise invalid_parameter(
            f"Invalid query parameter value: {name}={raw}. The value must be an integer.",
            query_param=name,
        ) from None


def envelope(
    items: list[dict[str, Any]],
    total: int,
    page: Page,
    url: str,
    params: dict[str, str],
) -> dict[str, Any]:
    """The page body; `url` is the collection URL without query, `params` the other
    query parameters of the request (such as `q`), repeated in every link."""
    reachable = min(total, MAX_RESULTS)
    has_more = page.offset + len(items) < reachable
    others = {k: v for k, v in params.items() if k not in ("limit", "offset")}

    def link(rel: str, offset: int) -> dict[str, str]:
        query = urlencode({**others, "limit": page.limit, "offset": offset})
        return {"rel": rel, "href": f"{url}?{query}"}

    last_offset = max(0, (reachable - 1) // page.limit * page.limit)
    links = []
    if page.offset > 0:
        links.append(link("first", 0))
        links.append(link("prev", max(0, page.offset - page.limit)))
    if has_more:
        links.append(link("next", page.offset + page.limit))
        links.append(link("last", last_offset))
    links.append(link("self", page.offset))
    return {
        "links": links,
        "count": len(items),
        "hasMore": has_more,
        "items": items,
        "offset": page.offset,
        "totalResults": total,
    }
