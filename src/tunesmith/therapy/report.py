"""How well a session followed its trajectory: intended versus measured features per segment,
measured on the rendered audio (loudness, brightness) and on the notes (tempo, density, register,
mode, tension), plus the largest second-to-second steps in loudness and tempo against the
session's whole change (no seams: a step should be small next to the change it is part of).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np

from tunesmith.errors import ControlError
from tunesmith.fileutil import atomic_path
from tunesmith.render.loudness import k_weighted
from tunesmith.render.mix import track_role
from tunesmith.score import Score
from tunesmith.theory.keydetect import estimate_key
from tunesmith.therapy.session import Session

FEATURES = ("tempo_bpm", "loudness", "density", "register", "brightness", "major", "tension")
MEASURED = {
    "tempo_bpm": "tempo (bpm, notes)",
    "loudness": "loudness (LUFS-like, audio)",
    "density": "onsets per second (notes)",
    "register": "melody mean pitch (MIDI)",
    "brightness": "spectral centroid (Hz, audio)",
    "major": "major-key fit (notes)",
    "tension": "dissonant onsets share (notes)",
}


def _k_power(audio: np.ndarray, rate: int) -> np.ndarray:
    weighted = k_weighted(audio, rate)
    return np.asarray((weighted**2).mean(axis=0))


def _window_db(power: np.ndarray, rate: int, start: float, end: float) -> float:
    a, b = int(start * rate), max(int(start * rate) + 1, int(end * rate))
    chunk = power[a:b]
    return -0.691 + 10 * math.log10(float(chunk.mean()) + 1e-12) if len(chunk) else math.nan


def _centroid(audio: np.ndarray, rate: int, start: float, end: float) -> float:
    mono = audio.mean(axis=0)[int(start * rate) : int(end * rate)]
    frame = 4096
    if len(mono) < frame:
        return math.nan
    frames = mono[: len(mono) // frame * frame].reshape(-1, frame) * np.hanning(frame)
    mag = np.abs(np.fft.rfft(frames, axis=1))
    freqs = np.fft.rfftfreq(frame, 1 / rate)
    total = mag.sum()
    return float((mag * freqs).sum() / total) if total > 0 else math.nan


def _dissonant_share(score: Score, start: int, end: int) -> float:
    notes = [n for t in score.tracks if not t.is_drum for n in t.notes if n.end > start and n.start < end]
    onsets = sorted({n.start for n in notes if start <= n.start < end})
    if not onsets:
        return math.nan
    harsh = 0
    for tick in onsets:
        pcs = sorted({n.pitch % 12 for n in notes if n.start <= tick < n.end})
        intervals = {(b - a) % 12 for a in pcs for b in pcs if a != b}
        harsh += bool(intervals & {1, 6, 11})
    return harsh / len(onsets)


def _melody_register(score: Score, start: int, end: int) -> float:
    pitches = [
        n.pitch for t in score.tracks if track_role(t) == "melody" for n in t.notes if start <= n.start < end
    ]
    return float(np.mean(pitches)) if pitches else math.nan


def _major_fit(score: Score, start: int, end: int) -> float:
    pairs = [
        (n.pitch, n.duration)
        for t in score.tracks
        if not t.is_drum
        for n in t.notes
        if start <= n.start < end
    ]
    try:
        return 0.0 if estimate_key(pairs).key.is_minor else 1.0
    except ControlError:
        return math.nan


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if not (math.isnan(x) or math.isnan(y))]
    if len(pairs) < 3:
        return None
    x, y = np.array(pairs).T
    if x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def session_report(session: Session, audio: np.ndarray, rate: int) -> dict[str, Any]:
    score = session.score
    power = _k_power(audio, rate)
    rows: list[dict[str, Any]] = []
    for seg in session.segments:
        s0, s1 = seg.start_seconds, seg.end_seconds
        onsets = sum(
            1
            for t in score.tracks
            if not t.is_drum
            for n in t.notes
            if seg.start_tick <= n.start < seg.end_tick
        )
        beats = range(seg.start_tick, seg.end_tick, 480)
        measured = {
            "tempo_bpm": float(np.mean([score.tempo_at(b) for b in beats])),
            "loudness": _window_db(power, rate, s0, s1),
            "density": onsets / max(1e-6, s1 - s0),
            "register": _melody_register(score, seg.start_tick, seg.end_tick),
            "brightness": _centroid(audio, rate, s0, s1),
            "major": _major_fit(score, seg.start_tick, seg.end_tick),
            "tension": _dissonant_share(score, seg.start_tick, seg.end_tick),
        }
        rows.append(
            {
                "segment": seg.index,
                "start_seconds": round(s0, 2),
                "intended": {k: getattr(seg.targets, k) for k in FEATURES},
                "measured": {k: round(v, 3) for k, v in measured.items()},
            }
        )
    correlation = {
        k: _pearson([r["intended"][k] for r in rows], [r["measured"][k] for r in rows]) for k in FEATURES
    }
    seconds = int(audio.shape[1] / rate)
    loud = [_window_db(power, rate, i, i + 1) for i in range(seconds)]
    # short-term loudness (EBU R128: a 3 s window), what a listener hears as the level
    short = [_window_db(power, rate, max(0, i - 1), min(seconds, i + 2)) for i in range(seconds)]
    loud_valid = [v for v in short if not math.isnan(v) and v > -70]
    tempo_per_second = _tempo_per_second(score, seconds)
    # seams are looked for up to the closing cadence: the ending's ritardando and decay are meant
    body = max(2, min(seconds, int(score.seconds_at(session.ending_tick))))
    steps_loud = [abs(b - a) for a, b in itertools.pairwise(loud[:body]) if a > -70 and b > -70]
    steps_short = [abs(b - a) for a, b in itertools.pairwise(short[:body]) if a > -70 and b > -70]
    steps_tempo = [abs(b - a) for a, b in itertools.pairwise(tempo_per_second[:body])]
    first, last = rows[0]["measured"], rows[-1]["measured"]
    return {
        "segments": rows,
        "correlation": {k: (round(v, 3) if v is not None else None) for k, v in correlation.items()},
        "measures": MEASURED,
        "seams": {
            "loudness_max_step_db": round(max(steps_short, default=0.0), 2),
            "momentary_loudness_max_step_db": round(max(steps_loud, default=0.0), 2),
            "loudness_total_change_db": round(last["loudness"] - first["loudness"], 2),
            "loudness_range_db": round(max(loud_valid) - min(loud_valid), 2) if loud_valid else None,
            "tempo_max_step_bpm": round(max(steps_tempo, default=0.0), 2),
            "tempo_total_change_bpm": round(tempo_per_second[-1] - tempo_per_second[0], 2)
            if tempo_per_second
            else 0,
        },
        "loudness_per_second": [round(v, 2) for v in short],
        "tempo_per_second": [round(v, 2) for v in tempo_per_second],
    }


def _tempo_per_second(score: Score, seconds: int) -> list[float]:
    out = []
    tick = 0
    end = score.end_tick()
    for s in range(seconds):
        while tick < end and score.seconds_at(tick) < s:
            tick += 60
        out.append(score.tempo_at(tick))
    return out


def plot_report(report: dict[str, Any], path: str | Path) -> Path:
    """Intended (line) and measured (dots, own axis) per feature over the session, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["segments"]
    t = [r["start_seconds"] / 60 for r in rows]
    fig, axes = plt.subplots(4, 2, figsize=(10, 9), sharex=True)
    for ax, key in zip(axes.flat, FEATURES, strict=False):
        ax.plot(t, [r["intended"][key] for r in rows], "-", color="tab:blue", label="intended")
        ax.set_ylabel(key, color="tab:blue")
        twin = ax.twinx()
        twin.plot(t, [r["measured"][key] for r in rows], "o", color="tab:orange", label="measured")
        twin.set_ylabel(MEASURED[key], color="tab:orange", fontsize=7)
        r = report["correlation"][key]
        ax.set_title(f"{key}: r = {r:.2f}" if r is not None else f"{key}: r = n/a (constant)", fontsize=9)
    last = axes.flat[-1]
    last.plot(
        [i / 60 for i in range(len(report["loudness_per_second"]))],
        report["loudness_per_second"],
        color="tab:green",
        lw=0.8,
    )
    last.set_title("short-term loudness per second (dB)", fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("minutes")
    fig.tight_layout()
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=80)
    plt.close(fig)
    return target
