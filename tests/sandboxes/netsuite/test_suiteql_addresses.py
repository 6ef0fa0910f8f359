"""SuiteQL over customers' addresses: `customer.vatregnumber`, `customer.defaultbillingaddress`
/ `defaultshippingaddress` and the `entityaddress` table they point into by `nkey`, read the
way an incremental customer sync reads them from NetSuite2.com."""

from __future__ import annotations

import pytest

from cn285.sandboxes.netsuite import NetSuiteSandbox
from tests.sandboxes.netsuite.conftest import ACCOUNT, NetSuiteClient, customer_id

ADDRESS_BOOK = {
    "items": [
        {
            "label": "Warehouse",
            "defaultShipping": True,
            "addressBookAddress": {
                "addressee": "Initech GmbH",
                "addr1": "Lagerstrasse 5",
                "city": "Hamburg",
                "zip": "20095",
                "country": "DE",
            },
        },
        {
            "label": "Head office",
            "defaultBilling": True,
            "isResidential": False,
            "addressBookAddress": {
                "addressee": "Initech SAS",
                "attention": "Comptabilité",
                "addr1": "8 avenue Foch",
                "addr2": "Bâtiment B",
                "city": "Lyon",
                "state": "ARA",
                "zip": "69006",
                "country": {"id": "FR", "refName": "France"},
            },
        },
    ]
}


def rows(client: NetSuiteClient, q: str) -> list[dict[str, str]]:
    response = client.suiteql(q)
    assert response.status_code == 200, response.text
    return [{k: v for k, v in row.items() if k != "links"} for row in response.json()["items"]]


@pytest.fixture
def initech(client, clock):
    """A customer with a shipping line then a billing line, created at 10:00 UTC."""
    clock.advance(hours=1)
    return client.create(
        "customer",
        {
            "entityId": "CUST-0100",
            "companyName": "Initech",
            "vatRegNumber": "FR12345678901",
            "addressBook": ADDRESS_BOOK,
        },
    )


def customer_keys(client: NetSuiteClient, customer: str) -> dict[str, str]:
    return rows(
        client,
        "SELECT vatregnumber, defaultbillingaddress, defaultshippingaddress "
        f"FROM customer WHERE id = {customer}",
    )[0]


def test_customer_reads_vat_number_and_default_address_keys(client, initech):
    keys = customer_keys(client, initech)
    assert keys["vatregnumber"] == "FR12345678901"
    billing, shipping = keys["defaultbillingaddress"], keys["defaultshippingaddress"]
    assert billing.isdigit() and shipping.isdigit() and billing != shipping

    address = rows(client, f"SELECT * FROM EntityAddress WHERE nkey = '{billing}'")
    assert address == [
        {
            "nkey": billing,
            "addr1": "8 avenue Foch",
            "addr2": "Bâtiment B",
            "addressee": "Initech SAS",
            "attention": "Comptabilité",
            "city": "Lyon",
            "state": "ARA",
            "zip": "69006",
            "country": "FR",
            "recordowner": initech,
            "lastmodifieddate": "3/1/2025",
        }
    ]
    q = f"SELECT city, zip, country FROM entityaddress WHERE nkey = {shipping}"
    assert rows(client, q) == [{"city": "Hamburg", "zip": "20095", "country": "DE"}]


def test_the_address_rows_of_a_customer_by_owner_and_by_nkey_list(client, initech):
    q = f"SELECT nkey, city FROM entityaddress WHERE recordowner = {initech} ORDER BY nkey"
    lines = rows(client, q)
    assert [line["city"] for line in lines] == ["Hamburg", "Lyon"]
    first, second = (line["nkey"] for line in lines)
    for in_list in (f"'{first}', '{second}'", f"{first}, {second}", f"{second}, '999999999'"):
        q = f"SELECT city FROM entityaddress WHERE nkey IN ({in_list}) ORDER BY city"
        expected = ["Hamburg", "Lyon"] if "999999999" not in in_list else ["Lyon"]
        assert [r["city"] for r in rows(client, q)] == expected
    q = f"SELECT BUILTIN.DF(recordowner) owner FROM entityaddress WHERE nkey = '{first}'"
    assert rows(client, q) == [{"owner": "CUST-0100"}]


def test_nkeys_are_unique_across_customers(client, sandbox, initech):
    client.create("customer", {"companyName": "Other", "addressBook": ADDRESS_BOOK})
    keys = [r["nkey"] for r in rows(client, "SELECT nkey FROM entityaddress")]
    assert len(keys) == 5  # Acme's seeded line, two for Initech, two for Other
    assert len(set(keys)) == 5
    acme = customer_id(sandbox, "CUST-0001")
    acme_keys = customer_keys(client, acme)
    assert acme_keys["vatregnumber"] == "FR40303265045"
    q = f"SELECT city FROM entityaddress WHERE nkey = '{acme_keys['defaultbillingaddress']}'"
    assert rows(client, q) == [{"city": "Paris"}]


