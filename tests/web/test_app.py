"""API tests: every endpoint, the happy path and its error paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import FAST, LOOPBACK, compose_piece, make_settings, register, wait_job

from tunesmith.web import create_app

DATA = Path(__file__).resolve().parents[1] / "data"


def test_openapi_lists_every_endpoint(app_client: TestClient) -> None:
    paths = app_client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/compose",
        "/api/jobs/{job_id}",
        "/api/pieces",
        "/api/pieces/{piece_id}",
        "/api/pieces/{piece_id}/files/{kind}",
        "/api/pieces/{piece_id}/rating",
        "/api/ratings",
        "/api/uploads",
        "/api/recommendations",
        "/api/auth/login",
        "/api/auth/register",
    ):
        assert path in paths


def test_page_and_static_files_are_served(app_client: TestClient) -> None:
    page = app_client.get("/")
    assert page.status_code == 200 and "<audio" in page.text and "/static/app.js" in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing loaded from the internet
    assert app_client.get("/static/app.js").status_code == 200
    assert app_client.get("/static/../app.py").status_code == 404


def test_everything_but_config_needs_sign_in(app_client: TestClient) -> None:
    assert app_client.get("/api/config").status_code == 200
    for method, path in (
        ("get", "/api/pieces"),
        ("get", "/api/ratings"),
        ("post", "/api/compose"),
        ("get", "/api/recommendations"),
        ("get", "/api/me"),
    ):
        r = getattr(app_client, method)(path)
        assert r.status_code == 401, path
    r = app_client.get("/api/pieces", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and "not signed in" in r.json()["detail"]


def test_accounts_register_login_logout(app_client: TestClient) -> None:
    token = register(app_client, "ada", "correct horse")
    assert app_client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["name"] == "ada"
    # A taken name gets the same answer as a free one (no name oracle); the account is unchanged.
    again = app_client.post("/api/auth/register", json={"name": "ada", "password": "x" * 9})
    assert again.status_code == 202
    assert app_client.post("/api/auth/login", json={"name": "ada", "password": "x" * 9}).status_code == 401
    short = app_client.post("/api/auth/register", json={"name": "bob", "password": "short"})
    assert short.status_code == 422 and short.json()["field"] == "password"
    bad_name = app_client.post("/api/auth/register", json={"name": "../etc", "password": "x" * 9})
    assert bad_name.status_code == 422 and bad_name.json()["field"] == "name"
    assert (
        app_client.post("/api/auth/login", json={"name": "ada", "password": "wrong pass"}).status_code == 401
    )
    assert (
        app_client.post("/api/auth/login", json={"name": "nobody", "password": "wrong pass"}).status_code
        == 401
    )
    assert (
        app_client.post("/api/auth/login", json={"name": "ada", "password": "correct horse"}).status_code
        == 200
    )
    assert app_client.post("/api/auth/logout").status_code == 204
    assert app_client.get("/api/me").status_code == 401


def test_passwords_and_tokens_are_stored_hashed(app_client: TestClient) -> None:
    from sqlalchemy import select

    from tunesmith.store.models import SessionToken, User

    token = register(app_client, "cy", "hunter2hunter2")
    store = app_client.app.state.ctx.store  # type: ignore[attr-defined]
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == "cy"))
        assert user is not None and user.password_hash.startswith("$argon2id$")
        hashes = list(s.scalars(select(SessionToken.token_hash)))
    assert token not in hashes and len(hashes) == 1


def test_local_sign_in_only_on_loopback(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="loopback"):
        make_settings(tmp_path, host="0.0.0.0")
    from tunesmith.web.settings import WebSettings

    assert WebSettings.for_host("0.0.0.0").local_sign_in is False
    assert WebSettings.for_host("localhost").local_sign_in is True
    app = create_app(make_settings(tmp_path, host="192.168.1.5", local_sign_in=False))
    with TestClient(app, base_url=LOOPBACK) as client:
        assert client.post("/api/auth/local").status_code == 403
        assert client.get("/api/config").json()["local_sign_in"] is False
    app.state.ctx.jobs.shutdown()


@pytest.mark.slow  # the first compose of a process loads the originality index, music21, matplotlib
def test_compose_job_progress_result_and_files(client: TestClient) -> None:
    r = client.post("/api/compose", json={**FAST, "seed": 11, "outputs": ["mid", "musicxml", "png"]})
    assert r.status_code == 202
    job = wait_job(client, r.json()["job_id"])
    assert job["status"] == "done" and job["progress"] == 1.0
    piece = job["pieces"][0]
    assert set(piece["files"]) == {"mid", "musicxml", "png"}
    mid = client.get(piece["files"]["mid"])
    assert mid.status_code == 200 and mid.content[:4] == b"MThd"
    xml = client.get(piece["files"]["musicxml"])
    assert b"score-partwise" in xml.content[:2000]
    assert client.get(piece["files"]["png"]).content[:4] == b"\x89PNG"
    detail = client.get(f"/api/pieces/{piece['piece_id']}").json()
    assert detail["source"] == "generated" and detail["mine"] and detail["controls"]["request"]["seed"] == 11
    assert "generated" in detail["tags"]
    assert [j["id"] for j in client.get("/api/jobs").json()] == [job["id"]]


def test_compose_candidates_are_separate_pieces(client: TestClient) -> None:
    r = client.post("/api/compose", json={**FAST, "candidates": 2, "seed": 5})
    job = wait_job(client, r.json()["job_id"])
    ids = [p["piece_id"] for p in job["pieces"]]
    assert len(set(ids)) == 2 and [p["rank"] for p in job["pieces"]] == [1, 2]
    assert job["pieces"][0]["total"] >= job["pieces"][1]["total"]


@pytest.mark.parametrize(
    ("body", "field", "allowed"),
    [
        ({"tempo": 300}, "tempo", "30 to 240 bpm"),
        ({"tempo": "fast"}, "tempo", "30 to 240 bpm"),
        ({"bars": 2.5}, "bars", "4-256"),
        ({"candidates": 40}, "candidates", "1 to 16"),
        ({"style": "polka-metal"}, "style", "folk"),
        ({"mood": "grumpy"}, "mood", "happy"),
        ({"valence": 3}, "valence", "-1.0 to 1.0"),
        ({"meter": "7/8"}, "meter", "4/4"),
        ({"key": "H minor"}, "key", "F# minor"),
        ({"chords": "C Xyz"}, "chords", "Roman numerals"),
        ({"outputs": ["exe"]}, "outputs", "mid"),
        ({"primer_piece": 99999}, "primer_piece", "your uploads"),
    ],
)
def test_bad_control_is_422_naming_field_and_range(
    client: TestClient, body: dict[str, object], field: str, allowed: str
) -> None:
    r = client.post("/api/compose", json=body)
    assert r.status_code == 422
    data = r.json()
    assert data["field"] == field and "allowed" in data["detail"] and allowed in data["detail"], data


def test_unknown_job_and_piece_are_404(client: TestClient) -> None:
    assert client.get("/api/jobs/nope").status_code == 404
    assert client.get("/api/pieces/99999").status_code == 404
    assert client.get("/api/pieces/99999/files/mid").status_code == 404


def test_file_kinds_are_a_fixed_list(client: TestClient) -> None:
    pid = client.get("/api/pieces").json()["pieces"][0]["id"]
    for kind in ("exe", "..%2F..%2Fweb.db", "mid.bak"):
        assert client.get(f"/api/pieces/{pid}/files/{kind}").status_code == 404


def test_corpus_piece_files_are_made_on_demand(client: TestClient) -> None:
    corpus = client.get("/api/pieces", params={"source": "corpus"}).json()
    assert corpus["total"] == 6
    pid = corpus["pieces"][0]["id"]
    mid = client.get(f"/api/pieces/{pid}/files/mid")
    assert mid.status_code == 200 and mid.content[:4] == b"MThd"


def test_pieces_search_tags_paging(client: TestClient) -> None:
    everything = client.get("/api/pieces").json()
    assert everything["total"] == 6
    title = everything["pieces"][0]["title"]
    word = title.split()[0]
    found = client.get("/api/pieces", params={"q": word}).json()
    assert any(p["title"] == title for p in found["pieces"])
    assert client.get("/api/pieces", params={"q": "zzzz-no-such-title"}).json()["total"] == 0
    assert client.get("/api/pieces", params={"tag": "nottingham"}).json()["total"] == 6
    assert client.get("/api/pieces", params={"tag": ["nottingham", "no-such-tag"]}).json()["total"] == 0
    page = client.get("/api/pieces", params={"limit": 2, "offset": 2}).json()
    assert [p["id"] for p in page["pieces"]] == [p["id"] for p in everything["pieces"][2:4]]
    assert client.get("/api/pieces", params={"limit": 0}).status_code == 422
    assert client.get("/api/pieces", params={"source": "elsewhere"}).status_code == 422
    tags = client.get("/api/tags").json()
    assert {"name": "nottingham", "count": 6} in tags


def test_ratings_are_private_and_replaced(client: TestClient) -> None:
    pid = client.get("/api/pieces").json()["pieces"][0]["id"]
    r = client.put(f"/api/pieces/{pid}/rating", json={"stars": 4, "comment": "lively"})
    assert r.status_code == 200 and r.json()["stars"] == 4
    client.put(f"/api/pieces/{pid}/rating", json={"stars": 2})
    mine = client.get("/api/ratings").json()
    assert [(x["piece_id"], x["stars"]) for x in mine] == [(pid, 2)]
    assert client.get(f"/api/pieces/{pid}").json()["my_rating"] == 2
    bad = client.put(f"/api/pieces/{pid}/rating", json={"stars": 6})
    assert bad.status_code == 422 and bad.json()["field"] == "stars" and "1-5" in bad.json()["detail"]
    assert client.put("/api/pieces/99999/rating", json={"stars": 3}).status_code == 404
    # Another user sees none of it and cannot delete it.
    token = register(client, "eve", "password1")
    eve = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/ratings", headers=eve).json() == []
    assert client.delete(f"/api/pieces/{pid}/rating", headers=eve).status_code == 404
    assert client.get(f"/api/pieces/{pid}", headers=eve).json()["my_rating"] is None
    client.post("/api/auth/local")
    assert client.delete(f"/api/pieces/{pid}/rating").status_code == 204
    assert client.get("/api/ratings").json() == []


def test_uploads_checked_by_content_and_private(client: TestClient) -> None:
    # A MIDI file under a misleading name is still MIDI; text named .mid is refused.
    midi = (DATA / "melody_chords.mid").read_bytes()
    r = client.post("/api/uploads", files={"file": ("song.txt", midi)}, data={"tags": "mine, test"})
    assert r.status_code == 201, r.text
    piece = r.json()[0]
    assert piece["mine"] and {"upload", "mine", "test"} <= set(piece["tags"])
    abc = (DATA / "tunes.abc").read_bytes()
    assert client.post("/api/uploads", files={"file": ("x.bin", abc)}).status_code == 201
    xml = (DATA / "two_parts.musicxml").read_bytes()
    assert client.post("/api/uploads", files={"file": ("a.mid", xml)}).status_code == 201
    refused = client.post("/api/uploads", files={"file": ("a.mid", b"hello, not music at all")})
    assert refused.status_code == 415 and "not MIDI, MusicXML or ABC" in refused.json()["detail"]
    not_score = client.post(
        "/api/uploads", files={"file": ("a.musicxml", (DATA / "not-a-score.xml").read_bytes())}
    )
    assert not_score.status_code == 415
    corrupt = client.post("/api/uploads", files={"file": ("t.mid", (DATA / "truncated.mid").read_bytes())})
    assert corrupt.status_code == 422
    assert client.post("/api/uploads", files={"file": ("e.mid", b"")}).status_code == 415
    uploads = client.get("/api/uploads").json()
    assert piece["id"] in [u["id"] for u in uploads]
    # Primer from an upload.
    job = client.post("/api/compose", json={**FAST, "primer_piece": piece["id"]})
    assert wait_job(client, job.json()["job_id"])["status"] == "done"
    # Other users cannot see, fetch, use or delete it.
    token = register(client, "mallory", "password1")
    other = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/uploads", headers=other).json() == []
    assert client.get(f"/api/pieces/{piece['id']}", headers=other).status_code == 404
    assert client.get(f"/api/pieces/{piece['id']}/files/mid", headers=other).status_code == 404
    assert (
        client.post("/api/compose", json={**FAST, "primer_piece": piece["id"]}, headers=other).status_code
        == 422
    )
    assert client.delete(f"/api/uploads/{piece['id']}", headers=other).status_code == 404
    assert piece["id"] not in [p["id"] for p in client.get("/api/pieces", headers=other).json()["pieces"]]
    client.post("/api/auth/local")
    assert client.delete(f"/api/uploads/{piece['id']}").status_code == 204
    assert client.get(f"/api/pieces/{piece['id']}").status_code == 404


def test_upload_size_limit(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, max_upload_bytes=1000))
    with TestClient(app, base_url=LOOPBACK) as client:
        client.post("/api/auth/local")
        big = b"MThd" + b"\0" * 2000
        r = client.post("/api/uploads", files={"file": ("big.mid", big)})
        assert r.status_code == 413 and "1000 bytes" in r.json()["detail"]
    app.state.ctx.jobs.shutdown()


def test_recommendations_cold_start_then_personal(client: TestClient) -> None:
    cold = client.get("/api/recommendations", params={"limit": 3}).json()
    assert len(cold) == 3 and all(r["reason"] == "popular" for r in cold)
    pieces = client.get("/api/pieces", params={"source": "corpus"}).json()["pieces"]
    client.put(f"/api/pieces/{pieces[0]['id']}/rating", json={"stars": 5})
    client.put(f"/api/pieces/{pieces[1]['id']}/rating", json={"stars": 1})
    recs = client.get("/api/recommendations").json()
    ids = [r["piece"]["id"] for r in recs]
    assert pieces[0]["id"] not in ids and pieces[1]["id"] not in ids and len(ids) == 4
    assert any(r["reason"] != "popular" for r in recs)
    assert client.get("/api/recommendations", params={"limit": 0}).status_code == 422


def test_ratings_steer_the_next_compose(client: TestClient) -> None:
    pid = compose_piece(client, seed=21)
    client.put(f"/api/pieces/{pid}/rating", json={"stars": 5})
    pid2 = compose_piece(client, seed=22, tempo=70)
    client.put(f"/api/pieces/{pid2}/rating", json={"stars": 1})
    pid3 = compose_piece(client, seed=23, tempo=200)
    client.put(f"/api/pieces/{pid3}/rating", json={"stars": 5})
    r = client.post("/api/compose", json={**FAST, "seed": 24, "candidates": 2})
    job = wait_job(client, r.json()["job_id"])
    assert all("preference" in p["components"] for p in job["pieces"])
    assert job["request"]["valence"] is not None  # the open mood was chosen by the model
    off = wait_job(
        client, client.post("/api/compose", json={**FAST, "seed": 25, "steer": False}).json()["job_id"]
    )
    assert "preference" not in off["pieces"][0]["components"]
