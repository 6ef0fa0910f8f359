"""Schemathesis against the OpenAPI spec: whatever it sends, the API answers no 5xx."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from sqlmodel import Session

from cn285.billing_core.scenario import load
from cn285.hub.api.app import create_app
from cn285.hub.services.apikeys import create_key
from cn285.hub.services.scenario_load import load_scenario
from cn285.hub.store.database import open_engine
from tests.conftest import EXAMPLE

_folder = Path(tempfile.mkdtemp(prefix="cn285-fuzz-"))
atexit.register(shutil.rmtree, _folder, ignore_errors=True)
_engine = open_engine(f"sqlite:///{_folder / 'fuzz.db'}")
load_scenario(_engine, load(EXAMPLE.read_text(encoding="utf-8")))  # some data to hit
with Session(_engine) as _session:
    KEY = create_key(_session, "fuzz")
    _session.commit()

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(_engine))


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_server_error(case):
    response = case.call(headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code < 500, (case.method, case.path, response.text)