def test_nkeys_survive_a_patch_that_leaves_the_addresses_alone(client, clock, initech):
    before = customer_keys(client, initech)
    q = f"SELECT nkey, city, lastmodifieddate FROM entityaddress WHERE recordowner = {initech}"
    lines_before = rows(client, q)
    clock.advance(days=1)
    response = client.patch(
        f"/record/v1/customer/{initech}",
        json={"phone": "+33 4 00 00 00 00", "vatRegNumber": "FR999"},
    )
    assert response.status_code == 204, response.text
    after = customer_keys(client, initech)
    assert after == {**before, "vatregnumber": "FR999"}
    lines_after = rows(client, q)
    assert [(r["nkey"], r["city"]) for r in lines_after] == [
        (r["nkey"], r["city"]) for r in lines_before
    ]
    assert {r["lastmodifieddate"] for r in lines_after} == {"3/2/2025"}

    # a PATCH adding a line appends it: the earlier lines keep their keys
    response = client.patch(
        f"/record/v1/customer/{initech}",
        json={
            "addressBook": {
                "items": [
                    {
                        "label": "Branch",
                        "addressBookAddress": {"city": "Nantes", "country": {"id": "FR"}},
                    },
                ]
            }
        },
    )
    assert response.status_code == 204, response.text
    assert customer_keys(client, initech) == after
    lines_added = rows(client, q + " ORDER BY nkey")
    assert [(r["nkey"], r["city"]) for r in lines_added[:2]] == [
        (r["nkey"], r["city"]) for r in lines_before
    ]
    assert lines_added[2]["city"] == "Nantes"
    assert lines_added[2]["nkey"] not in {r["nkey"] for r in lines_before}


def test_moving_the_default_billing_flag_moves_the_key(client, initech):
    before = customer_keys(client, initech)
    lines = [dict(line) for line in ADDRESS_BOOK["items"]]
    lines[0] = {**lines[0], "defaultBilling": True}
    lines[1] = {**lines[1], "defaultBilling": False}
    response = client.patch(
        f"/record/v1/customer/{initech}",
        params={"replace": "addressBook"},
        json={"addressBook": {"items": lines}},
    )
    assert response.status_code == 204, response.text
    after = customer_keys(client, initech)
    assert after["defaultbillingaddress"] == before["defaultshippingaddress"]
    q = f"SELECT city FROM entityaddress WHERE nkey = {after['defaultbillingaddress']}"
    assert rows(client, q) == [{"city": "Hamburg"}]


def test_a_customer_without_addresses_has_null_default_addresses(client, sandbox, initech):
    globex = customer_id(sandbox, "CUST-0002")
    row = rows(client, f"SELECT * FROM customer WHERE id = {globex}")[0]
    assert "defaultbillingaddress" not in row and "defaultshippingaddress" not in row
    assert "vatregnumber" not in row
    q = "SELECT entityid FROM customer WHERE defaultbillingaddress IS NULL ORDER BY id"
    assert [r["entityid"] for r in rows(client, q)] == ["CUST-0002", "CUST-0003"]
    assert rows(client, f"SELECT nkey FROM entityaddress WHERE recordowner = {globex}") == []


def test_select_star_shows_the_new_columns(client):
    response = client.suiteql("SELECT * FROM customer WHERE entityid = 'CUST-0001'")
    row = response.json()["items"][0]
    assert row["vatregnumber"] == "FR40303265045"
    assert row["defaultbillingaddress"].isdigit()
    assert "defaultshippingaddress" not in row  # the seeded line is billing only
    for column in ("nkey", "country", "recordowner", "addr3", "attention", "state"):
        assert client.suiteql(f"SELECT {column} FROM entityaddress").status_code == 200
    response = client.suiteql("SELECT nosuch FROM entityaddress")
    assert response.status_code == 400
    assert "Field 'nosuch' for record 'entityaddress'" in response.text


def test_incremental_read_by_lastmodifieddate_still_works(client, clock, initech):
    clock.advance(minutes=30)  # 10:30
    later = client.create("customer", {"companyName": "Later", "addressBook": ADDRESS_BOOK})
    q = (
        "SELECT id, vatregnumber, defaultbillingaddress FROM customer WHERE lastmodifieddate "
        "> TO_TIMESTAMP('2025-03-01 09:30:00', 'YYYY-MM-DD HH24:MI:SS') ORDER BY id"
    )
    found = rows(client, q)
    assert [r["id"] for r in found] == [initech, later]
    assert found[0]["vatregnumber"] == "FR12345678901"
    q = (
        "SELECT recordowner, city FROM entityaddress WHERE lastmodifieddate >= "
        "TO_TIMESTAMP('2025-03-01 10:15:00', 'YYYY-MM-DD HH24:MI:SS') ORDER BY nkey"
    )
    assert rows(client, q) == [
        {"recordowner": later, "city": "Hamburg"},
        {"recordowner": later, "city": "Lyon"},
    ]


def test_nkeys_survive_save_and_load(tmp_path, clock):
    data = tmp_path / "netsuite.json"
    q = "SELECT nkey, recordowner, city FROM entityaddress ORDER BY nkey"
    with NetSuiteSandbox(ACCOUNT, clock=clock, data_file=data) as first:
        client = NetSuiteClient(first)
        client.create("customer", {"companyName": "Saved", "addressBook": ADDRESS_BOOK})
        saved = rows(client, q)
        client.session.close()
    with NetSuiteSandbox(ACCOUNT, clock=clock, data_file=data) as second:
        client = NetSuiteClient(second)
        assert rows(client, q) == saved
        client.session.close()
