"""The built-in signing link served by a real `cn285 serve` process, over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from cn285.hub.store.database import open_engine
from tests.conftest import ROOT
from tests.hub.test_server import free_port
from tests.quotes.store_seed import seed

QUOTE = """
price_list: STD
lines:
  - {code: L1, item: PLATFORM, kind: recurring, quantity: 1, start: 2026-03-01, period: month}
"""


def test_the_served_link_shows_the_quote_and_signs_it_once(tmp_path: Path):
    db = str(tmp_path / "hub.db")
    engine = open_engine(db)
    seed(engine)
    engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CN285_SIGNING_SECRET": "served", "CN285_PUBLIC_URL": base}

    def cn285(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "cn285", *args, "--db", db],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    (tmp_path / "q.yaml").write_text(QUOTE)
    cn285("quote", "create", "--customer", "ACME", "--file", str(tmp_path / "q.yaml"))
    link = cn285("quote", "send", "Q-000001").strip().rpartition(": ")[2]
    assert link.startswith(f"{base}/v1/quotes/sign/")
    server = subprocess.Popen(
        [sys.executable, "-m", "cn285", "serve", "--db", db, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60  # a loaded machine starts the server slowly
        while True:
            try:
                if requests.get(f"{base}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "cn285 serve did not answer within 60 s"
            time.sleep(0.1)
        page = requests.get(link, timeout=10)
        assert page.status_code == 200 and "Sign this quote" in page.text
        assert requests.get(f"{link}/pdf", timeout=10).content.startswith(b"%PDF")
        assert requests.post(link + "0", timeout=10).status_code == 404
        signed = requests.post(link, timeout=10).json()
        assert (signed["status"], signed["changed"], signed["contract"]) == (
            "signed",
            True,
            "Q-000001",
        )
        assert requests.post(link, timeout=10).json()["changed"] is False
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "-> contract Q-000001" in cn285("quote", "list")
