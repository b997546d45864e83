"""What each named mood changes, per style, measured on the notes and on the rendered (mastered) audio.

    TUNESMITH_HOME=/tmp/bench-home python benchmarks/bench_mood.py [--seed 7] [--bars 16] [--no-audio]

Per style and mood (seed fixed, rules melody so that only the mood differs): tempo, mode, melody and
accompaniment register (mean MIDI pitch), density (pitched notes per beat), the accompaniment, bass
and drum patterns, the instruments, articulation (melody sounding time / time to the next onset:
1 = legato), harmonic dissonance (share of minor-second, tritone and major-seventh pairs among the
notes sounding at each accompaniment onset), and from the rendered, mastered audio (the mixer levels
each stem and the master's loudness target follows arousal, compose.mood.mood_loudness): RMS in dBFS
and the spectral centroid in Hz. Each mood's expected
directions against neutral (Gabrielsson & Lindström 2010; Eerola & Vuoskoski 2013) are checked and
counted. Writes benchmarks/results/mood.md.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from tunesmith.compose.api import compose
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import available_styles
from tunesmith.render.piece import mix_plan

MOODS = ("neutral", "calm", "sad", "tender", "joyful", "energetic", "tense", "dark")
# Expected sign of the change against neutral: +1 up, -1 down (features absent: no expectation).
EXPECTED: dict[str, dict[str, int]] = {
    "calm": {"tempo": -1, "density": -1, "legato": 1, "rms": -1},
    "sad": {"tempo": -1, "minor": 1, "register": -1, "density": -1, "rms": -1, "centroid": -1},
    "tender": {"tempo": -1, "density": -1, "legato": 1, "rms": -1},
    "joyful": {"tempo": 1, "register": 1, "density": 1, "rms": 1, "centroid": 1},
    "energetic": {"tempo": 1, "density": 1, "legato": -1, "rms": 1},
    "tense": {"tempo": 1, "minor": 1, "acc_register": -1, "dissonance": 1, "rms": 1},
    "dark": {"minor": 1, "register": -1, "centroid": -1},
}


def _mean_pitch(tracks: list[Any], prefixes: tuple[str, ...]) -> float:
    pitches = [n.pitch for t in tracks if t.name.startswith(prefixes) for n in t.notes]
    return statistics.mean(pitches) if pitches else float("nan")


def _legato(notes: list[Any]) -> float:
    notes = sorted(notes, key=lambda n: n.start)
    ratios = [a.duration / (b.start - a.start) for a, b in itertools.pairwise(notes) if b.start > a.start]
    return statistics.mean(min(1.0, r) for r in ratios) if ratios else float("nan")


def _dissonance(tracks: list[Any]) -> float:
    harmony = [n for t in tracks if t.name.startswith(("accompaniment", "pad", "bass")) for n in t.notes]
    onsets = sorted({n.start for t in tracks if t.name.startswith("accompaniment") for n in t.notes})
    bad = total = 0
    for tick in onsets[::2]:
        sounding = sorted({n.pitch for n in harmony if n.start <= tick < n.end})
        for a, b in itertools.combinations(sounding, 2):
            total += 1
            bad += (b - a) % 12 in (1, 6, 11)
    return bad / total if total else 0.0


def _audio(piece: Any) -> tuple[float, float]:
    from tunesmith.compose.mood import mood_loudness
    from tunesmith.render.export import render_audio

    result = render_audio(
        piece.score, mix=mix_plan(piece.plan, piece.score), target_lufs=mood_loudness(piece.plan.arousal)
    )
    mono = result.audio.mean(axis=0)
    rms = float(np.sqrt(np.mean(mono**2)))
    frame = 4096
    n = len(mono) // frame
    frames = mono[: n * frame].reshape(n, frame) * np.hanning(frame)
    spec = np.abs(np.fft.rfft(frames, axis=1))
    freqs = np.fft.rfftfreq(frame, 1 / result.sample_rate)
    energy = spec.sum(axis=1)
    keep = energy > energy.max() * 1e-3
    centroid = float(((spec[keep] * freqs).sum(axis=1) / energy[keep]).mean())
    return 20 * np.log10(max(rms, 1e-9)), centroid


def measure(style: str, mood: str, seed: int, bars: int, audio: bool) -> dict[str, Any]:
    piece = compose(
        ComposeRequest(
            style=style,
            mood=None if mood == "neutral" else mood,
            seed=seed,
            bars=bars,
            model="rules",
            candidates=1,
        )
    )
    plan = piece.plan
    tracks = [t for t in piece.score.tracks if not t.is_drum]
    beats = plan.total_bars * plan.meter.beats
    row: dict[str, Any] = {
        "tempo": plan.tempo,
        "outside": plan.tempo_outside_style,
        "minor": int(plan.key.is_minor),
        "register": _mean_pitch(tracks, ("melody",)),
        "acc_register": _mean_pitch(tracks, ("accompaniment", "bass", "pad", "alto", "tenor")),
        "density": sum(len(t.notes) for t in tracks) / beats,
        "acc": plan.parts["accompaniment"].pattern if "accompaniment" in plan.parts else "-",
        "bass": plan.parts["bass"].pattern if "bass" in plan.parts else "-",
        "drums": plan.drums,
        "tracks": "+".join(sorted(t.name.split(" (")[0] for t in piece.score.tracks)),
        "legato": _legato(piece.score.tracks[0].notes),
        "dissonance": _dissonance(tracks),
        "colour": plan.mood.colour,
    }
    if audio:
        row["rms"], row["centroid"] = _audio(piece)
    return row


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.2f}" if abs(v) < 10 else f"{v:.0f}"
    return str(v)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bars", type=int, default=16)
    parser.add_argument("--no-audio", action="store_true")
    parser.add_argument("--styles", nargs="*", default=None)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "mood.md"))
    args = parser.parse_args()
    audio = not args.no_audio
    started = time.time()
    lines = [
        "# Mood: what each named mood changes, per style",
        "",
        "Command:",
        "",
        "    TUNESMITH_HOME=/tmp/bench-home python benchmarks/bench_mood.py"
        + f" --seed {args.seed} --bars {args.bars}"
        + (" --no-audio" if not audio else ""),
        "",
        "Rules melody (`model=rules`) and one seed, so only the mood differs. Columns: tempo (bpm; "
        "* = outside the style's range), minor mode, mean melody pitch, mean accompaniment/bass/pad "
        "pitch, pitched notes per beat, accompaniment/bass/drum patterns, melody legato ratio "
        "(1 = legato), dissonance (share of m2/tritone/M7 pairs at accompaniment onsets), harmonic "
        "colour, and from the mastered render RMS (dBFS) and spectral centroid (Hz). `checks`: "
        "expected directions against neutral met / tested (see EXPECTED in the script).",
        "",
    ]
    total_ok = total_n = 0
    per_feature: dict[str, list[int]] = {}
    for style in args.styles or available_styles():
        rows = {mood: measure(style, mood, args.seed, args.bars, audio) for mood in MOODS}
        base = rows["neutral"]
        lines += [
            f"## {style}",
            "",
            "| mood | tempo | minor | mel pitch | acc pitch | notes/beat | acc | bass | drums | legato | "
            "dissonance | colour | RMS dB | centroid Hz | checks |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for mood, row in rows.items():
            ok = n = 0
            for feature, sign in EXPECTED.get(mood, {}).items():
                if feature not in row or feature not in base:
                    continue
                delta = row[feature] - base[feature]
                if feature == "minor" and base["minor"]:
                    continue
                n += 1
                hit = int(delta * sign > (0 if feature != "tempo" else 0.5))
                ok += hit
                per_feature.setdefault(f"{mood}:{feature}", []).append(hit)
            total_ok += ok
            total_n += n
            tempo = f"{row['tempo']:g}" + ("*" if row["outside"] else "")
            lines.append(
                "| "
                + " | ".join(
                    [
                        mood,
                        tempo,
                        _fmt(row["minor"]),
                        _fmt(row["register"]),
                        _fmt(row["acc_register"]),
                        _fmt(row["density"]),
                        row["acc"],
                        row["bass"],
                        row["drums"],
                        _fmt(row["legato"]),
                        _fmt(row["dissonance"]),
                        row["colour"],
                        _fmt(row.get("rms", float("nan"))),
                        _fmt(row.get("centroid", float("nan"))),
                        f"{ok}/{n}" if mood != "neutral" else "-",
                    ]
                )
                + " |"
            )
        lines.append("")
        print(style, "done", flush=True)
    lines += [
        "## Summary",
        "",
        f"Expected directions met: {total_ok}/{total_n} ({100 * total_ok / max(1, total_n):.0f}%).",
        "",
        "| mood: feature | styles where the change goes the expected way |",
        "|---|---|",
        *[f"| {k} | {sum(v)}/{len(v)} |" for k, v in sorted(per_feature.items())],
        "",
        f"Run time {time.time() - started:.0f} s.",
        "",
    ]
    Path(args.out).write_text("\n".join(lines))


if __name__ == "__main__":
    main()
