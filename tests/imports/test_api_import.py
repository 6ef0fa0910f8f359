"""Imports over HTTP: upload, poll the job until done, download the rejects; auth and errors."""

from __future__ import annotations

import csv
import io
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from cn285.hub.api.app import create_app
from cn285.hub.services.apikeys import create_key
from cn285.hub.store import models

MIXED = "code,name,country\r\nACME,Acme,FR\r\nBAD,Bad,FRANCE\r\nBETA,Beta,DE\r\n"


@pytest.fixture
def keys(engine) -> dict[str, str]:
    with Session(engine) as session:
        keys = {
            "rw": create_key(session, "ops"),
            "ro": create_key(session, "audit", read_only=True),
        }
        session.commit()
    return keys


@pytest.fixture
def api(engine, keys, tmp_path) -> TestClient:
    app = create_app(engine)
    app.state.import_dir = tmp_path / "imports"
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {keys['rw']}"
    return client


def upload(api: TestClient, kind: str, body: bytes | str, **params: str):
    data = body.encode() if isinstance(body, str) else body
    return api.post(
        f"/v1/imports/{kind}", params=params, content=data, headers={"Content-Type": "text/csv"}
    )


def finished(api: TestClient, job_id: int, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(f"/v1/imports/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"import job {job_id} still {job['status']}")


def codes(engine) -> set[str]:
    with Session(engine) as session:
        return set(session.scalars(select(models.Customer.code)))


def test_an_upload_is_a_job_to_poll_whose_rejects_can_be_fixed_and_sent_again(api, engine):
    answer = upload(api, "customers", MIXED, mode="recovery")

    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert answer.headers["location"] == f"/v1/imports/{job['id']}"
    assert job["status"] in ("queued", "running", "done")
    job = finished(api, job["id"])
    assert job["status"] == "done" and job["outcome"] == "partial"
    assert (job["rows"], job["created"], job["rejected"]) == (3, 2, 1)
    assert job["errors"][0]["line"] == 3 and job["errors"][0]["column"] == "country"
    assert job["dialect"]["delimiter"] == ","
    assert codes(engine) == {"ACME", "BETA"}

    rejects = api.get(job["rejects_url"])
    assert rejects.status_code == 200
    assert rejects.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(rejects.text)))
    assert rows[0] == ["code", "name", "country", "error"]
    assert rows[1][:3] == ["BAD", "Bad", "FRANCE"]

    rows[1][2] = "FR"
    fixed = io.StringIO()
    csv.writer(fixed).writerows(rows)
    again = finished(api, upload(api, "customers", fixed.getvalue()).json()["id"])
    assert (again["outcome"], again["created"], again["rejects_url"]) == ("imported", 1, None)
    assert codes(engine) == {"ACME", "BETA", "BAD"}


def test_a_strict_job_refuses_everything_and_a_dry_run_writes_nothing(api, engine):
    strict = finished(api, upload(api, "customers", MIXED).json()["id"])
    dry = finished(
        api, upload(api, "customers", MIXED, mode="recovery", dry_run="true").json()["id"]
    )

    assert (strict["outcome"], strict["created"], strict["error_count"]) == ("refused", 0, 1)
    assert (dry["outcome"], dry["dry_run"], dry["created"]) == ("invalid", True, 2)
    assert codes(engine) == set()


def test_a_declared_dialect_reads_a_french_file(api, engine):
    body = "code;name;country\r\nÉTÉ;Été SARL;FR\r\n".encode("cp1252")

    job = finished(
        api, upload(api, "customers", body, delimiter=";", encoding="cp1252").json()["id"]
    )

    assert job["outcome"] == "imported"
    assert job["dialect"] == {
        "delimiter": ";",
        "encoding": "cp1252",
        "decimal": ".",
        "date_format": "iso",
    }
    assert codes(engine) == {"ÉTÉ"}


def test_a_file_level_error_fails_the_job_with_its_reason(api):
    job = finished(api, upload(api, "customers", "code,name,colour\r\nA,B,red\r\n").json()["id"])

    assert job["status"] == "failed"
    assert "unknown columns: colour" in job["error"]
    assert "missing required columns: country" in job["error"]


def test_a_form_upload_is_imported_as_the_body_is(api, engine):
    """A browser form or `curl -F file=@customers.csv`: the file field of the form."""
    answer = api.post(
        "/v1/imports/customers",
        params={"mode": "recovery"},
        data={"comment": "march"},
        files={"file": ("customers.csv", MIXED.replace("Acme", "Société").encode("cp1252"))},
    )

    assert answer.status_code == 202, answer.text
    job = finished(api, answer.json()["id"])
    assert (job["outcome"], job["created"], job["rejected"]) == ("partial", 2, 1)
    assert codes(engine) == {"ACME", "BETA"}
    assert job["dialect"]["encoding"] == "cp1252"


def test_bad_uploads_are_answered_at_once(api, keys):
    assert upload(api, "gadgets", MIXED).status_code == 404
    assert upload(api, "customers", MIXED, mode="lenient").status_code == 422
    assert upload(api, "customers", "").status_code == 422
    ambiguous = upload(api, "customers", "code,name,country,zip\r\nA,B,FR,03/04/2026\r\n")
    assert ambiguous.status_code == 422 and "declare date_format dmy" in ambiguous.json()["detail"]
    bad_option = upload(api, "customers", MIXED, delimiter="|")
    assert bad_option.status_code == 422 and "delimiter: '|'" in bad_option.json()["detail"]
    mixed = api.post(
        "/v1/imports/customers",
        content=b"--b\r\n\r\nx\r\n--b--\r\n",
        headers={"Content-Type": "multipart/mixed; boundary=b"},
    )
    assert mixed.status_code == 415 and "multipart/form-data" in mixed.json()["detail"]
    no_file = api.post("/v1/imports/customers", files={"note": (None, "no file")})
    assert no_file.status_code == 422 and "no file" in no_file.json()["detail"]
    urlencoded = api.post("/v1/imports/customers", data={"note": "no file"})
    assert urlencoded.status_code == 415
    two = api.post(
        "/v1/imports/customers",
        files=[("file", ("a.csv", MIXED)), ("other", ("b.csv", MIXED))],
    )
    assert two.status_code == 400 and "Too many files" in two.json()["detail"]
    empty = api.post("/v1/imports/customers", files={"file": ("c.csv", b"")})
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    assert api.get("/v1/imports/999").status_code == 404


def test_imports_need_a_key_that_may_write(api, keys):
    anonymous = TestClient(api.app)
    assert anonymous.post("/v1/imports/customers", content=MIXED).status_code == 401
    assert anonymous.get("/v1/imports/1").status_code == 401
    reader = TestClient(api.app, headers={"Authorization": f"Bearer {keys['ro']}"})
    assert reader.post("/v1/imports/customers", content=MIXED).status_code == 403


def test_a_job_without_rejects_has_no_rejects_file(api):
    job = finished(api, upload(api, "customers", "code,name,country\r\nA,Acme,FR\r\n").json()["id"])

    assert job["rejects_url"] is None
    assert api.get(f"/v1/imports/{job['id']}/rejects").status_code == 404
