"""The external API's transport contract: routes, authentication and error shapes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import xmlrpc.client

import odoorpc
import pytest

from cn285.sandboxes.odoo import OdooSandbox

from .conftest import XmlRpc, connect, post_json


def test_version_info_route_returns_the_server_version(sandbox):
    body = post_json(f"{sandbox.url}/web/webclient/version_info", {}, request_id=41)

    assert body == {
        "jsonrpc": "2.0",
        "id": 41,
        "result": {
            "server_version": "17.0",
            "server_version_info": [17, 0, 0, "final", 0, ""],
            "server_serie": "17.0",
            "protocol_version": 1,
        },
    }


def test_odoorpc_detects_the_version_and_logs_in(sandbox):
    client = odoorpc.ODOO("127.0.0.1", port=sandbox.port)
    assert client.version == "17.0"

    client.login("cn285", "admin", "admin")

    assert client.env.uid == 2
    assert client.env.user.name == "Administrator"
    assert client.env.context == {"lang": "en_US", "tz": "Europe/Paris", "uid": 2}


def test_odoorpc_login_with_a_wrong_password_is_refused(sandbox):
    client = odoorpc.ODOO("127.0.0.1", port=sandbox.port)

    with pytest.raises(odoorpc.error.RPCError, match="Wrong login ID or password"):
        client.login("cn285", "admin", "not-the-password")


def test_common_login_answers_false_on_a_bad_password_and_the_uid_otherwise(sandbox):
    url = f"{sandbox.url}/jsonrpc"
    good = post_json(
        url, {"service": "common", "method": "login", "args": ["cn285", "admin", "admin"]}
    )
    bad = post_json(url, {"service": "common", "method": "login", "args": ["cn285", "admin", "x"]})
    unknown = post_json(
        url,
        {"service": "common", "method": "authenticate", "args": ["cn285", "nobody", "admin", {}]},
    )

    assert good["result"] == 2
    assert bad["result"] is False
    assert unknown["result"] is False


def test_login_on_an_unknown_database_is_an_error(sandbox):
    body = post_json(
        f"{sandbox.url}/jsonrpc",
        {"service": "common", "method": "login", "args": ["nope", "admin", "admin"]},
    )

    assert body["error"]["data"]["name"] == "psycopg2.OperationalError"
    assert 'database "nope" does not exist' in body["error"]["data"]["message"]


def test_execute_kw_with_a_wrong_password_returns_the_access_denied_envelope(sandbox):
    body = post_json(
        f"{sandbox.url}/jsonrpc",
        {
            "service": "object",
            "method": "execute_kw",
            "args": ["cn285", 2, "wrong", "res.partner", "search", [[]]],
        },
        request_id=99,
    )

    assert set(body) == {"jsonrpc", "id", "error"}
    assert body["id"] == 99
    error = body["error"]
    assert error["code"] == 200
    assert error["message"] == "Odoo Server Error"
    assert set(error["data"]) == {"name", "message", "arguments", "context", "debug"}
    assert error["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert error["data"]["message"] == "Access Denied"
    assert error["data"]["arguments"] == ["Access Denied"]
    assert error["data"]["debug"].startswith("Traceback (most recent call last):")


@pytest.mark.parametrize(
    ("call", "name", "message"),
    [
        (("res.partner", "write", [[999], {"name": "x"}]), "odoo.exceptions.MissingError",
         "Record does not exist or has been deleted.\n(Record: res.partner(999,), User: 2)"),
        (("res.partner", "_compute_display_name", [[1]]), "odoo.exceptions.AccessError",
         "Private methods (such as _compute_display_name) cannot be called remotely."),
        (("res.partner", "create", [{"is_company": True}]), "odoo.exceptions.ValidationError",
         "The operation cannot be completed: Contacts require a name"),
        (("res.partner", "create", [{"name": "X", "nickname": "x"}]), "builtins.ValueError",
         "Invalid field 'nickname' on model 'res.partner'"),
        (("res.partner", "fly", [[1]]), "builtins.AttributeError",
         "The method 'fly' does not exist on the model 'res.partner'"),
        (("no.such.model", "search", [[]]), "odoo.exceptions.UserError",
         "Object no.such.model doesn't exist"),
    ],
)  # fmt: skip
def test_server_errors_travel_in_the_json_rpc_envelope(sandbox, call, name, message):
    model, method, args = call
    body = post_json(
        f"{sandbox.url}/jsonrpc",
        {
            "service": "object",
            "method": "execute_kw",
            "args": ["cn285", 2, "admin", model, method, args],
        },
    )

    assert body["error"]["code"] == 200
    assert body["error"]["data"]["name"] == name
    assert body["error"]["data"]["message"] == message


def test_odoorpc_raises_rpc_error_with_the_server_message(odoo):
    with pytest.raises(odoorpc.error.RPCError) as caught:
        odoo.execute_kw("res.partner", "read", [[424242], ["name"]])

    assert caught.value.info["data"]["name"] == "odoo.exceptions.MissingError"
    assert str(caught.value).startswith("Record does not exist or has been deleted.")


def test_xmlrpc_authenticates_and_reads(xmlrpc_client):
    assert xmlrpc_client.common.version()["server_version"] == "17.0"
    assert xmlrpc_client.uid == 2

    rows = xmlrpc_client("res.country", "search_read", [["code", "=", "FR"]], fields=["name"])

    assert rows == [{"id": rows[0]["id"], "name": "France"}]


def test_xmlrpc_authenticate_with_a_wrong_password_returns_false(sandbox):
    common = xmlrpc.client.ServerProxy(f"{sandbox.url}/xmlrpc/2/common")

    assert common.authenticate("cn285", "admin", "bad", {}) is False


@pytest.mark.parametrize(
    ("password", "model", "method", "args", "code", "text"),
    [
        ("bad", "res.partner", "search", [[]], 3, "Access Denied"),
        ("admin", "res.partner", "_read", [[1]], 4, "Private methods"),
        ("admin", "res.users", "unlink", [[2]], 4, "You can not remove the admin user"),
        ("admin", "res.partner", "unlink", [[3]], 2, "another model requires the record"),
        ("admin", "res.partner", "read", [[999]], 2, "Record does not exist"),
        ("admin", "res.partner", "create", [{"name": "X", "oops": 1}], 1, "ValueError"),
    ],
)
def test_xmlrpc_faults_carry_odoo_codes(sandbox, password, model, method, args, code, text):
    models = xmlrpc.client.ServerProxy(f"{sandbox.url}/xmlrpc/2/object")

    with pytest.raises(xmlrpc.client.Fault) as caught:
        models.execute_kw("cn285", 2, password, model, method, args)

    assert caught.value.faultCode == code
    assert text in caught.value.faultString


def test_historical_xmlrpc_route_uses_string_fault_codes(sandbox):
    models = xmlrpc.client.ServerProxy(f"{sandbox.url}/xmlrpc/object")

    with pytest.raises(xmlrpc.client.Fault) as caught:
        models.execute_kw("cn285", 2, "admin", "res.partner", "read", [[999]])

    assert caught.value.faultCode.startswith("warning -- MissingError")


def test_db_service_lists_the_database(sandbox):
    body = post_json(f"{sandbox.url}/jsonrpc", {"service": "db", "method": "list", "args": []})

    assert body["result"] == ["cn285"]


def test_malformed_json_is_a_bad_request(sandbox):
    request = urllib.request.Request(
        f"{sandbox.url}/jsonrpc", data=b"{not json", headers={"Content-Type": "application/json"}
    )

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)

    assert caught.value.code == 400


def test_unknown_route_is_not_found(sandbox):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{sandbox.url}/web/nothing", timeout=5)

    assert caught.value.code == 404


def test_web_call_kw_needs_a_session_and_works_after_authenticate(sandbox):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

    def call(path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1})
        request = urllib.request.Request(
            f"{sandbox.url}{path}", data=body.encode(), headers={"Content-Type": "application/json"}
        )
        with opener.open(request, timeout=5) as response:
            return json.load(response)

    kw = {"model": "res.country", "method": "search_count", "args": [[]], "kwargs": {}}
    expired = call("/web/dataset/call_kw", kw)
    session = call(
        "/web/session/authenticate", {"db": "cn285", "login": "admin", "password": "admin"}
    )
    counted = call("/web/dataset/call_kw/res.country/search_count", kw)

    assert expired["error"]["code"] == 100
    assert expired["error"]["message"] == "Odoo Session Expired"
    assert session["result"]["uid"] == 2
    assert session["result"]["server_version_info"][0] == 17
    assert counted["result"] == 10


def test_health_route_answers_pass(sandbox):
    with urllib.request.urlopen(f"{sandbox.url}/web/health", timeout=5) as response:
        assert json.load(response) == {"status": "pass"}


def test_an_archived_user_cannot_log_in(sandbox):
    with sandbox.transaction() as env:
        user = env["res.users"].create({"name": "Temp", "login": "temp", "password": "pw"})
    assert XmlRpc(sandbox).common.authenticate("cn285", "temp", "pw", {}) == user.id

    with sandbox.transaction() as env:
        env["res.users"].browse(user.id).write({"active": False})

    assert XmlRpc(sandbox).common.authenticate("cn285", "temp", "pw", {}) is False


def test_a_sandbox_serves_the_database_name_it_was_given():
    with OdooSandbox(version=16, database="acme_prod") as other:
        client = connect(other)
        assert other.database == "acme_prod"
        assert client.version == "16.0"
        assert client.env.user.login == "admin"
