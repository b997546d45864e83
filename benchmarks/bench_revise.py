"""End-to-end time of a revision: replay the piece JSON, regenerate 8 bars, write files with audio
(rendered whole: the baseline, or only the changed bars spliced into the parent's audio).

    nice -n 10 .venv/bin/python benchmarks/bench_revise.py [--write benchmarks/results/revise_speed.md]

For each of a few default pieces (style folk, rnn melody, one candidate) the stages are timed:
replaying the JSON (compose again, then the recorded revisions), the revision itself (8 bars of
the melody, or of all tracks), and writing MIDI + JSON, then WAV (render and master). The baseline
in the same run is compose itself (the replay's largest part). Symbolic = replay + revision.
Audio is written both ways for the melody revision: the whole piece rendered and mastered (the
baseline, what revisions did before) and the changed bars spliced into the parent's audio
(tunesmith.cocreate.splice); the splice's 50 ms loudness contour is compared with the full
render's over the spliced region. "New version with audio" is what a revise job does before the
page can play it: replay + revise + MIDI/JSON + audio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

SEEDS = (1, 2, 3, 4, 5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from tunesmith.cocreate import Step, load_version, read_piece_json, revise
    from tunesmith.cocreate.splice import write_version_files
    from tunesmith.compose import engines
    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.render.piece import write_files

    def unchecked(_melody: object) -> None:
        return None  # the corpus copy check is measured in compose's own benchmark

    engines.copied_run = unchecked  # type: ignore[assignment]
    times: dict[str, list[float]] = {}
    contour: list[float] = []

    def timed(name: str, start: float) -> None:
        times.setdefault(name, []).append(time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as tmp:
        for seed in SEEDS:
            out = Path(tmp) / str(seed)
            piece = compose(ComposeRequest(style="folk", seed=seed, candidates=1))
            path = write_files(piece, out, formats=["json", "wav"], record=False)["json"]
            t = time.perf_counter()
            compose(ComposeRequest(style="folk", seed=seed, candidates=1))
            timed("compose (baseline)", t)
            t = time.perf_counter()
            version = load_version(read_piece_json(path))
            timed("replay JSON", t)
            for track in ("all", "melody"):
                t = time.perf_counter()
                child = revise(version, Step(track, seed=seed, bars="9-16"))
                timed(f"revise 8 bars ({track})", t)
            t = time.perf_counter()
            write_files(child.composition(), out / "v2", formats=["mid", "json"], record=False)
            timed("write MIDI + JSON", t)
            t = time.perf_counter()
            full = write_files(child.composition(), out / "v2", formats=["wav"], record=False)["wav"]
            timed("write WAV: whole piece rendered + mastered (baseline)", t)
            t = time.perf_counter()
            parent_wav = path.with_suffix(".wav")
            paths = write_version_files(child, version, ["wav"], out / "v3", None, parent_wav, "parent")
            timed("write WAV: changed bars spliced into the parent's", t)
            report = json.loads(paths["report"].read_text())
            assert "splice" in report, "the splice fell back to a full render"
            contour.append(_contour_db(full, paths["wav"], report["splice"]))
    lines = [
        "# Revision speed, end to end",
        "",
        "Command: `nice -n 15 .venv/bin/python benchmarks/bench_revise.py "
        "--write benchmarks/results/revise_speed.md`",
        "",
        f"Default folk pieces (rnn melody, 1 candidate), seeds {', '.join(map(str, SEEDS))}; "
        "one torch thread.",
        "",
        "| stage | median s | max s |",
        "|---|---|---|",
    ]
    for name, values in times.items():
        lines.append(f"| {name} | {statistics.median(values):.3f} | {max(values):.3f} |")
    symbolic = [a + b for a, b in zip(times["replay JSON"], times["revise 8 bars (all)"], strict=True)]
    lines += [
        "",
        f"Symbolic (replay + revise all tracks): median {statistics.median(symbolic):.3f} s.",
        "",
        "New version with audio (replay + revise melody + MIDI/JSON + WAV):",
        "",
    ]
    for how, stage in (("whole render (baseline)", "write WAV: whole piece rendered + mastered (baseline)"),
                       ("splice", "write WAV: changed bars spliced into the parent's")):  # fmt: skip
        total = [sum(v) for v in zip(times["replay JSON"], times["revise 8 bars (melody)"],
                                     times["write MIDI + JSON"], times[stage], strict=True)]  # fmt: skip
        lines.append(f"- {how}: median {statistics.median(total):.3f} s, max {max(total):.3f} s")
    lines += [
        "",
        f"Splice vs whole render, 50 ms loudness contour over the spliced region: median |difference| "
        f"{statistics.median(contour):.3f} dB (per piece: {', '.join(f'{c:.3f}' for c in contour)}).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


def _contour_db(full: Path, spliced: Path, splice: dict[str, object]) -> float:
    """Median |difference| of the two files' 50 ms RMS (dB) over the spliced region's audible part."""
    from pedalboard.io import AudioFile

    def read(p: Path) -> np.ndarray:
        with AudioFile(str(p)) as f:
            return np.asarray(f.read(f.frames))

    a, b = read(full), read(spliced)
    sr = int(splice["sample_rate"])  # type: ignore[call-overload]
    start, end = (round(float(t) * sr) for t in splice["seconds"])  # type: ignore[attr-defined]
    w = sr // 20

    def env(x: np.ndarray) -> np.ndarray:
        m = x.shape[1] // w
        return np.asarray(10 * np.log10((x[:, : m * w].reshape(2, m, w) ** 2).mean(axis=(0, 2)) + 1e-10))

    ea, eb = env(a[:, start:end]), env(b[:, start:end])
    loud = ea > -50
    return float(np.median(np.abs(ea - eb)[loud]))


if __name__ == "__main__":
    main()
