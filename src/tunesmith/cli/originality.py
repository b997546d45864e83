"""`tunesmith check | identify | certificate | verify | registry verify|head`: originality and copyright.

- check FILE: the works in the store (corpus, library, generated) most similar to a melody.
- identify CLIP: which stored piece or added recording an audio excerpt comes from, and where;
  `identify --add FILE` fingerprints a recording so clips of it can be identified later.
- certificate PIECE: a generated work's registry entry with the proof of its place in the log.
- verify FILE: is a file a registered tunesmith work, unchanged or altered?
- registry verify: recompute the whole log (edited, removed or reordered entries are named).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from tunesmith.errors import ControlError, TunesmithError
from tunesmith.fileutil import write_text_atomic

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="SQLAlchemy database URL (default: $TUNESMITH_DB_URL, else SQLite in the data dir)."
    ),
]
registry_app = typer.Typer(
    help="The registry of generated works: verify the log, show its head.", no_args_is_help=True
)


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise TunesmithError(f"{path}: no such file")
    return path


def check_command(
    file: Annotated[Path, typer.Argument(help="MIDI, MusicXML or ABC file (its first piece's melody).")],
    top: Annotated[int, typer.Option("--top", help="How many works to list (1-50).")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """The nearest works to a melody, in any key, tempo or rhythm, with a similarity (0-1), the
    aligned bars in both pieces and why."""
    from tunesmith.originality.works import check_file
    from tunesmith.store.db import open_store

    with open_store(db) as store:
        report = check_file(_existing(file), top=top, store=store)
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"{file}: {report['notes']} melody notes against {report['indexed_works']} works — "
        f"{report['verdict']}"
    )
    for rank, m in enumerate(report["matches"], start=1):
        flag = "MATCH" if m["match"] else "     "
        typer.echo(f"{rank}. {flag} {m['similarity']:.2f}  {m['title']}  [{m['id']}]")
        typer.echo(f"   {m['explanation']}")


def identify_command(
    clip: Annotated[Path, typer.Argument(help="Audio file (WAV, FLAC, MP3, OGG), at least 3 s.")],
    add: Annotated[
        bool, typer.Option("--add", help="Fingerprint this recording into the store instead.")
    ] = False,
    title: Annotated[str | None, typer.Option("--title", help="Title of an added recording.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Name the piece an audio excerpt comes from and the offset (seconds) into it."""
    from tunesmith.originality.identify import add_recording, identify_file
    from tunesmith.store.db import open_store

    with open_store(db) as store:
        if add:
            rid, created = add_recording(_existing(clip), store, title)
            typer.echo(f"{'added' if created else 'already stored'}: recording {rid} ({title or clip.stem})")
            return
        hit = identify_file(_existing(clip), store)
    if as_json:
        typer.echo(json.dumps({"clip": str(clip), "match": hit}, indent=2, ensure_ascii=False))
    elif hit is None:
        typer.echo(f"{clip}: no stored piece or recording matches")
    else:
        typer.echo(
            f"{clip}: {hit['title']} [{hit['id']}] from {hit['offset_seconds']:.1f} s "
            f"({hit['peaks_on_piece']} of {hit['query_peaks']} peaks agree, chance {hit['chance']:.0f}: "
            f"score {hit['score']:.1f} ≥ {hit['threshold']}; speed ×{hit['speed']})"
        )
    if hit is None:
        raise SystemExit(1)  # click returns a typer.Exit code instead of exiting when not standalone


def certificate_command(
    piece: Annotated[
        int, typer.Argument(help="Piece id of a generated work (or the entry number with --entry).")
    ],
    entry: Annotated[bool, typer.Option("--entry", help="PIECE is a registry entry number.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the JSON here.")] = None,
    db: DbOption = None,
) -> None:
    """A generated work's certificate as JSON: hashes, controls, seed, models, originality report,
    and the Merkle inclusion proof of its registry entry."""
    from tunesmith.originality.registry import certificate
    from tunesmith.store.db import open_store

    with open_store(db) as store, store.session() as session:
        cert = certificate(session, seq=piece if entry else None, piece_id=None if entry else piece)
    text = json.dumps(cert, indent=2, ensure_ascii=False)
    if output:
        write_text_atomic(output, text + "\n")
        typer.echo(f"wrote {output}")
    else:
        typer.echo(text)


