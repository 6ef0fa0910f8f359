"""The record API: create, get, update, upsert by external id, delete, and its refusals."""

from __future__ import annotations

from tests.sandboxes.netsuite.conftest import customer_id, item_id


def test_create_answers_204_with_location_and_no_body(client, sandbox):
    response = client.post(
        "/record/v1/customer",
        json={"companyname": "New Co", "email": "ap@new.example", "subsidiary": {"id": "1"}},
    )
    assert response.status_code == 204
    assert response.content == b""
    location = response.headers["Location"]
    new_id = location.rsplit("/", 1)[1]
    assert location == f"{sandbox.base_url}/services/rest/record/v1/customer/{new_id}"
    assert new_id.isdigit()
    stored = sandbox.record("customer", new_id)
    assert stored["companyName"] == "New Co"  # lower-case names land on the declared field
    assert stored["entityId"] == "New Co"


def test_get_shows_references_and_links_sublists_unless_expanded(client, sandbox):
    acme = customer_id(sandbox, "CUST-0001")
    response = client.get(f"/record/v1/customer/{acme}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].endswith("type=singular")
    body = response.json()
    assert body["links"] == [
        {"rel": "self", "href": f"{sandbox.rest_url}/record/v1/customer/{acme}"}
    ]
    assert body["id"] == acme
    assert body["subsidiary"]["refName"] == "Cn285 Demo France SAS"
    assert body["currency"]["refName"] == "Euro"
    assert body["lastModifiedDate"] == "2025-03-01T09:00:00Z"
    assert body["addressBook"] == {
        "links": [
            {"rel": "self", "href": f"{sandbox.rest_url}/record/v1/customer/{acme}/addressBook"}
        ]
    }
    expanded = client.record("customer", acme)["addressBook"]
    assert expanded["totalResults"] == 1
    assert expanded["items"][0]["addressBookAddress"]["city"] == "Paris"


def test_get_with_fields_returns_only_those(client, sandbox):
    acme = customer_id(sandbox, "CUST-0001")
    body = client.get(f"/record/v1/customer/{acme}", params={"fields": "email,companyName"}).json()
    assert set(body) == {"links", "id", "email", "companyName"}


def test_get_refuses_list_parameters(client):
    response = client.get("/record/v1/customer/1", params={"limit": 5})
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert detail["detail"] == (
        "Invalid query parameter name: limit. Allowed query parameters are: fields, expand, "
        "expandSubResources."
    )
    assert detail["o:errorQueryParam"] == "limit"


def test_sublist_subresource(client, sandbox):
    acme = customer_id(sandbox, "CUST-0001")
    response = client.get(f"/record/v1/customer/{acme}/addressBook")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_patch_changes_only_what_it_sends_and_null_clears(client, sandbox, clock):
    acme = customer_id(sandbox, "CUST-0001")
    clock.advance(minutes=5)
    response = client.patch(
        f"/record/v1/customer/{acme}", json={"phone": "+33 1 23 45 67 89", "vatRegNumber": None}
    )
    assert response.status_code == 204
    assert response.headers["Location"].endswith(f"/customer/{acme}")
    body = client.record("customer", acme)
    assert body["phone"] == "+33 1 23 45 67 89"
    assert "vatRegNumber" not in body
    assert body["companyName"] == "Acme Industries SA"
    assert body["lastModifiedDate"] == "2025-03-01T09:05:00Z"


def test_upsert_by_external_id_creates_then_updates_without_duplicate(client, sandbox, clock):
    path = "/record/v1/customer/eid:CN285-CUS-42"
    first = client.put(path, json={"companyName": "Upsert Ltd", "email": "a@upsert.example"})
    assert first.status_code == 204
    created_id = first.headers["Location"].rsplit("/", 1)[1]
    clock.advance(hours=1)
    second = client.put(path, json={"companyName": "Upsert Ltd", "email": "b@upsert.example"})
    assert second.status_code == 204
    assert second.headers["Location"].rsplit("/", 1)[1] == created_id
    matching = [r for r in sandbox.records("customer") if r.get("externalId") == "CN285-CUS-42"]
    assert len(matching) == 1
    assert matching[0]["email"] == "b@upsert.example"
    by_eid = client.get(path).json()
    assert by_eid["id"] == created_id
    assert by_eid["externalId"] == "CN285-CUS-42"


def test_put_on_an_internal_id_is_not_an_upsert(client, sandbox):
    acme = customer_id(sandbox, "CUST-0001")
    response = client.put(f"/record/v1/customer/{acme}", json={"phone": "1"})
    assert response.status_code == 405
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "METHOD_NOT_ALLOWED"


def test_delete_then_get_is_404(client):
    new_id = client.create("customer", {"companyName": "Short Lived"})
    assert client.delete(f"/record/v1/customer/{new_id}").status_code == 204
    response = client.get(f"/record/v1/customer/{new_id}")
    assert response.status_code == 404
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "NONEXISTENT_ID"
    assert client.delete(f"/record/v1/customer/{new_id}").status_code == 404


def test_delete_by_external_id(client, sandbox):
    client.put("/record/v1/customer/eid:GONE-1", json={"companyName": "Gone"})
    assert client.delete("/record/v1/customer/eid:GONE-1").status_code == 204
    assert sandbox.store.by_external_id("customer", "GONE-1") is None


def test_external_id_is_unique_per_record_type(client):
    client.create("customer", {"companyName": "One", "externalId": "DUP-1"})
    response = client.post(
        "/record/v1/customer", json={"companyName": "Two", "externalId": "DUP-1"}
    )
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "DUP_RCRD"
    assert detail["o:errorPath"] == "externalId"
    # the same external id on another record type is fine
    client.create("serviceSaleItem", {"itemId": "DUP-ITEM", "externalId": "DUP-1"})


def test_ids_are_strings_of_increasing_integers(client):
    first = client.create("customer", {"companyName": "First"})
    second = client.create("customer", {"companyName": "Second"})
    assert int(second) == int(first) + 1


def test_unknown_field_is_refused_with_its_path(client):
    response = client.post("/record/v1/customer", json={"companyName": "X", "colour": "red"})
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert (detail["o:errorCode"], detail["o:errorPath"]) == ("NONEXISTENT_FIELD", "colour")


def test_unknown_field_ignored_when_the_client_asks(client, sandbox):
    response = client.post(
        "/record/v1/customer",
        json={"companyName": "Lax", "colour": "red"},
        headers={"X-NetSuite-PropertyNameValidation": "Ignore"},
    )
    assert response.status_code == 204


def test_custom_fields_are_kept(client):
    new_id = client.create("customer", {"companyName": "Custom", "custentity_tier": "gold"})
    assert client.record("customer", new_id)["custentity_tier"] == "gold"


def test_invalid_reference_in_a_sublist_points_at_it(client, sandbox):
    """Oracle's documented example (section_156570709583)."""
    response = client.post(
        "/record/v1/invoice",
        json={
            "entity": {"id": customer_id(sandbox, "CUST-0001")},
            "item": {"items": [{"item": {"id": 9999}, "amount": 1}]},
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
        "title": "Bad Request",
        "status": 400,
        "o:errorDetails": [
            {
                "detail": "Error while accessing resource: You have entered an Invalid Field Value "
                "9999 for the following field: item",
                "o:errorCode": "INVALID_CONTENT",
                "o:errorPath": "item.items[0].item",
            }
        ],
    }


def test_read_only_field_is_refused(client, sandbox):
    acme = customer_id(sandbox, "CUST-0001")
    response = client.patch(f"/record/v1/customer/{acme}", json={"id": "77"})
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == "id"


def test_required_values_are_named(client):
    response = client.post("/record/v1/customer", json={"isPerson": True, "email": "x@y.z"})
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "USER_ERROR"
    assert detail["detail"] == (
        "Error while accessing a resource. Please enter value(s) for: First Name, Last Name."
    )


def test_reference_by_external_id(client, sandbox):
    client.put("/record/v1/customer/eid:REF-C", json={"companyName": "By Eid"})
    invoice = client.create(
        "invoice",
        {
            "entity": {"externalId": "REF-C"},
            "item": {"items": [{"item": {"id": item_id(sandbox, "ONBOARDING")}}]},
        },
    )
    body = client.record("invoice", invoice)
    assert body["entity"]["refName"] == "By Eid"


def test_malformed_json_is_refused(client):
    response = client.post(
        "/record/v1/customer", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_CONTENT"


def test_unknown_record_type_and_path(client):
    assert client.get("/record/v1/spaceship").status_code == 404
    assert client.get("/record/v2/customer").status_code == 404


def test_record_type_names_ignore_case(client):
    response = client.get("/record/v1/SERVICESALEITEM", params={"limit": 1})
    assert response.status_code == 200
    assert "/serviceSaleItem/" in response.json()["items"][0]["links"][0]["href"]


def test_refused_write_changes_nothing(client, sandbox):
    before = {k: dict(v) for k, v in sandbox.store.records["invoice"].items()}
    sequences = dict(sandbox.store.sequences)
    response = client.post(
        "/record/v1/invoice", json={"entity": {"id": "1"}, "item": {"items": []}}
    )
    assert response.status_code == 400
    assert sandbox.store.records["invoice"] == before
    assert sandbox.store.sequences == sequences


def test_deleting_a_record_in_use_is_refused(client, sandbox):
    acme = customer_id(sandbox, "CUST-0001")
    client.create(
        "invoice",
        {
            "entity": {"id": acme},
            "item": {"items": [{"item": {"id": item_id(sandbox, "TRAINING")}}]},
        },
    )
    response = client.delete(f"/record/v1/customer/{acme}")
    assert response.status_code == 400
    assert "dependent records" in response.json()["o:errorDetails"][0]["detail"]
