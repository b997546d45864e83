"""Hand edits: add, move, delete and resize change exactly the named notes, replay from the JSON
note for note, and bad edits are refused with a clear message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tunesmith.cocreate import Step, load_version, revise
from tunesmith.cocreate.edit import MAX_EDITS, Edit, parse_edits
from tunesmith.cocreate.revise import Version, role
from tunesmith.errors import ControlError


def _melody(v: Version) -> list[tuple[int, int, int, int]]:
    track = next(t for t in v.score.tracks if role(t) == "melody")
    return [(n.pitch, n.start, n.duration, n.velocity) for n in track.notes]


def test_each_kind_of_edit_changes_only_its_note_and_replays(version: Version, tmp_path: Path) -> None:
    before = _melody(version)
    (p0, s0, _, _), (p1, s1, d1, v1), (p2, s2, _, _) = before[:3]
    bar = version.plan.bar_ticks
    edits = parse_edits([
        {"op": "delete", "pitch": p0, "start": s0},
        {"op": "move", "pitch": p1, "start": s1, "to_pitch": p1 + 2, "to_start": s1 + 120},
        {"op": "resize", "pitch": p2, "start": s2, "duration": 240},
        {"op": "add", "pitch": 70, "start": 3 * bar, "duration": 480, "velocity": 90},
    ])  # fmt: skip
    edited = revise(version, Step("melody", 0, edits=edits))
    after = _melody(edited)
    expected = sorted(
        [(p1 + 2, s1 + 120, d1, v1), (p2, s2, 240, before[2][3]), (70, 3 * bar, 480, 90), *before[3:]],
        key=lambda n: (n[1], n[0]),
    )
    assert after == expected
    for old, new in zip(version.score.tracks, edited.score.tracks, strict=True):
        if role(old) != "melody":
            assert old.notes == new.notes, old.name
    assert edited.score.chords == version.score.chords
    # The JSON holds the edits: replaying it gives the edited notes exactly.
    data = json.loads(edited.to_json())
    assert data["revisions"][-1]["edits"][0] == {"op": "delete", "pitch": p0, "start": s0}
    again = load_version(data)
    assert _melody(again) == after
    # A later infill sees the edited line (the melody it fits is the one the person left).
    assert (70, 3 * bar) in {(n.pitch, n.start) for n in edited.melody}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"op": "delete", "pitch": 1, "start": 5}, "has no note of pitch 1 starting at tick 5"),
        ({"op": "add", "pitch": 130, "start": 0, "duration": 10}, "outside 0-127"),
        ({"op": "add", "pitch": 60, "start": 10**7, "duration": 10}, "outside the piece"),
        ({"op": "add", "pitch": 60, "start": 0, "duration": 0}, "duration 0"),
        ({"op": "add", "pitch": 60, "start": 0}, "duration required"),
        ({"op": "explode", "pitch": 60, "start": 0}, "not one of add, delete, move, resize"),
        ({"op": "add", "pitch": "x", "start": 0, "duration": 5}, "whole number"),
        ({"op": "add", "pitch": 60, "start": 0, "duration": 5, "colour": 1}, "unknown edit field"),
    ],
)
def test_bad_edits_are_refused_clearly(version: Version, raw: dict[str, object], message: str) -> None:
    with pytest.raises(ControlError, match=message):
        revise(version, Step("melody", 0, edits=parse_edits([raw])))


def test_bad_edit_lists_and_tracks(version: Version) -> None:
    with pytest.raises(ControlError, match="non-empty list"):
        parse_edits([])
    with pytest.raises(ControlError, match=f"at most {MAX_EDITS}"):
        parse_edits([{"op": "delete", "pitch": 60, "start": 0}] * (MAX_EDITS + 1))
    edit = (Edit("delete", 60, 0),)
    with pytest.raises(ControlError, match="has no track 'banjo'"):
        revise(version, Step("banjo", 0, edits=edit))
    # A step from a JSON with a malformed edit list is one clear error too.
    with pytest.raises(ControlError, match="each edit must be an object"):
        Step.from_dict({"track": "melody", "seed": 0, "edits": ["x"]})


def test_cli_edits_and_its_errors(
    piece_json: Path, version: Version, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tunesmith.cli.main import main

    (pitch, start, *_), *_ = _melody(version)
    good = tmp_path / "edits.json"
    good.write_text(
        json.dumps([{"op": "move", "pitch": pitch, "start": start, "to_pitch": pitch + 1, "to_start": start}])
    )
    with pytest.raises(SystemExit) as done:
        main(["revise", str(piece_json), "--track", "melody", "--edits", str(good),
              "-o", str(tmp_path / "v2"), "--format", "json", "--no-record"])  # fmt: skip
    assert done.value.code == 0
    written = json.loads(next((tmp_path / "v2").glob("*.json")).read_text())
    assert _melody(load_version(written))[0][:2] == (pitch + 1, start)
    bad = tmp_path / "bad.json"
    for content, message in [
        ('[{"op": "add", "pitch": 60, "start": 99999999, "duration": 5}]', "outside the piece"),
        ('[{"op": "delete", "pitch": 3, "start": 0}]', "no note of pitch 3"),
        ("{nope", "is not a JSON list of edits"),
        ('{"op": "add"}', "non-empty list"),
    ]:
        bad.write_text(content)
        with pytest.raises(SystemExit) as exit_info:
            main(["revise", str(piece_json), "--track", "melody", "--edits", str(bad), "-o", str(tmp_path)])
        assert exit_info.value.code == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("error:") and message in err and "\n" not in err, err
