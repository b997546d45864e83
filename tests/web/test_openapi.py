"""The OpenAPI schema tells the truth: every documented status of every route is provoked here and
the body checked against the documented schema; requests nobody documented get only documented
statuses; security schemes, enums and ranges are there; the docs page loads nothing from outside."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from tests.web.conftest import FAST, register, wait_job
from tests.web.provoke_learning import LEARNING
from tests.web.provoke_originality import ORIGINALITY
from tests.web.provoke_revise import REVISE
from tests.web.provoke_score import SCORE

from tunesmith.web import auth

DATA = Path(__file__).resolve().parent.parent / "data"
NOBODY = {"Authorization": "Bearer not-a-token"}
MIDI = (DATA / "melody_chords.mid").read_bytes()


def _documented(schema: dict[str, Any]) -> set[tuple[str, str, int]]:
    return {
        (method.upper(), path, int(status))
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        for status in op["responses"]
    }


class World:
    """What the provokers need: the signed-in client, a corpus piece, an upload, a job."""

    def __init__(self, client: TestClient) -> None:
        self.c = client
        self.ctx = client.app.state.ctx  # type: ignore[attr-defined]
        self.piece = client.get("/api/pieces", params={"source": "corpus"}).json()["pieces"][0]["id"]
        job = client.post("/api/compose", json=FAST).json()["job_id"]
        assert wait_job(client, job)["status"] == "done"
        self.job = job

    def other_user(self) -> dict[str, str]:
        token = register(self.c, f"u{uuid.uuid4().hex[:8]}", "password1")
        return {"Authorization": f"Bearer {token}"}

    def upload(self, data: bytes = MIDI, headers: dict[str, str] | None = None) -> Response:
        return self.c.post("/api/uploads", files={"file": ("x.mid", data)}, headers=headers or {})

    def with_setting(self, obj: Any, name: str, value: Any, call: Callable[[], Response]) -> Response:
        old = getattr(obj, name)
        setattr(obj, name, value)
        try:
            return call()
        finally:
            setattr(obj, name, old)

    def rated(self) -> Response:
        self.c.put(f"/api/pieces/{self.piece}/rating", json={"stars": 4})
        return self.c.delete(f"/api/pieces/{self.piece}/rating")

    def own_upload_deleted(self) -> Response:
        tune = (DATA / "tunes.abc").read_bytes()
        made = self.c.post("/api/uploads", files={"file": ("t.abc", tune)}).json()[0]["id"]
        return self.c.delete(f"/api/uploads/{made}")


Provoke = Callable[[World], Response]
P = "/api/pieces/{piece_id}"
PROVOKERS: dict[tuple[str, str, int], Provoke] = {
    ("POST", "/api/auth/register", 202): lambda w: w.c.post(
        "/api/auth/register", json={"name": f"n{uuid.uuid4().hex[:6]}", "password": "password1"}
    ),
    ("POST", "/api/auth/register", 422): lambda w: w.c.post(
        "/api/auth/register", json={"name": "shorty", "password": "x"}
    ),
    ("POST", "/api/auth/login", 200): lambda w: (
        w.c.post("/api/auth/register", json={"name": "loginer", "password": "password1"}),
        w.c.post("/api/auth/login", json={"name": "loginer", "password": "password1"}),
    )[1],
    ("POST", "/api/auth/login", 401): lambda w: w.c.post(
        "/api/auth/login", json={"name": "nobody-here", "password": "password1"}
    ),
    ("POST", "/api/auth/login", 422): lambda w: w.c.post("/api/auth/login", json={"name": "x"}),
    ("POST", "/api/auth/local", 200): lambda w: w.c.post("/api/auth/local"),
    ("POST", "/api/auth/local", 403): lambda w: w.with_setting(
        w.ctx.settings, "local_sign_in", False, lambda: w.c.post("/api/auth/local")
    ),
    ("POST", "/api/auth/logout", 204): lambda w: w.c.post("/api/auth/logout", headers=w.other_user()),
    ("GET", "/api/me", 200): lambda w: w.c.get("/api/me"),
    ("GET", "/api/me", 401): lambda w: w.c.get("/api/me", headers=NOBODY),
    ("GET", "/api/config", 200): lambda w: w.c.get("/api/config"),
    ("POST", "/api/compose", 202): lambda w: w.c.post("/api/compose", json=FAST),
    ("POST", "/api/compose", 401): lambda w: w.c.post("/api/compose", json=FAST, headers=NOBODY),
    ("POST", "/api/compose", 422): lambda w: w.c.post("/api/compose", json={**FAST, "tempo": 999}),
    ("POST", "/api/compose", 503): lambda w: w.with_setting(
        w.ctx.settings, "max_queued_jobs", 0, lambda: w.c.post("/api/compose", json=FAST)
    ),
    ("GET", "/api/jobs/{job_id}", 200): lambda w: w.c.get(f"/api/jobs/{w.job}"),
    ("GET", "/api/jobs/{job_id}", 401): lambda w: w.c.get(f"/api/jobs/{w.job}", headers=NOBODY),
    ("GET", "/api/jobs/{job_id}", 404): lambda w: w.c.get(f"/api/jobs/{w.job}", headers=w.other_user()),
    ("GET", "/api/jobs", 200): lambda w: w.c.get("/api/jobs"),
    ("GET", "/api/jobs", 401): lambda w: w.c.get("/api/jobs", headers=NOBODY),
    ("GET", "/api/pieces", 200): lambda w: w.c.get("/api/pieces", params={"source": "corpus"}),
    ("GET", "/api/pieces", 401): lambda w: w.c.get("/api/pieces", headers=NOBODY),
    ("GET", "/api/pieces", 422): lambda w: w.c.get("/api/pieces", params={"source": "moon"}),
    ("GET", P, 200): lambda w: w.c.get(f"/api/pieces/{w.piece}"),
    ("GET", P, 401): lambda w: w.c.get(f"/api/pieces/{w.piece}", headers=NOBODY),
    ("GET", P, 404): lambda w: w.c.get("/api/pieces/987654"),
    ("GET", P, 422): lambda w: w.c.get("/api/pieces/one"),
    ("GET", "/api/tags", 200): lambda w: w.c.get("/api/tags"),
    ("GET", "/api/tags", 401): lambda w: w.c.get("/api/tags", headers=NOBODY),
    ("GET", P + "/files/{kind}", 200): lambda w: w.c.get(f"/api/pieces/{w.piece}/files/mid"),
    ("GET", P + "/files/{kind}", 401): lambda w: w.c.get(f"/api/pieces/{w.piece}/files/mid", headers=NOBODY),
    ("GET", P + "/files/{kind}", 404): lambda w: w.c.get(f"/api/pieces/{w.piece}/files/exe"),
    ("GET", P + "/files/{kind}", 422): lambda w: w.c.get("/api/pieces/one/files/mid"),
    ("PUT", P + "/rating", 200): lambda w: w.c.put(f"/api/pieces/{w.piece}/rating", json={"stars": 5}),
    ("PUT", P + "/rating", 401): lambda w: w.c.put(
        f"/api/pieces/{w.piece}/rating", json={"stars": 5}, headers=NOBODY
    ),
    ("PUT", P + "/rating", 404): lambda w: w.c.put("/api/pieces/987654/rating", json={"stars": 5}),
    ("PUT", P + "/rating", 422): lambda w: w.c.put(f"/api/pieces/{w.piece}/rating", json={"stars": 9}),
    ("DELETE", P + "/rating", 204): lambda w: w.rated(),
    ("DELETE", P + "/rating", 401): lambda w: w.c.delete(f"/api/pieces/{w.piece}/rating", headers=NOBODY),
    ("DELETE", P + "/rating", 404): lambda w: w.c.delete("/api/pieces/987654/rating"),
    ("DELETE", P + "/rating", 422): lambda w: w.c.delete("/api/pieces/one/rating"),
    ("GET", "/api/ratings", 200): lambda w: w.c.get("/api/ratings"),
    ("GET", "/api/ratings", 401): lambda w: w.c.get("/api/ratings", headers=NOBODY),
    ("GET", "/api/uploads", 200): lambda w: w.c.get("/api/uploads"),
    ("GET", "/api/uploads", 401): lambda w: w.c.get("/api/uploads", headers=NOBODY),
    ("POST", "/api/uploads", 201): lambda w: w.upload(),
    ("POST", "/api/uploads", 401): lambda w: w.upload(headers=NOBODY),
    ("POST", "/api/uploads", 429): lambda w: w.with_setting(
        w.ctx.settings, "max_uploads_per_user", 0, w.upload
    ),
    ("POST", "/api/auth/login", 429): lambda w: w.with_setting(
        w.ctx.settings,
        "login_attempts",
        (1, 1, 300),
        lambda: [
            w.c.post("/api/auth/login", json={"name": "floody", "password": "password1"}) for _ in range(3)
        ][-1],
    ),
    ("POST", "/api/auth/register", 429): lambda w: w.with_setting(
        w.ctx.settings,
        "login_attempts",
        (1, 1, 300),
        lambda: [
            w.c.post("/api/auth/register", json={"name": f"f{i}x", "password": "password1"}) for i in range(3)
        ][-1],
    ),
    ("POST", "/api/compose", 429): lambda w: w.with_setting(
        w.ctx.settings, "max_jobs_per_user", 0, lambda: w.c.post("/api/compose", json=FAST)
    ),
    ("POST", "/api/uploads", 413): lambda w: w.with_setting(
        w.ctx.settings, "max_upload_bytes", 100, w.upload
    ),
    ("POST", "/api/uploads", 415): lambda w: w.upload(b"plain words, not music"),
    ("POST", "/api/uploads", 422): lambda w: w.upload((DATA / "truncated.mid").read_bytes()),
    ("DELETE", "/api/uploads/{piece_id}", 204): lambda w: w.own_upload_deleted(),
    ("DELETE", "/api/uploads/{piece_id}", 401): lambda w: w.c.delete(
        f"/api/uploads/{w.piece}", headers=NOBODY
    ),
    ("DELETE", "/api/uploads/{piece_id}", 404): lambda w: w.c.delete(f"/api/uploads/{w.piece}"),
    ("DELETE", "/api/uploads/{piece_id}", 422): lambda w: w.c.delete("/api/uploads/one"),
    ("GET", "/api/recommendations", 200): lambda w: w.c.get("/api/recommendations", params={"limit": 3}),
    ("GET", "/api/recommendations", 401): lambda w: w.c.get("/api/recommendations", headers=NOBODY),
    ("GET", "/api/recommendations", 422): lambda w: w.c.get("/api/recommendations", params={"limit": 0}),
}


# Each feature's routes bring their own provokers.
PROVOKERS.update(LEARNING)
PROVOKERS.update(SCORE)
PROVOKERS.update(REVISE)
PROVOKERS.update(ORIGINALITY)


@pytest.fixture(autouse=True)
def _store_search_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Similar-work checks search the store only here: the corpus index takes tens of seconds."""
    from tunesmith.compose import engines
    from tunesmith.errors import NotFoundError
    from tunesmith.evaluate import similarity

    def missing() -> None:
        raise NotFoundError("no corpus index in this test")

    monkeypatch.setattr(similarity, "corpus_melody_index", missing)
    monkeypatch.setattr(engines, "corpus_melody_index", missing)


