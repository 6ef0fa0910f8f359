"""`cn285 notify` and `GET /v1/notifications`."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from cn285.hub.api.app import create_app
from cn285.hub.cli import app
from cn285.hub.services.apikeys import create_key
from tests.notifications.conftest import EMAIL, d, monthly


def write_config(tmp_path, port: int, extra: str = "") -> str:
    path = tmp_path / "cn285.toml"
    path.write_text(
        "[notifications]\n"
        'channels = ["email"]\n'
        f"{extra}"
        "[notifications.smtp]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        "starttls = false\n"
        'from = "billing@cn285.example"\n',
        encoding="utf-8",
    )
    return str(path)


def test_cli_sends_what_is_due_then_lists_it(store, smtp, db_url, tmp_path):
    store.contract("K", monthly())
    store.contract("OTHER", monthly())
    store.terminate("K", "2026-03-10")
    config = write_config(tmp_path, smtp.mailbox.port)
    runner = CliRunner()
    args = ["notify", "--date", "2026-03-10", "--db", db_url, "--config", config]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 failed" in result.output
    assert runner.invoke(app, args).output.count("0 sent") == 1
    assert [to for to, _ in smtp.mailbox.received] == [[EMAIL]]
    listed = runner.invoke(app, ["notify", "list", "--contract", "K", "--db", db_url])
    assert listed.exit_code == 0
    assert f"K notice effective 2026-03-10 email {EMAIL}: sent (attempts 1" in listed.output
    other = runner.invoke(app, ["notify", "list", "--contract", "OTHER", "--db", db_url])
    assert other.output.strip() == "no notification"


def test_cli_exits_1_when_a_notification_failed(store, smtp_down, db_url, tmp_path):
    store.contract("K", monthly())
    store.terminate("K", "2026-03-10")
    config = write_config(tmp_path, smtp_down.mailbox.port)
    args = ["notify", "--date", "2026-03-10", "--db", db_url, "--config", config]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "0 sent, 1 failed" in result.output
    listed = CliRunner().invoke(app, ["notify", "list", "--status", "failed", "--db", db_url])
    assert "failed (attempts 1, sent -) SMTP 127.0.0.1" in listed.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("reminder_days = [30, -7]\n", "notifications.reminder_days: expected a whole number"),
        ('channels = ["fax"]\n', "notifications.channels: unknown channel 'fax'"),
    ],
)
def test_cli_refuses_a_bad_config_naming_the_key(tmp_path, extra, message):
    config = tmp_path / "cn285.toml"
    config.write_text(
        f'[notifications]\n{extra}[notifications.smtp]\nhost = "h"\nfrom = "a@b.example"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["notify", "--date", "2026-03-10", "--config", str(config), "--db", "x.db"]
    )
    assert result.exit_code == 2
    assert message in result.output


def test_cli_refuses_a_bad_date(tmp_path):
    result = CliRunner().invoke(
        app, ["notify", "--date", "10/03/2026", "--db", str(tmp_path / "x.db")]
    )
    assert result.exit_code == 2 and "--date: '10/03/2026' is not a date" in result.output


@pytest.fixture
def api(engine) -> TestClient:
    with Session(engine) as session:
        key = create_key(session, "ops", read_only=True)
        session.commit()
    client = TestClient(create_app(engine))
    client.headers["Authorization"] = f"Bearer {key}"
    return client


def test_api_lists_notifications_paged_and_filtered(store, smtp_down, api):
    from cn285.hub.notify.settings import NotifySettings
    from cn285.hub.services.notifications import send_due

    for code in ("A", "B", "C"):
        store.contract(code, monthly())
        store.terminate(code, "2026-03-10")
    settings = NotifySettings(smtp=smtp_down.mailbox.settings())
    assert send_due(store.engine, d("2026-03-10"), settings).failed == 3
    smtp_down.start()
    store.contract("D", monthly())
    store.terminate("D", "2026-03-10")
    assert send_due(store.engine, d("2026-03-10"), settings).sent == 4

    first = api.get("/v1/notifications", params={"limit": 3})
    assert first.status_code == 200
    body = first.json()
    assert [n["contract"] for n in body["items"]] == ["A", "B", "C"]
    rest = api.get("/v1/notifications", params={"limit": 3, "cursor": body["next_cursor"]})
    assert [n["contract"] for n in rest.json()["items"]] == ["D"]
    assert rest.json()["next_cursor"] is None

    only_b = api.get("/v1/notifications", params={"contract": "B"}).json()["items"]
    assert len(only_b) == 1
    item = only_b[0]
    assert {k: item[k] for k in ("kind", "offset_days", "channel", "status", "attempts")} == {
        "kind": "notice",
        "offset_days": 0,
        "channel": "email",
        "status": "sent",
        "attempts": 2,
    }
    assert item["effective_date"] == "2026-03-10" and item["recipient"] == EMAIL
    assert "2026-03-10" in item["body"]
    failed = api.get("/v1/notifications", params={"status": "failed"}).json()["items"]
    assert failed == []
    assert api.get("/v1/notifications", params={"status": "lost"}).status_code == 422


def test_api_notifications_need_a_key(engine):
    assert TestClient(create_app(engine)).get("/v1/notifications").status_code == 401
