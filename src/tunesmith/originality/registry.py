"""The registry of generated works: an append-only log, hash-chained and Merkle-treed as
Certificate Transparency logs are, so "who made it first" has an answer without a blockchain.

Each entry is the canonical JSON of a certificate body: content hashes of the MIDI and audio
files, the store's hash of the notes, the time, every control and the seed, the models with their
checkpoint hashes, and the originality report. The log keeps per entry sha256(0x00 ‖ body) (the
Merkle leaf), a chain hash over all leaves so far and the Merkle root of the log at that size (the
tree head a certificate quotes). ``verify_log`` recomputes all three: an edited body, a removed or
reordered entry breaks them. A rewrite of the whole log that recomputes every hash is caught by an
earlier tree head kept elsewhere (``--head`` or any certificate issued before the rewrite), as CT
monitors catch a log that forks.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.errors import ControlError, InputFileError, NotFoundError, TunesmithError
from tunesmith.evaluate.similarity import melody_of_score
from tunesmith.io import READ_SUFFIXES, load
from tunesmith.originality import merkle
from tunesmith.originality.audioprint import fingerprint, read_audio
from tunesmith.originality.identify import AUDIO_KIND, identify_file
from tunesmith.originality.works import (
    MATCH_THRESHOLD,
    MELODY_KIND,
    MIN_QUERY_NOTES,
    check_score,
    encode_melody,
    store_index,
)
from tunesmith.paths import PACKAGE_DATA
from tunesmith.store import open_store
from tunesmith.store.models import Fingerprint, RegistryEntry
from tunesmith.store.pieces import content_hash

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tunesmith.store.db import Store

SCHEMA = "tunesmith-certificate/1"
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg")


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entries(session: Session) -> list[RegistryEntry]:
    from sqlalchemy import select

    return list(session.scalars(select(RegistryEntry).order_by(RegistryEntry.seq)))


def append(session: Session, body: dict[str, Any], piece_id: int | None) -> RegistryEntry:
    """Add ``body`` as the next entry of the log (the caller's transaction commits it)."""
    entries = _entries(session)
    # The entry's place is part of what is hashed: the same work registered twice (a regeneration
    # in the same second) gets two distinct leaves, and a leaf cannot be moved to another place.
    data = canonical({**body, "seq": len(entries) + 1})
    leaf = merkle.leaf_hash(data)
    previous = bytes.fromhex(entries[-1].chain_hash) if entries else b""
    chain = hashlib.sha256(previous + leaf).hexdigest()
    leaves = [bytes.fromhex(e.leaf_hash) for e in entries] + [leaf]
    entry = RegistryEntry(
        seq=len(entries) + 1,
        piece_id=piece_id,
        payload=data.decode("utf-8"),
        leaf_hash=leaf.hex(),
        chain_hash=chain,
        tree_root=merkle.root(leaves).hex(),
        created_at=datetime.now(UTC).replace(tzinfo=None),
    )
    session.add(entry)
    session.flush()
    return entry


def verify_log(session: Session, head: tuple[int, str] | None = None) -> dict[str, Any]:
    """Recompute every leaf, chain link and tree head; ``head`` (size, root hex) is a tree head kept
    from earlier that the log must still contain. Returns {'entries', 'ok', 'problems', 'head'}."""
    entries = _entries(session)
    problems: list[str] = []
    leaves: list[bytes] = []
    previous = b""
    for position, e in enumerate(entries, start=1):
        if e.seq != position:
            problems.append(f"entry {position}: sequence number {e.seq} (an entry was removed or reordered)")
        leaf = merkle.leaf_hash(e.payload.encode("utf-8"))
        if leaf.hex() != e.leaf_hash:
            problems.append(f"entry {e.seq}: its body was edited (leaf hash differs)")
        chain = hashlib.sha256(previous + bytes.fromhex(e.leaf_hash)).hexdigest()
        if chain != e.chain_hash:
            problems.append(
                f"entry {e.seq}: chain hash broken (an earlier entry was changed, removed or moved)"
            )
        previous = bytes.fromhex(e.chain_hash)
        leaves.append(leaf)
    for e, r in zip(entries, merkle.roots_of_prefixes(leaves), strict=True):
        if r.hex() != e.tree_root:
            problems.append(f"entry {e.seq}: tree head differs from the log's contents")
    if head is not None:
        size, root_hex = head
        if size > len(leaves):
            problems.append(f"the log has {len(leaves)} entries, fewer than the {size} of the given head")
        elif merkle.root(leaves[:size]).hex() != root_hex.lower():
            problems.append(f"the first {size} entries no longer hash to the given head {root_hex[:16]}…")
    return {
        "entries": len(entries),
        "ok": not problems,
        "problems": problems,
        "head": {"size": len(leaves), "root": merkle.root(leaves).hex()},
    }


def certificate(session: Session, *, seq: int | None = None, piece_id: int | None = None) -> dict[str, Any]:
    """A work's certificate: its registered body and the proof of its place in the log (an
    inclusion proof against the log's current head, and the head at registration)."""
    entries = _entries(session)
    chosen = [
        e
        for e in entries
        if (seq is not None and e.seq == seq) or (piece_id is not None and e.piece_id == piece_id)
    ]
    if not chosen:
        what = f"entry {seq}" if seq is not None else f"piece {piece_id}"
        raise NotFoundError(f"{what} is not in the registry (only generated works are registered)")
    entry = chosen[-1]
    leaves = [bytes.fromhex(e.leaf_hash) for e in entries]
    index = entry.seq - 1
    return {
        "certificate": json.loads(entry.payload),
        "log": {
            "seq": entry.seq,
            "leaf_hash": entry.leaf_hash,
            "chain_hash": entry.chain_hash,
            "registered_head": {"size": entry.seq, "root": entry.tree_root},
            "head": {"size": len(leaves), "root": merkle.root(leaves).hex()},
            "inclusion_proof": [p.hex() for p in merkle.inclusion_proof(leaves, index)],
            "registered_inclusion_proof": [
                p.hex() for p in merkle.inclusion_proof(leaves[: entry.seq], index)
            ],
            "algorithm": "RFC 6962 Merkle tree, sha256; "
            "leaf = sha256(0x00 ‖ canonical JSON of 'certificate')",
        },
    }


def check_certificate(cert: dict[str, Any]) -> list[str]:
    """Problems with a certificate on its own (no store needed): its body must hash to its leaf and
    both proofs must lead to the heads it quotes. Empty when it is sound."""
    try:
        body, log = cert["certificate"], cert["log"]
        leaf = merkle.leaf_hash(canonical(body))
        problems = []
        if leaf.hex() != log["leaf_hash"]:
            problems.append("the certificate body was changed (its hash is not the registered leaf)")
        for head_key, proof_key in (
            ("head", "inclusion_proof"),
            ("registered_head", "registered_inclusion_proof"),
        ):
            head = log[head_key]
            proof = [bytes.fromhex(p) for p in log[proof_key]]
            if not merkle.verify_inclusion(
                leaf, int(log["seq"]) - 1, int(head["size"]), proof, bytes.fromhex(head["root"])
            ):
                problems.append(
                    f"the {proof_key.replace('_', ' ')} does not lead to the quoted "
                    f"{head_key.replace('_', ' ')}"
                )
        return problems
    except (KeyError, TypeError, ValueError) as err:
        return [f"not a tunesmith certificate ({err})"]


# --- registering a composition -------------------------------------------------------------------


def _checkpoints(plan: Any) -> dict[str, str]:
    """sha256 of each shipped checkpoint the generator may have used."""
    folder = PACKAGE_DATA / "checkpoints"
    names = {
        "rules": [],
        "rnn": ["melody.pt", "chords.pt"],
        "vae": ["melody.pt", "chords.pt", "vae.pt"],
        "gan": ["melody.pt", "chords.pt", "gan.pt"],
    }.get(getattr(plan, "model", ""), ["melody.pt", "chords.pt"])
    if getattr(plan.style, "use_harmonizer", False):
        names = [*names, "harmonizer.pt"]
    return {n: sha256_file(folder / n) for n in names if (folder / n).is_file()}


def registration_body(
    composition: Any, paths: dict[str, Path], piece_id: int | None, originality: dict[str, Any]
) -> dict[str, Any]:
    files = {
        fmt: {"name": Path(p).name, "sha256": sha256_file(p), "bytes": Path(p).stat().st_size}
        for fmt, p in paths.items()
        if fmt in ("mid", "wav", "flac", "mp3", "musicxml", "json") and Path(p).is_file()
    }
    plan = composition.plan
    return {
        "schema": SCHEMA,
        "piece_id": piece_id,
        "title": plan.title,
        "registered_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "notes_sha256": content_hash(composition.score),
        "files": files,
        "controls": composition.request.to_dict(),
        "seed": plan.seed,
        "candidate_seeds": [c.seed for c in composition.candidates],
        "models": {
            "generator": plan.model,
            "versions": composition.model_versions,
            "checkpoints_sha256": _checkpoints(plan),
        },
        "originality": originality,
    }


def originality_report(composition: Any, piece_id: int | None, store: Store) -> dict[str, Any]:
    """The composer's own checks against the corpus (exact copied run, nearest work by the
    similar-work search) and a search of the store's library and generated pieces."""
    best = composition.candidates[0]
    out: dict[str, Any] = {
        "threshold": MATCH_THRESHOLD,
        "corpus_longest_exact_run": best.copied_run,
        "corpus_nearest": (
            {"similarity": round(best.near_copy[0], 4), "title": best.near_copy[1]}
            if best.near_copy
            else "not checked (no corpus index here)"
        ),
    }
    try:
        with store.session() as session:
            index = store_index(session)
        rep = check_score(
            composition.score,
            top=3,
            index=index,
            exclude=(f"piece:{piece_id}",) if piece_id is not None else (),
        )
        out["store_nearest"] = [
            {k: m[k] for k in ("id", "title", "similarity", "explanation")} for m in rep["matches"]
        ]
    except TunesmithError as err:
        out["store_nearest"] = f"not checked: {err}"
    return out


def register_composition(
    composition: Any, paths: dict[str, Path], piece_id: int | None, store: Store | None = None
) -> dict[str, Any]:
    """Fingerprint a freshly written piece (melody, and audio when rendered) and append it to the
    registry of ``store`` (default: the user's store); returns the entry's certificate. The
    composer calls it after recording a piece (entry point ``tunesmith.record``)."""
    if store is None:
        with open_store() as own:
            return register_composition(composition, paths, piece_id, own)
    if piece_id is not None:
        _fingerprint_piece(composition, paths, piece_id, store)
    body = registration_body(composition, paths, piece_id, originality_report(composition, piece_id, store))
    with store.session() as session:
        entry = append(session, body, piece_id)
        return certificate(session, seq=entry.seq)


def _fingerprint_piece(composition: Any, paths: dict[str, Path], piece_id: int, store: Store) -> None:
    from sqlalchemy import select

    audio = next((paths[f] for f in ("wav", "flac", "mp3") if f in paths), None)
    landmarks = None
    if audio is not None:  # read and hashed outside the transaction: it takes a moment

        landmarks = fingerprint(read_audio(audio))
    with store.session() as session:
        have = set(session.scalars(select(Fingerprint.kind).where(Fingerprint.piece_id == piece_id)))
        if MELODY_KIND not in have:
            session.add(
                Fingerprint(
                    piece_id=piece_id,
                    kind=MELODY_KIND,
                    data=encode_melody(melody_of_score(composition.score)),
                )
            )
        if landmarks is not None and AUDIO_KIND not in have:
            session.add(Fingerprint(piece_id=piece_id, kind=AUDIO_KIND, data=landmarks))


# --- verifying a file ----------------------------------------------------------------------------


def verify_file(path: str | Path, store: Store) -> dict[str, Any]:
    """Is ``path`` a registered tunesmith work, unchanged or altered? Unchanged: its bytes hash to a
    registered file. Altered: same notes in another file (MIDI/MusicXML/ABC), a melody that matches
    a registered work, or audio the fingerprints trace to one."""
    p = Path(path)
    if not p.is_file():
        raise InputFileError(p, "no such file")
    digest = sha256_file(p)
    with store.session() as session:
        entries = _entries(session)
        bodies = [(e, json.loads(e.payload)) for e in entries]
    for e, body in bodies:
        for fmt, info in body.get("files", {}).items():
            if info.get("sha256") == digest:
                return {
                    "file": str(p),
                    "status": "registered, unchanged",
                    "seq": e.seq,
                    "piece_id": e.piece_id,
                    "title": body.get("title"),
                    "detail": f"identical to the registered {fmt} file {info.get('name')}",
                }
    suffix = p.suffix.lower()
    by_piece = {e.piece_id: (e, body) for e, body in bodies if e.piece_id is not None}
    if suffix in AUDIO_SUFFIXES:
        hit = identify_file(p, store)
        if hit is not None and hit.get("piece_id") in by_piece:
            e, body = by_piece[hit["piece_id"]]
            return {
                "file": str(p),
                "status": "registered, altered",
                "seq": e.seq,
                "piece_id": e.piece_id,
                "title": body.get("title"),
                "detail": f"different bytes, but the audio is this work from {hit['offset_seconds']:.1f} s "
                f"({hit['matches']} landmarks agree)",
            }
        return {"file": str(p), "status": "not registered", "detail": "no registered file or audio matches"}

    if suffix not in READ_SUFFIXES:
        raise ControlError("file", f"{p.name}: not a MIDI, MusicXML, ABC or audio file")
    score = load(p)[0]
    notes = content_hash(score)
    for e, body in bodies:
        if body.get("notes_sha256") == notes:
            return {
                "file": str(p),
                "status": "registered, altered",
                "seq": e.seq,
                "piece_id": e.piece_id,
                "title": body.get("title"),
                "detail": "the same notes as the registered work in a different file",
            }

    try:
        rep = check_score(score, top=3, store=store, index=_registered_index(store, list(by_piece)))
    except (ControlError, NotFoundError):
        rep = {"matches": []}
    near = [m for m in rep["matches"] if m["match"]]
    if near:
        pid = int(near[0]["id"].split(":", 1)[1])
        e, body = by_piece[pid]
        return {
            "file": str(p),
            "status": "registered, altered",
            "seq": e.seq,
            "piece_id": e.piece_id,
            "title": body.get("title"),
            "detail": f"notes changed: {near[0]['explanation']}",
        }
    return {
        "file": str(p),
        "status": "not registered",
        "detail": f"no registered file, notes or melody (≥ {MIN_QUERY_NOTES} notes) matches",
    }


def _registered_index(store: Store, piece_ids: list[int]) -> Any:
    with store.session() as session:
        return store_index(session, piece_ids)
