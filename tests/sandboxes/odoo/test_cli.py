"""`cn285 sandbox odoo`: the command that serves a sandbox until Ctrl-C."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request

from typer.testing import CliRunner

from cn285.sandboxes.cli import sandbox_app

LAUNCH = "from cn285.sandboxes.cli import sandbox_app; sandbox_app(prog_name='cn285 sandbox')"


def test_odoo_command_serves_until_interrupted_and_saves_its_data(tmp_path):
    data = tmp_path / "demo.json"
    command = [
        sys.executable,
        "-c",
        LAUNCH,
        "odoo",
        "--port",
        "0",
        "--version",
        "18",
        "--data",
        str(data),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = process.stdout.readline()
        credentials = process.stdout.readline()
        url = banner.rsplit(" ", 1)[-1].strip()
        request = urllib.request.Request(
            f"{url}/web/webclient/version_info",
            data=b'{"jsonrpc": "2.0", "method": "call", "params": {}, "id": 1}',
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            version = json.load(response)["result"]["server_version"]
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=10)

    assert banner.startswith("Odoo 18 sandbox serving at http://127.0.0.1:")
    assert credentials.strip() == "database: cn285  login: admin  password: admin"
    assert version == "18.0"
    assert process.returncode == 0, err
    assert json.loads(data.read_text(encoding="utf-8"))["version"] == 18


def test_odoo_command_help_lists_its_options():
    result = CliRunner().invoke(sandbox_app, ["odoo", "--help"])

    assert result.exit_code == 0
    for option in ("--port", "--version", "--data", "--error-rate", "--drop-rate", "--latency-ms"):
        assert option in result.output


def test_unknown_version_is_a_usage_error():
    result = CliRunner().invoke(sandbox_app, ["odoo", "--version", "15"])

    assert result.exit_code == 2


def test_a_busy_port_is_reported():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]

        result = CliRunner().invoke(sandbox_app, ["odoo", "--port", str(port)])

    assert result.exit_code == 2
    assert "cannot start the Odoo sandbox" in result.output