def verify_command(
    file: Annotated[Path, typer.Argument(help="A MIDI, MusicXML, ABC or audio file, or a certificate JSON.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Whether a file is a registered tunesmith work, unchanged or altered (exit 1 when not
    registered); a certificate .json is checked against its proofs and the log."""
    from tunesmith.originality.registry import check_certificate, verify_file, verify_log
    from tunesmith.store.db import open_store

    _existing(file)
    result: dict[str, Any]
    with open_store(db) as store:
        cert = _certificate_in(file)
        if cert is not None:
            problems = check_certificate(cert)
            with store.session() as session:
                head = cert["log"]["head"]
                log = verify_log(session, (int(head["size"]), str(head["root"]))) if not problems else None
            if log is not None:
                problems += log["problems"]
            result = {
                "file": str(file),
                "status": "certificate valid" if not problems else "certificate INVALID",
                "problems": problems,
            }
        else:
            result = verify_file(file, store)
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        where = (
            f" (entry {result['seq']}, piece {result['piece_id']}: {result['title']})"
            if result.get("seq")
            else ""
        )
        typer.echo(f"{file}: {result['status']}{where}")
        if result.get("detail"):
            typer.echo(f"  {result['detail']}")
        for p in result.get("problems", []):
            typer.echo(f"  - {p}")
    if result["status"] in ("not registered", "certificate INVALID"):
        raise SystemExit(1)  # click returns a typer.Exit code instead of exiting when not standalone


def _certificate_in(file: Path) -> dict[str, Any] | None:
    if file.suffix.lower() != ".json":
        return None
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ControlError("certificate", f"{file}: not JSON ({err})") from err
    if isinstance(data, dict) and "certificate" in data and "log" in data:
        return data
    raise ControlError("certificate", f"{file}: a JSON file, but not a tunesmith certificate")


@registry_app.command("verify")
def registry_verify(
    head: Annotated[
        str | None,
        typer.Option(
            "--head",
            help="A tree head kept from earlier, SIZE:ROOT (see `registry head`); the log must contain it.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Recompute every entry's hash, the chain and the Merkle tree heads; exit 1 on any problem."""
    from tunesmith.originality.registry import verify_log
    from tunesmith.store.db import open_store

    given = None
    if head:
        size, _, root = head.partition(":")
        if not size.isdigit() or len(root) != 64:
            raise ControlError(
                "head", "give it as SIZE:ROOT (64 hex digits), as `tunesmith registry head` prints"
            )
        given = (int(size), root)
    with open_store(db) as store, store.session() as session:
        result = verify_log(session, given)
    for p in result["problems"]:
        typer.echo(f"- {p}")
    state = "intact" if result["ok"] else f"DAMAGED ({len(result['problems'])} problems)"
    typer.echo(
        f"registry: {result['entries']} entries, {state}; "
        f"head {result['head']['size']}:{result['head']['root']}"
    )
    if not result["ok"]:
        raise SystemExit(1)  # click returns a typer.Exit code instead of exiting when not standalone


@registry_app.command("head")
def registry_head(db: DbOption = None) -> None:
    """The log's current tree head SIZE:ROOT — publish or keep it to detect a rewritten log later."""
    from tunesmith.originality.registry import verify_log
    from tunesmith.store.db import open_store

    with open_store(db) as store, store.session() as session:
        head = verify_log(session)["head"]
    typer.echo(f"{head['size']}:{head['root']}")


def register(app: typer.Typer) -> None:
    app.command("check")(check_command)
    app.command("identify")(identify_command)
    app.command("certificate")(certificate_command)
    app.command("verify")(verify_command)
    app.add_typer(registry_app, name="registry")