def _check_body(schema: dict[str, Any], documented: dict[str, Any], response: Response) -> None:
    content = documented.get("content")
    if not content:
        assert not response.content, "documented without a body"
        return
    media = response.headers["content-type"].split(";")[0]
    assert media in content, (media, list(content))
    body_schema = content[media].get("schema")
    if media == "application/json" and body_schema:
        # The response's schema, resolved against the document's own components.
        jsonschema.validate(response.json(), {**body_schema, "components": schema["components"]})


def test_every_documented_status_is_what_the_server_does(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    documented = _documented(schema)
    assert documented - PROVOKERS.keys() == set(), "documented statuses nobody provokes (add a provoker)"
    assert PROVOKERS.keys() - documented == set(), "provoked statuses the schema does not document"
    world = World(client)
    wrong = []
    for (method, path, status), provoke in sorted(PROVOKERS.items()):
        client.post("/api/auth/local")  # every provoker starts signed in as the local user
        response = provoke(world)
        if response.status_code != status:
            got = f"{response.status_code} {response.text[:120]}"
            wrong.append(f"{method} {path}: documented {status}, got {got}")
            continue
        try:
            _check_body(schema, schema["paths"][path][method.lower()]["responses"][str(status)], response)
        except (AssertionError, jsonschema.ValidationError) as err:
            wrong.append(f"{method} {path} {status}: body does not match the schema: {str(err)[:300]}")
    assert not wrong, "\n".join(wrong)


def test_hostile_requests_get_only_documented_statuses(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    wrong = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            allowed = {int(s) for s in op["responses"]}
            for fill in ("-1", "99999999999999999999", "x" * 300):
                url = re.sub(r"\{[^}]+\}", fill, path)
                for headers, body in ((NOBODY, None), ({}, {"bogus": [1, 2]}), ({}, "not json")):
                    kwargs: dict[str, Any] = {"headers": headers}
                    if method in ("post", "put") and body is not None:
                        kwargs["json" if isinstance(body, dict) else "content"] = body
                    r = client.request(method.upper(), url, **kwargs)
                    if path == "/api/auth/logout":
                        client.post("/api/auth/local")
                    if r.status_code not in allowed:
                        wrong.append(f"{method.upper()} {url[:60]} -> {r.status_code} {r.text[:100]}")
                    elif r.status_code >= 400:
                        body_json = r.json()
                        if set(body_json) != {"detail", "field"}:
                            wrong.append(f"{method.upper()} {url[:60]}: error body {body_json}")
    assert not wrong, "\n".join(sorted(set(wrong))[:20])


def test_schema_declares_security_enums_ranges_and_one_error_body(app_client: TestClient) -> None:
    schema = app_client.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["session_cookie"] == {
        **schemes["session_cookie"],
        "type": "apiKey",
        "in": "cookie",
        "name": auth.COOKIE,
    }
    assert schemes["bearer_token"]["type"] == "http" and schemes["bearer_token"]["scheme"] == "bearer"
    for path, ops in schema["paths"].items():
        for op in ops.values():
            if "401" in op["responses"] and path != "/api/auth/login":
                assert op["security"] == [{"session_cookie": []}, {"bearer_token": []}], path
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ErrorBody", (path, status)
    components = schema["components"]["schemas"]
    assert "HTTPValidationError" not in components and "ValidationError" not in components
    assert set(components["ErrorBody"]["required"]) == {"detail", "field"}

    body = components["ComposeBody"]["properties"]
    assert {"folk", "waltz", "celtic", "chorale"} <= set(body["style"]["enum"])
    assert "happy" in body["mood"]["anyOf"][0]["enum"] and "6/8" in body["meter"]["anyOf"][0]["enum"]
    assert body["outputs"]["anyOf"][0]["items"]["enum"] == ["mid", "musicxml", "wav", "flac", "mp3", "png"]
    assert (body["tempo"]["anyOf"][0]["minimum"], body["tempo"]["anyOf"][0]["maximum"]) == (30, 240)
    assert (body["candidates"]["minimum"], body["candidates"]["maximum"]) == (1, 16)
    assert components["PieceOut"]["properties"]["source"]["enum"] == ["corpus", "library", "generated"]
    assert components["JobStatus"]["properties"]["status"]["enum"] == ["queued", "running", "done", "failed"]
    files = schema["paths"]["/api/pieces/{piece_id}/files/{kind}"]["get"]
    kind = next(p for p in files["parameters"] if p["name"] == "kind")
    assert kind["schema"]["enum"] == ["mid", "musicxml", "wav", "flac", "mp3", "png"]
    assert set(files["responses"]["200"]["content"]) >= {"audio/midi", "audio/wav", "image/png"}
    source = next(p for p in schema["paths"]["/api/pieces"]["get"]["parameters"] if p["name"] == "source")
    assert source["schema"]["anyOf"][0]["enum"] == ["corpus", "library", "generated", "mine"]


def test_docs_page_is_served_without_the_internet(app_client: TestClient) -> None:
    page = app_client.get("/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    assert not re.search(r"(src|href)=[\"']https?://", page.text), "docs page loads from the internet"
    assert "cdn" not in page.text.lower()
    for asset in re.findall(r"(?:src|href)=[\"'](/docs/assets/[^\"']+)", page.text):
        assert app_client.get(asset).status_code == 200, asset
    assert app_client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert "/openapi.json" in app_client.get("/static/docs.js").text


@pytest.mark.parametrize("bad", ["/docs/assets/../../app.py", "/docs/assets/%2e%2e/%2e%2e/app.py"])
def test_docs_assets_stay_inside_their_folder(app_client: TestClient, bad: str) -> None:
    assert app_client.get(bad).status_code == 404
