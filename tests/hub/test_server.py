"""End to end: a real `cn285 serve` process on loopback, driven over HTTP with requests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cn285(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cn285", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )


def test_a_served_hub_bills_what_it_is_sent(tmp_path: Path):
    db = str(tmp_path / "hub.db")
    key = cn285("apikey", "create", "e2e", "--db", db).stdout.strip()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cn285", "serve", "--db", db, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {key}"
        assert requests.get(f"{base}/v1/items", timeout=5).status_code == 401
        steps = [
            (
                "put",
                "/v1/settings",
                {"tax": {"seller_country": "FR", "rates": {"FR": {"standard": "20"}}}},
            ),
            ("post", "/v1/customers", {"code": "LYON", "name": "Lyon SARL", "country": "FR"}),
            ("post", "/v1/items", {"code": "FLEET", "name": "Fleet tracking"}),
            (
                "post",
                "/v1/price-lists",
                {
                    "code": "STD",
                    "currency": "EUR",
                    "prices": {"FLEET": {"model": "flat", "price": "120.00"}},
                },
            ),
            (
                "post",
                "/v1/contracts",
                {
                    "code": "K3",
                    "customer": "LYON",
                    "price_list": "STD",
                    "lines": [
                        {"code": "L1", "item": "FLEET", "kind": "recurring", "start": "2026-03-01"}
                    ],
                },
            ),
            ("post", "/v1/billing-runs", {"until": "2026-04-01"}),
            ("post", "/v1/contracts/K3/actions", {"do": "pause", "on": "2026-04-16"}),
            ("post", "/v1/billing-runs", {"until": "2026-04-16"}),
        ]
        for method, path, body in steps:
            response = getattr(http, method)(f"{base}{path}", json=body, timeout=30)
            assert response.status_code in (200, 201), (path, response.text)
        invoices = http.get(f"{base}/v1/invoices", timeout=5).json()["items"]
        assert [(i["number"], i["date"], i["total"]) for i in invoices] == [
            ("INV-000001", "2026-03-01", "144.00"),
            ("INV-000002", "2026-04-01", "144.00"),
            ("CN-000001", "2026-04-16", "-72.00"),
        ]
        spec = requests.get(f"{base}/openapi.json", timeout=5).json()
        assert "/v1/usage/batch" in spec["paths"]
    finally:
        server.terminate()
        server.wait(timeout=10)
