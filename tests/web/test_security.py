"""One test per attack of issue 12 on the web API: each failed before the fix.

Accounts, the Host header, rate limits, what one user's uploads reveal to another, ranges of ids,
controls refused at submit time, the size and content limits on uploads and bodies, quotas, the
time limit on conversions, security headers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web import hostile
from tests.web.conftest import FAST, LOOPBACK, make_settings, register, wait_job

from tunesmith.web import create_app

DATA = Path(__file__).resolve().parents[1] / "data"
BIG = 2**63


@pytest.fixture
def make_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template_db: Path) -> Iterator[Any]:
    """A factory of signed-in (local user) clients over a copy of the template store, with settings."""
    import shutil

    made: list[tuple[Any, TestClient]] = []

    def make(**changes: Any) -> TestClient:
        monkeypatch.setenv("TUNESMITH_HOME", str(tmp_path / "home"))
        shutil.copyfile(template_db, tmp_path / "web.db")
        app = create_app(make_settings(tmp_path, corpus_collections=(), **changes))
        client = TestClient(app, base_url=LOOPBACK)
        client.__enter__()
        made.append((app, client))
        assert client.post("/api/auth/local").status_code == 200
        return client

    yield make
    for app, client in made:
        client.__exit__(None, None, None)
        app.state.ctx.jobs.shutdown()
        app.state.ctx.store.close()


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _upload(client: TestClient, data: bytes, name: str = "x.mid", tags: str = "", **kw: Any) -> Any:
    return client.post("/api/uploads", files={"file": (name, data)}, data={"tags": tags}, **kw)


# ----- accounts ------------------------------------------------------------------------------------
def test_local_user_only_for_a_loopback_host_header(app_client: TestClient) -> None:
    """DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends Host: evil.example."""
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example"):
        r = app_client.post("/api/auth/local", headers={"Host": host})
        assert r.status_code == 403 and "Host" in r.json()["detail"], host
    for host in ("127.0.0.1:8000", "localhost", "[::1]:8000"):
        assert app_client.post("/api/auth/local", headers={"Host": host}).status_code == 200, host


def test_login_is_rate_limited_per_name_and_per_address(make_client: Any) -> None:
    client = make_client(login_attempts=(3, 5, 60.0))
    register(client, "ada", "correct horse")  # one attempt from this address
    for _ in range(2):
        assert client.post("/api/auth/login", json={"name": "ada", "password": "wrong!!!"}).status_code == 401
    r = client.post("/api/auth/login", json={"name": "ada", "password": "wrong!!!"})
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
    assert "too many" in r.json()["detail"]
    # Even the right password waits now (the name's window is full).
    right = {"name": "ada", "password": "correct horse"}
    assert client.post("/api/auth/login", json=right).status_code == 429
    # Per address: other names from the same address are refused once the address used its 5.
    r = client.post("/api/auth/login", json={"name": "bob", "password": "whatever1"})
    assert r.status_code == 429 and "address" in r.json()["detail"]


def test_registration_tells_nobody_which_names_exist(app_client: TestClient) -> None:
    register(app_client, "ada", "correct horse")
    taken = app_client.post("/api/auth/register", json={"name": "ada", "password": "other password"})
    free = app_client.post("/api/auth/register", json={"name": "zed", "password": "other password"})
    assert taken.status_code == free.status_code == 202
    assert taken.json()["detail"] == free.json()["detail"]
    assert set(taken.json()) == set(free.json())
    # The taken account is unchanged; the free one now exists.
    for name, password in (("ada", "correct horse"), ("zed", "other password")):
        r = app_client.post("/api/auth/login", json={"name": name, "password": password})
        assert r.status_code == 200, name


def test_oversized_password_and_name_are_refused_before_hashing(app_client: TestClient) -> None:
    r = app_client.post("/api/auth/register", json={"name": "ada", "password": "x" * 5000})
    assert r.status_code == 422 and r.json()["field"] == "password"
    r = app_client.post("/api/auth/login", json={"name": "a" * 5000, "password": "x" * 9})
    assert r.status_code == 422 and r.json()["field"] == "name"


# ----- compose controls ----------------------------------------------------------------------------
def test_style_is_a_known_name_never_a_path(client: TestClient) -> None:
    import shutil
    import tempfile

    import tunesmith

    install = str(Path(tunesmith.__file__).resolve().parent)
    folder = Path(tempfile.mkdtemp(prefix="tsstyle"))  # lower case, so the old lookup kept the path
    while "_" in folder.name:
        folder = Path(tempfile.mkdtemp(prefix="tsstyle"))
    try:
        (folder / "x.toml").write_text("name = 'x'\n")  # readable, exists, not a style
        answers = []
        for style in (
            "../../x",
            f"../../../../../../../../..{folder}/x",
            f"../../../../../../../../..{folder}/y",
        ):
            r = client.post("/api/compose", json={**FAST, "style": style})
            assert r.status_code == 422 and r.json()["field"] == "style", style
            detail = r.json()["detail"]
            assert detail.startswith("style: unknown style") and "folk" in detail, detail
            assert install not in detail and "x.toml" not in detail
            answers.append(detail.replace(style, "?"))
        assert len(set(answers)) == 1  # an existing file and a missing one answer alike
        r = client.post("/api/compose", json={**FAST, "style": "/" * 61})
        assert r.status_code == 422 and r.json()["field"] == "style" and install not in r.json()["detail"]
    finally:
        shutil.rmtree(folder)


def test_bad_key_and_too_many_instruments_are_refused_at_submit(client: TestClient) -> None:
    r = client.post("/api/compose", json={**FAST, "key": "C#####"})
    assert r.status_code == 422 and r.json()["field"] == "key"
    r = client.post("/api/compose", json={**FAST, "instruments": ["piano"] * 100_000})
    assert r.status_code in (413, 422)  # the body limit (2 MB of names) or the list limit
    r = client.post("/api/compose", json={**FAST, "instruments": ["piano"] * 17})
    assert r.status_code == 422 and r.json()["field"] == "instruments"
    # D# major has no key signature: it is written as Eb major instead of failing later.
    r = client.post("/api/compose", json={**FAST, "key": "D#", "mode": "major"})
    assert r.status_code == 202
    assert wait_job(client, r.json()["job_id"])["status"] == "done"


def test_audio_of_a_long_piece_is_refused_at_submit(client: TestClient) -> None:
    for controls in ({"bars": None, "seconds": 900}, {"bars": 256, "tempo": 30}):
        r = client.post("/api/compose", json={**FAST, **controls, "outputs": ["mid", "wav"]})
        assert r.status_code == 422 and r.json()["field"] == "outputs", r.text
        assert "too long to render as audio" in r.json()["detail"]
    r = client.post("/api/compose", json={**FAST, "bars": 256, "tempo": 30, "outputs": ["mid"]})
    assert r.status_code == 202  # MIDI of the same piece is fine


def test_text_fields_and_bodies_have_limits(client: TestClient) -> None:
    r = client.post("/api/compose", json={**FAST, "title": "t" * 201})
    assert r.status_code == 422 and r.json()["field"] == "title"
    r = client.post("/api/compose", json={**FAST, "title": "t" * 2_000_000})
    assert r.status_code == 413 and r.json()["field"] == "body"
    pid = client.get("/api/pieces").json()["pieces"][0]["id"]
    r = client.put(f"/api/pieces/{pid}/rating", json={"stars": 3, "comment": "c" * 2001})
    assert r.status_code == 422
    assert _upload(client, (DATA / "melody_chords.mid").read_bytes(), tags="t" * 501).status_code == 422
    r = client.get("/api/pieces", params=[("tag", f"t{i}") for i in range(11)])
    assert r.status_code == 422 and r.json()["field"] == "tag"


def test_ids_and_offsets_beyond_64_bits_are_422(client: TestClient) -> None:
    for method, url, body in (
        ("GET", f"/api/pieces/{BIG}", None),
        ("GET", f"/api/pieces/{BIG}/files/mid", None),
        ("PUT", f"/api/pieces/{BIG}/rating", {"stars": 3}),
        ("DELETE", f"/api/pieces/{BIG}/rating", None),
        ("DELETE", f"/api/uploads/{BIG}", None),
        ("GET", f"/api/pieces?offset={BIG}", None),
        ("POST", "/api/compose", {**FAST, "primer_piece": BIG}),
    ):
        r = client.request(method, url, json=body)
        assert r.status_code == 422, (method, url, r.status_code, r.text)
    assert client.get(f"/api/pieces/{BIG - 1}").status_code == 404


# ----- what one user's uploads tell another ---------------------------------------------------------
def test_pieces_from_a_private_primer_are_private_and_pathless(client: TestClient) -> None:
    upload = _upload(client, (DATA / "melody_chords.mid").read_bytes()).json()[0]
    r = client.post("/api/compose", json={**FAST, "primer_piece": upload["id"], "steer": False})
    job_id = r.json()["job_id"]
    job = wait_job(client, job_id)
    assert job["status"] == "done", job
    piece_id = job["pieces"][0]["piece_id"]
    mine = client.get(f"/api/pieces/{piece_id}").json()
    files_root = str(client.app.state.ctx.files.root)  # type: ignore[attr-defined]
    for shown in (json.dumps(mine), json.dumps(job), json.dumps(client.get("/api/jobs").json())):
        assert files_root not in shown and "primer.mid" not in shown
    assert mine["controls"]["request"]["primer_piece"] == upload["id"]
    assert "primer" not in mine["controls"]["request"]
    other = _as(register(client, "mallory", "password1"))
    assert client.get(f"/api/pieces/{piece_id}", headers=other).status_code == 404
    assert client.get(f"/api/pieces/{piece_id}/files/mid", headers=other).status_code == 404
    assert client.put(f"/api/pieces/{piece_id}/rating", json={"stars": 5}, headers=other).status_code == 404
    listed = client.get("/api/pieces", params={"source": "generated"}, headers=other).json()["pieces"]
    assert piece_id not in [p["id"] for p in listed]
    recommended = client.get("/api/recommendations", headers=other).json()
    assert piece_id not in [r["piece"]["id"] for r in recommended]


def test_tags_are_scoped_to_what_you_can_see(client: TestClient) -> None:
    corpus = client.get("/api/pieces", params={"source": "corpus"}).json()["pieces"][0]
    corpus_mid = client.get(f"/api/pieces/{corpus['id']}/files/mid").content
    # Uploading the corpus tune with a tag makes a private copy; the shared piece is untouched.
    copy = _upload(client, corpus_mid, tags="hushhush").json()[0]
    assert copy["id"] != corpus["id"] and copy["mine"] and "hushhush" in copy["tags"]
    _upload(client, (DATA / "melody_chords.mid").read_bytes(), tags="secretproject")
    mine = {t["name"] for t in client.get("/api/tags").json()}
    assert {"hushhush", "secretproject"} <= mine
    other = _as(register(client, "eve", "password1"))
    theirs = {t["name"] for t in client.get("/api/tags", headers=other).json()}
    assert "hushhush" not in theirs and "secretproject" not in theirs and "nottingham" in theirs
    shared = client.get(f"/api/pieces/{corpus['id']}", headers=other).json()
    assert "hushhush" not in shared["tags"]
    assert client.get("/api/pieces", params={"tag": "hushhush"}, headers=other).json()["total"] == 0


def test_an_upload_never_tells_whether_someone_else_has_the_file(client: TestClient) -> None:
    data = (DATA / "melody_chords.mid").read_bytes()
    first = _upload(client, data)
    assert first.status_code == 201
    other = _as(register(client, "mallory", "password1"))
    second = _upload(client, data, headers=other)
    assert second.status_code == 201, second.text  # was 409 "already someone else's upload"
    assert second.json()[0]["id"] != first.json()[0]["id"] and second.json()[0]["mine"]
    # The same user uploading again gets their own piece back.
    client.post("/api/auth/local")  # (registering signed this client in as mallory)
    again = _upload(client, data)
    assert again.status_code == 201 and again.json()[0]["id"] == first.json()[0]["id"]


# ----- hostile files -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "name", "words"),
    [
        (hostile.many_notes_midi, "big.mid", "notes; allowed: at most 20,000"),
        (hostile.repeat_bomb_abc, "bomb.abc", "bars"),
        (hostile.nested_repeats_abc, "nested.abc", "notes; allowed: at most"),
        (hostile.header_only_midi, "header.mid", "holds no notes"),
        (hostile.unended_notes_midi, "unended.mid", "note-ons without note-offs"),
    ],
)
def test_hostile_uploads_are_refused_with_a_clear_message(
    client: TestClient, make: Any, name: str, words: str
) -> None:
    r = _upload(client, make(), name)
    assert r.status_code == 422, r.text
    assert words in r.json()["detail"]
    assert client.get("/api/uploads").json() == []


def test_a_megabyte_title_in_an_uploaded_file_is_cut(client: TestClient) -> None:
    abc = b"X:1\nT:" + b"long " * 200_000 + b"\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|\n"
    r = _upload(client, abc, "t.abc")
    assert r.status_code == 201, r.text
    assert len(r.json()[0]["title"]) <= 200
    assert len(client.get("/api/pieces").content) < 100_000


def test_upload_body_over_the_limit_is_refused_before_reading(client: TestClient) -> None:
    limit = client.app.state.ctx.settings.max_upload_bytes  # type: ignore[attr-defined]
    r = client.post(
        "/api/uploads",
        content=b"x" * 1000,
        headers={"Content-Length": str(300 * 1024 * 1024), "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert (r.status_code == 413 and str(limit) in r.json()["detail"]) or "KiB" in r.json()["detail"]


def test_quota_of_compose_jobs_per_user(make_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tunesmith.web import service

    release = threading.Event()

    def blocked(*args: Any, **__: Any) -> list[dict[str, Any]]:
        release.wait(30)
        store, finish = args[0], args[9]  # the job is done when finish() commits
        with store.session() as s:
            finish(s, [])
        return []

    monkeypatch.setattr(service, "compose_pieces", blocked)
    client = make_client(max_jobs_per_user=2)
    ids = [client.post("/api/compose", json={**FAST, "steer": False}).json()["job_id"] for _ in range(2)]
    r = client.post("/api/compose", json={**FAST, "steer": False})
    assert r.status_code == 429 and "at most 2" in r.json()["detail"] and "Retry-After" in r.headers
    release.set()
    for job_id in ids:
        wait_job(client, job_id)
    assert client.post("/api/compose", json={**FAST, "steer": False}).status_code == 202


def test_quota_of_uploads_per_user(make_client: Any) -> None:
    client = make_client(max_uploads_per_user=1)
    assert _upload(client, (DATA / "melody_chords.mid").read_bytes()).status_code == 201
    r = _upload(client, (DATA / "tunes.abc").read_bytes(), "t.abc")
    assert r.status_code == 429 and "at most 1" in r.json()["detail"]
    client2 = make_client(max_upload_total_bytes=1000)
    r = _upload(client2, (DATA / "melody_chords.mid").read_bytes() + b"", "m.mid")
    size = len((DATA / "melody_chords.mid").read_bytes())
    assert (r.status_code == 429) == (size > 1000)


def test_conversion_past_its_time_limit_is_stopped(make_client: Any) -> None:
    client = make_client(convert_seconds=0.3)
    piece = _upload(client, hostile.many_notes_midi(15_000)).json()[0]
    r = client.get(f"/api/pieces/{piece['id']}/files/musicxml")
    assert r.status_code == 503 and "stopped after 0.3 s" in r.json()["detail"]
    r = client.get(f"/api/pieces/{piece['id']}/files/wav")  # 62 minutes of music
    assert r.status_code == 422 and "too long to render" in r.json()["detail"]


# ----- headers -------------------------------------------------------------------------------------
def test_security_headers_on_the_page_and_the_api(app_client: TestClient) -> None:
    for url in ("/", "/static/app.js", "/api/config", "/api/me", "/openapi.json"):
        headers = app_client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
    page = app_client.get("/").text
    assert "<script>" not in page and " style=" not in page and " on" + "click=" not in page
