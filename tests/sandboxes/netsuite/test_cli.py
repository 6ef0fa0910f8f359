"""The `serve` command: it starts a working sandbox and prints its credentials once.

The app has a single command, so Typer runs it without naming it."""

from __future__ import annotations

import pytest
import requests
from requests_oauthlib import OAuth1
from typer.testing import CliRunner

from cn285.sandboxes.netsuite import cli


def test_serve_prints_the_credentials_of_the_running_sandbox(monkeypatch):
    started: list[cli.NetSuiteSandbox] = []
    statuses: list[int] = []

    class Recorded(cli.NetSuiteSandbox):
        def start(self) -> str:
            started.append(self)
            return super().start()

    def while_serving() -> None:
        sandbox = started[0]
        creds = sandbox.credentials
        auth = OAuth1(
            creds.consumer_key,
            creds.consumer_secret,
            creds.token_id,
            creds.token_secret,
            signature_method="HMAC-SHA256",
            realm="7654321_SB2",
        )
        response = requests.get(f"{sandbox.rest_url}/record/v1/currency", auth=auth, timeout=5)
        statuses.append(response.status_code)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "NetSuiteSandbox", Recorded)
    monkeypatch.setattr(cli, "wait_until_interrupted", while_serving)
    result = CliRunner().invoke(cli.sandbox_netsuite, ["--port", "0", "--account", "7654321_sb2"])
    assert result.exit_code == 0, result.output
    assert statuses == [200]
    creds = started[0].credentials
    for label, value in [
        ("realm", "7654321_SB2"),
        ("consumer key", creds.consumer_key),
        ("consumer secret", creds.consumer_secret),
        ("token id", creds.token_id),
        ("token secret", creds.token_secret),
    ]:
        assert f"  {label:<15} {value}\n" in result.output
    assert result.output.count(creds.token_secret) == 1
    assert result.output.rstrip().endswith("NetSuite sandbox stopped.")
    assert started[0]._server is None  # stopped on Ctrl+C


def test_serve_uses_given_credentials(monkeypatch):
    monkeypatch.setattr(cli, "wait_until_interrupted", lambda: None)
    args = [
        "--port",
        "0",
        "--consumer-key",
        "ck",
        "--consumer-secret",
        "cs",
        "--token-id",
        "ti",
        "--token-secret",
        "ts",
    ]
    result = CliRunner().invoke(cli.sandbox_netsuite, args)
    assert result.exit_code == 0, result.output
    assert "  consumer key    ck\n" in result.output


@pytest.mark.parametrize("args", [["--consumer-key", "only-one"], ["--error-rate", "2"]])
def test_serve_refuses_bad_options(args):
    result = CliRunner().invoke(cli.sandbox_netsuite, ["--port", "0", *args])
    assert result.exit_code == 2
