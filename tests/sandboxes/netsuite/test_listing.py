"""Record lists: the paging envelope, its limits, and `q` filters."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from cn285.sandboxes.netsuite import NetSuiteSandbox
from tests.sandboxes.netsuite.conftest import ACCOUNT, NetSuiteClient


@pytest.fixture
def many(client, clock):
    """Twelve more customers, created one minute apart."""
    ids = []
    for n in range(12):
        clock.advance(minutes=1)
        ids.append(
            client.create(
                "customer", {"companyName": f"Bulk {n:02d}", "email": f"bulk{n}@example.com"}
            )
        )
    return ids


def _links(body):
    return {link["rel"]: link["href"] for link in body["links"]}


def test_paging_envelope(client, sandbox, many):
    first = client.get("/record/v1/customer", params={"limit": 5})
    assert first.status_code == 200
    assert first.headers["Content-Type"].endswith("type=collection")
    body = first.json()
    assert set(body) == {"links", "count", "hasMore", "items", "offset", "totalResults"}
    assert (body["count"], body["hasMore"], body["offset"], body["totalResults"]) == (
        5,
        True,
        0,
        15,
    )
    item = body["items"][0]
    assert item == {
        "links": [{"rel": "self", "href": f"{sandbox.rest_url}/record/v1/customer/{item['id']}"}],
        "id": item["id"],
    }
    links = _links(body)
    assert set(links) == {"next", "last", "self"}
    assert parse_qs(urlsplit(links["next"]).query) == {"limit": ["5"], "offset": ["5"]}
    assert parse_qs(urlsplit(links["last"]).query) == {"limit": ["5"], "offset": ["10"]}

    seen = [i["id"] for i in body["items"]]
    next_url = links["next"]
    while next_url:
        page = client.get(next_url).json()
        seen += [i["id"] for i in page["items"]]
        next_url = _links(page).get("next")
    assert len(seen) == len(set(seen)) == 15
    assert page["hasMore"] is False and page["count"] == 5 and page["offset"] == 10


def test_limit_above_1000_is_refused(client):
    response = client.get("/record/v1/customer", params={"limit": 1001})
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert (detail["o:errorCode"], detail["o:errorQueryParam"]) == ("INVALID_PARAMETER", "limit")


def test_offset_must_be_a_multiple_of_limit(client):
    response = client.get("/record/v1/customer", params={"limit": 5, "offset": 3})
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorQueryParam"] == "offset"


def test_results_beyond_100000_cannot_be_reached(client):
    response = client.get("/record/v1/customer", params={"limit": 1000, "offset": 100000})
    assert response.status_code == 400


def test_q_filters_and_keeps_q_in_the_links(client, many):
    response = client.get(
        "/record/v1/customer",
        params={"q": 'companyName START_WITH "Bulk" AND email CONTAIN "1"', "limit": 2},
    )
    body = response.json()
    assert body["totalResults"] == 3  # bulk1, bulk10, bulk11
    assert parse_qs(urlsplit(_links(body)["next"]).query)["q"] == [
        'companyName START_WITH "Bulk" AND email CONTAIN "1"'
    ]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("isPerson IS true", 1),
        ("companyName EMPTY", 1),
        ("companyName EMPTY_NOT", 14),
        ('entityId IS "CUST-0002"', 1),
        ("id ANY_OF [1, 2]", 2),
        ("id BETWEEN [2, 3]", 2),
        ("id GREATER 3 AND (companyName END_WITH 0 OR companyName END_WITH 1)", 4),
        ("currency ANY_OF 2", 1),
        ('email START_WITH_NOT "bulk"', 3),
    ],
)
def test_q_operators(client, many, q, expected):
    body = client.get("/record/v1/customer", params={"q": q}).json()
    assert body["totalResults"] == expected, q


def test_q_dates_follow_the_user_date_format(client, many):
    # customers were created at 09:01 ... 09:12 on 3/1/2025, seeds at 09:00
    q = 'lastModifiedDate ON_OR_AFTER "3/1/2025 9:06 AM"'
    assert client.get("/record/v1/customer", params={"q": q}).json()["totalResults"] == 7
    q = 'lastModifiedDate AFTER "3/1/2025 9:06 AM"'
    assert client.get("/record/v1/customer", params={"q": q}).json()["totalResults"] == 6
    q = 'lastModifiedDate ON "3/1/2025"'
    assert client.get("/record/v1/customer", params={"q": q}).json()["totalResults"] == 15
    q = 'lastModifiedDate BEFORE "3/1/2025"'
    assert client.get("/record/v1/customer", params={"q": q}).json()["totalResults"] == 0


def test_q_date_in_another_format_fails_like_netsuite(client):
    response = client.get(
        "/record/v1/customer", params={"q": 'lastModifiedDate AFTER "2025-03-01"'}
    )
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "INVALID_PARAMETER"
    assert detail["detail"] == (
        'Parse of date/time "2025-03-01" failed with date format "M/d/yyyy h:mm a" in time zone UTC'
    )


def test_q_dates_with_another_preference_and_zone(clock):
    with NetSuiteSandbox(
        ACCOUNT, clock=clock, date_format="dd.MM.yyyy", time_format="HH:mm", timezone="Europe/Paris"
    ) as sandbox:
        client = NetSuiteClient(sandbox)
        # seeds were modified at 09:00 UTC, 10:00 in Paris
        q = 'lastModifiedDate ON_OR_AFTER "01.03.2025 10:00"'
        assert client.get("/record/v1/customer", params={"q": q}).json()["totalResults"] == 3
        q = 'lastModifiedDate AFTER "01.03.2025 10:00"'
        assert client.get("/record/v1/customer", params={"q": q}).json()["totalResults"] == 0


def test_q_unknown_field_answers_nonexistent_field(client):
    response = client.get("/record/v1/customer", params={"q": 'shoeSize IS "42"'})
    assert response.status_code == 400
    assert response.json() == {
        "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
        "title": "Bad Request",
        "status": 400,
        "o:errorDetails": [
            {
                "detail": "Unknown field name 'shoeSize' in the search query. The field does not "
                "exist on this record type.",
                "o:errorCode": "NONEXISTENT_FIELD",
                "o:errorQueryParam": "q",
            }
        ],
    }


@pytest.mark.parametrize(
    "q", ["companyName IS", "(id EQUAL 1", "id GREATER abc", "companyName GREATER 3"]
)
def test_q_malformed_is_refused(client, q):
    response = client.get("/record/v1/customer", params={"q": q})
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorQueryParam"] == "q"
