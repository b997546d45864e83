"""tunesmith revise: the named bars of the named tracks change, everything else stays bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tunesmith.cocreate import Step, load_version, read_piece_json, revise, revise_to_files
from tunesmith.cocreate.revise import TOLERANCE, Version, role
from tunesmith.compose.instruments import DRUMS
from tunesmith.errors import ControlError, InputFileError
from tunesmith.score import Score


def _bar(tick: int, version: Version) -> int:
    return (tick + TOLERANCE) // version.plan.bar_ticks


def _outside(score: Score, version: Version, bars: set[int]) -> dict[str, list[tuple[int, int, int, int]]]:
    return {
        t.name: [
            (n.pitch, n.start, n.duration, n.velocity) for n in t.notes if _bar(n.start, version) not in bars
        ]
        for t in score.tracks
    }


def _inside(score: Score, version: Version, bars: set[int], name: str) -> list[tuple[int, int, int]]:
    track = next(t for t in score.tracks if role(t) == name)
    return [(n.pitch, n.start, n.duration) for n in track.notes if _bar(n.start, version) in bars]


def _sounding(score: Score, tick: int) -> str:
    return [c.figure for c in score.chords if c.tick <= tick][-1]


def _check_kept(old: Version, new: Version, bars: set[int], redone: set[str]) -> None:
    """Every note outside the span, every track not redone, every chord outside it: identical."""
    assert [t.name for t in new.score.tracks] == [t.name for t in old.score.tracks]
    assert _outside(new.score, old, bars) == _outside(old.score, old, bars)
    for before, after in zip(old.score.tracks, new.score.tracks, strict=True):
        if role(before) not in redone:
            assert before.notes == after.notes, before.name
    # The chords of every bar outside the span (symbols merge a repeated chord, so compare what sounds).
    for b, (x, y) in enumerate(zip(old.harmony.bars, new.harmony.bars, strict=True)):
        if b not in bars:
            assert x == y, f"bar {b + 1}"
    span = (min(bars) * old.plan.bar_ticks, (max(bars) + 1) * old.plan.bar_ticks)
    for c in old.score.chords:
        if not span[0] <= c.tick < span[1]:
            assert _sounding(new.score, c.tick) == c.figure
    assert new.score.tempos == old.score.tempos and new.score.sections == old.score.sections


@pytest.mark.parametrize(
    ("track", "redone"),
    [
        ("melody", {"melody"}),
        ("accompaniment", {"accompaniment"}),
        ("drums", {"drums"}),
        ("all", {"melody", "accompaniment", "drums"}),
        ("chords", {"accompaniment", "bass", "counter"}),
    ],
)
def test_each_kind_of_revision_keeps_everything_else(version: Version, track: str, redone: set[str]) -> None:
    bars = {8, 9, 10, 11}
    new = revise(version, Step(track, seed=11, bars="9-12"))
    _check_kept(version, new, bars, redone)
    changed = {
        r for r in redone if _inside(new.score, version, bars, r) != _inside(version.score, version, bars, r)
    }
    assert changed, f"{track}: nothing in the span changed"
    if track == "chords":
        assert _inside(new.score, version, bars, "melody") == _inside(version.score, version, bars, "melody")
        assert new.harmony.bars[8:12] != version.harmony.bars[8:12]


def test_given_chords_replace_the_span_and_the_melody_follows(version: Version) -> None:
    new = revise(version, Step("chords", seed=4, bars="5-6", chords="Em A7 | D"))
    _check_kept(version, new, {4, 5}, {"melody", "accompaniment", "bass", "counter"})
    figures = [
        c.figure
        for c in new.score.chords
        if 4 * version.plan.bar_ticks <= c.tick < 6 * version.plan.bar_ticks
    ]
    assert figures == ["Em", "A7", "D"]


def test_keep_protects_a_track(version: Version) -> None:
    new = revise(version, Step("all", seed=2, bars="3-4", keep=("drums",)))
    drums = next(t for t in new.score.tracks if t.is_drum)
    assert drums.notes == next(t for t in version.score.tracks if t.is_drum).notes
    _check_kept(version, new, {2, 3}, {"melody", "accompaniment"})


def test_regenerating_a_section_changes_every_occurrence_alike(version: Version) -> None:
    label = version.plan.sections[0].label
    occurrences = [s for s in version.plan.sections if s.label == label]
    new = revise(version, Step("melody", seed=9, section=label))
    bars = {b for s in occurrences for b in range(s.start_bar, s.start_bar + s.bars)}
    _check_kept(version, new, bars, {"melody"})
    first, *later = occurrences
    ticks = version.plan.bar_ticks

    def clean(s: object) -> list[tuple[int, int]]:
        start = s.start_bar * ticks  # type: ignore[attr-defined]
        return [(n.pitch, n.start - start) for n in new.melody if start <= n.start < start + s.bars * ticks]  # type: ignore[attr-defined]

    for s in later:
        if s.bars == first.bars:
            assert clean(s) == clean(first)


def test_revision_is_written_replayable_and_recorded_as_a_child(piece_json: Path, tmp_path: Path) -> None:
    from tunesmith.cocreate.versions import version_tree
    from tunesmith.store import open_store

    child, paths = revise_to_files(piece_json, Step("melody", seed=3, bars="9-12"), tmp_path / "v2",
                                   formats=["mid", "json", "musicxml"])  # fmt: skip
    assert {"mid", "json", "musicxml"} <= set(paths)
    data = json.loads(paths["json"].read_text())
    assert data["revisions"] == [Step("melody", seed=3, bars="9-12").to_dict()]
    assert data["request"] == json.loads(piece_json.read_text())["request"]
    replayed = load_version(read_piece_json(paths["json"]))
    assert [t.notes for t in replayed.score.tracks] == [t.notes for t in child.score.tracks]
    # A revision of the revision: a grandchild, and the tree shows all three.
    grandchild, _ = revise_to_files(paths["json"], Step("drums", seed=1, bars="1-2"), tmp_path / "v3",
                                         formats=["json", "mid"])  # fmt: skip
    assert len(grandchild.steps) == 2
    with open_store() as store, store.session() as session:
        from tunesmith.store.models import PieceVersion

        links = session.query(PieceVersion).all()
        assert len(links) == 2
        tree = version_tree(session, links[-1].piece_id)
        assert len(tree["children"]) == 1 and len(tree["children"][0]["children"]) == 1
        assert tree["children"][0]["children"][0]["steps"][-1]["track"] == "drums"


def test_bad_input_gets_clear_errors(version: Version, piece_json: Path, tmp_path: Path) -> None:
    total = version.plan.total_bars
    with pytest.raises(ControlError, match="outside the piece"):
        revise(version, Step("melody", seed=1, bars=f"{total}-{total + 1}"))
    with pytest.raises(ControlError, match="bar range"):
        revise(version, Step("melody", seed=1, bars="nine"))
    with pytest.raises(ControlError, match="not one of"):
        revise(version, Step("banjo", seed=1, bars="1"))
    with pytest.raises(ControlError, match="no track 'pad'"):
        revise(version, Step("melody", seed=1, bars="1", keep=("pad",)))
    with pytest.raises(ControlError, match="no section 'Z'"):
        revise(version, Step("melody", seed=1, section="Z"))
    data = json.loads(piece_json.read_text())
    data["model_versions"]["tunesmith"] = "0.0.1"
    other = tmp_path / "old.json"
    other.write_text(json.dumps(data))
    with pytest.raises(InputFileError, match=r"tunesmith 0\.0\.1"):
        load_version(read_piece_json(other), str(other))
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(InputFileError, match="not a tunesmith piece"):
        read_piece_json(tmp_path / "junk.json")


def test_a_track_the_piece_does_not_have(version: Version) -> None:
    no_drums = Version(version.request, version.plan, version.harmony, version.melody,
                       Score([t for t in version.score.tracks if not t.is_drum], version.score.tempos,
                             version.score.time_signatures, version.score.key_signatures,
                             version.score.chords, version.score.sections, version.score.metadata),
                       version.model_versions, version.base)  # fmt: skip
    with pytest.raises(ControlError, match="has no drums track"):
        revise(no_drums, Step("drums", seed=1, bars="1"))
    # "all" means every regenerable track the piece has.
    redone = revise(no_drums, Step("all", seed=1, bars="2"))
    assert [t.name for t in redone.score.tracks] == [t.name for t in no_drums.score.tracks]


def test_cli_prints_one_line_errors(
    piece_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tunesmith.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["revise", str(piece_json), "--bars", "500-510", "-o", str(tmp_path), "--format", "json"])
    assert exit_info.value.code == 1  # an input error (usage errors are 2)
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "outside the piece" in err and "\n" not in err


def test_another_style_for_the_span(version: Version) -> None:
    new = revise(version, Step("all", seed=3, bars="5-8", style="march"))
    _check_kept(version, new, {4, 5, 6, 7}, {"melody", "accompaniment", "drums"})
    drums = next(t for t in new.score.tracks if t.is_drum)
    snare = DRUMS["snare"]  # the march pattern plays eighth-note snare through the bar
    in_span = [n for n in drums.notes if 4 <= _bar(n.start, version) <= 7 and n.pitch == snare]
    assert len(in_span) >= 4 * 4
    assert new.steps[-1].to_dict()["style"] == "march"
    with pytest.raises(ControlError):
        revise(version, Step("melody", seed=3, bars="5-8", style="no-such-style"))


def test_cli_revises_and_replays_the_revision_exactly(piece_json: Path, tmp_path: Path) -> None:
    from tunesmith.cli.main import main

    try:
        main(["revise", str(piece_json), "--bars", "9-10", "--track", "all", "--seed", "4",
              "-o", str(tmp_path / "v2"), "--format", "mid,json"])  # fmt: skip
    except SystemExit as done:
        assert done.code in (0, None)
    (revised,) = (tmp_path / "v2").glob("*.json")
    try:
        main(["revise", str(revised), "-o", str(tmp_path / "again"), "--format", "mid,json"])
    except SystemExit as done:
        assert done.code in (0, None)
    (first,) = (tmp_path / "v2").glob("*.mid")
    (second,) = (tmp_path / "again").glob("*.mid")
    assert first.read_bytes() == second.read_bytes()
    with pytest.raises(SystemExit) as refused:
        main(["compose", "--from", str(revised), "-o", str(tmp_path / "c"), "--format", "json"])
    assert refused.value.code == 1


def test_slides_survive_a_revision_of_another_track() -> None:
    """A chinese-folk piece's slides (pitch bends) are kept on the tracks a revision leaves alone,
    and on a revised track outside the span."""
    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest

    piece = compose(ComposeRequest(style="chinese-folk", model="rules", seed=3, candidates=1))
    parent = load_version(json.loads(piece.to_json()))
    bent = [t for t in parent.score.tracks if t.bends]
    assert bent, "chinese-folk slides are pitch bends"
    child = revise(parent, Step("drums", 4, bars="3-4"))
    for track in bent:
        kept = next(t for t in child.score.tracks if t.name == track.name)
        assert kept.bends == track.bends
    melody = revise(parent, Step("melody", 4, bars="3-4"))
    bar = parent.plan.bar_ticks
    before = [b for b in bent[0].bends if not 2 <= b.tick // bar <= 3]
    after = next(t for t in melody.score.tracks if t.name == bent[0].name).bends
    assert before and all(b in after for b in before)
