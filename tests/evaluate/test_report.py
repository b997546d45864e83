"""Reports: Markdown comparison, JSON + Markdown + histogram files, loading with failures skipped."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tunesmith.errors import InputFileError
from tunesmith.evaluate.originality import OriginalityIndex
from tunesmith.evaluate.report import (
    compare,
    evaluate_scores,
    load_scores,
    markdown_table,
    metric_glossary,
    write_report,
)
from tunesmith.io.midi import write_midi
from tunesmith.score import ChordSymbol, Note, Score, TimeSignature, Track

Q = 480


def tune(pitches: list[int], chords: bool = False) -> Score:
    notes = [Note(p, i * Q, Q) for i, p in enumerate(pitches)]
    return Score(
        tracks=[Track("melody", 0, notes=notes)],
        time_signatures=[TimeSignature(0, 4, 4)],
        chords=[ChordSymbol(0, "C")] if chords else [],
    )


SCALE = [60, 62, 64, 65, 67, 69, 71, 72]
ARPEGGIO = [60, 64, 67, 72, 67, 64, 60, 64]


def test_compare_puts_both_columns_and_copied_run_in_markdown() -> None:
    index = OriginalityIndex.from_scores([tune(ARPEGGIO)], ids=["arp"])
    held_out = tune([60, 64, 67, 72, 74, 76], chords=True)  # shares the arpeggio's first 4 notes
    md = compare([tune(SCALE), tune(ARPEGGIO)], [held_out], index=index, labels=("model", "held-out"))
    header = md.splitlines()[0]
    assert "model (n=2)" in header and "held-out (n=1)" in header
    row = next(line for line in md.splitlines() if line.startswith("| longest copied run"))
    # The scale shares no step with the arpeggio (run 1 note), the arpeggio all 8: 4.5 ± 3.5.
    assert row.endswith("| 4.500 ± 3.500 | 4.000 ± 0.000 |")
    entropy = next(line for line in md.splitlines() if line.startswith("| pitch-class entropy"))
    assert entropy.count("±") == 2
    assert "**in-chord ratio (strong beats)**" in md
    interval = next(line for line in md.splitlines() if line.startswith("| mean"))
    assert interval.startswith(r"| mean \|interval\| |") and interval.count(" | ") == 3


def test_markdown_without_reference_has_one_value_column() -> None:
    rows = evaluate_scores([tune(SCALE)])
    md = markdown_table(rows)
    assert md.splitlines()[0].count("|") == 4
    assert "longest copied run" not in md + metric_glossary(rows)


def test_write_report_files(tmp_path: Path) -> None:
    gen = evaluate_scores([tune(SCALE), tune(ARPEGGIO)])
    ref = evaluate_scores([tune(ARPEGGIO, chords=True)] * 3)
    out = tmp_path / "rep"
    written = write_report(out, gen, ["a.mid", "b.mid"], ref, failures=[("bad.mid", "bad.mid: corrupt")])
    names = {p.name for p in written}
    assert {"report.json", "report.md", "pitch_range.png", "in_chord_ratio.png"} <= names
    assert all(p.exists() and p.stat().st_size > 0 for p in written)
    assert (out / "pitch_range.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = json.loads((out / "report.json").read_text())
    assert doc["generated"]["summary"]["pitch_range"]["mean"] == pytest.approx(12.0)
    assert doc["generated"]["pieces"][0]["name"] == "a.mid"
    assert doc["generated"]["pieces"][0]["in_chord_ratio"] is None  # NaN becomes null
    assert doc["reference"]["summary"]["in_chord_ratio"]["mean"] == 1.0
    assert doc["skipped"] == [{"file": "bad.mid", "problem": "bad.mid: corrupt"}]
    md = (out / "report.md").read_text()
    assert "![pitch_range](pitch_range.png)" in md and "bad.mid" in md


def test_load_scores_skips_bad_files_and_recurses(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write_midi(tune(SCALE), tmp_path / "sub" / "one.mid")
    write_midi(tune(ARPEGGIO), tmp_path / "two.mid")
    (tmp_path / "broken.mid").write_bytes(b"MThd\x00\x00garbage")
    (tmp_path / "notes.txt").write_text("ignored: not a music suffix")
    loaded = load_scores([tmp_path])
    assert sorted(Path(n).name for n in loaded.names) == ["one.mid", "two.mid"]
    assert [Path(f).name for f, _ in loaded.failures] == ["broken.mid"]
    rows = evaluate_scores(loaded.scores)
    assert not math.isnan(rows[0]["pitch_range"])
    with pytest.raises(InputFileError):
        load_scores([tmp_path / "missing.mid"])
