"""Piano-roll chord symbols stay legible: staggered or thinned so no two overlap on the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tunesmith import io
from tunesmith.render.export import pianoroll_figure, write_pianoroll
from tunesmith.score import ChordSymbol

DATA = Path(__file__).resolve().parent.parent / "data"
FIGURES = ["Cmaj7", "Am7/G", "Dm7b5", "G7sus4", "Fmaj9", "Bbadd9", "E7#9", "C#dim7"]


def _overlaps(boxes: list[tuple[float, float, float, float]]) -> list[tuple[int, int]]:
    found = []
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            if a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5:
                found.append((i, j))
    return found


@pytest.mark.parametrize("per_bar", [1, 2, 4])
def test_chord_labels_never_overlap(per_bar: int) -> None:
    score = io.load(DATA / "melody_chords.mid")[0]
    bar = score.ticks_per_quarter * 4
    bars = max(8, score.bar_count())
    step = bar // per_bar
    score.chords = [ChordSymbol(i * step, FIGURES[i % len(FIGURES)]) for i in range(bars * per_bar)]
    fig = pianoroll_figure(score, "labels")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)  # what savefig uses for PNG
    canvas.draw()
    renderer = canvas.get_renderer()
    labels = [t for t in fig.findobj() if getattr(t, "get_gid", lambda: None)() == "chord-label"]
    assert labels, "no chord labels drawn"
    boxes = [tuple(t.get_window_extent(renderer).extents) for t in labels]
    assert _overlaps(boxes) == []
    if per_bar == 1:
        # Slow harmony fits: every change is labelled.
        assert len(labels) >= min(len(score.chords), bars) - 1


def test_pianoroll_png_is_still_written(tmp_path: Path) -> None:
    score = io.load(DATA / "melody_chords.mid")[0]
    out = write_pianoroll(score, tmp_path / "roll.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
