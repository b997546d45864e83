"""Audio for a new version without rendering the whole piece: re-render only the bars that changed
and splice them into the parent version's mastered audio.

The bars that changed are found by comparing the two scores note by note. The segment rendered
runs from one bar before the first changed bar (so every voice, and the reverb, is sounding when
the splice starts) to the last changed note's end plus the renderer's release tail, and holds
every note sounding there. It is mixed as the whole piece was: each stem levelled by the whole
parent stem's level (the render's report keeps them, ``stem_levels``), the same pans, sends and
reverb, then the parent's master gain (``gain_db``) and, only where a peak would pass the ceiling,
the limiter. It goes in with a short crossfade at the first changed bar line and a longer one once
the old notes' tails have died away. A full render would level and master the changed piece by its
own (slightly different) loudness; benchmarks/bench_splice.py measures how far the splice lands
from that.

Returns None (render the whole piece instead) when the parent's audio or its report is missing,
from an older render without stem levels, the tracks or length differ, or the change covers more
than MAX_SHARE of the piece (then the splice saves little).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from tunesmith.fileutil import write_text_atomic
from tunesmith.render.export import render_audio, write_audio
from tunesmith.render.loudness import peak_envelope
from tunesmith.render.master import _LIMITER_SECONDS, _SAFETY_DB, limiter_gain
from tunesmith.render.mix import _REFERENCE_RMS
from tunesmith.render.piece import file_stem, mix_plan, write_files
from tunesmith.render.synth import TAIL_SECONDS
from tunesmith.score import Note, PitchBend, Score, TempoChange, TimeSignature, Track

LEAD_BARS = 1
FADE_IN_S = 0.03
FADE_OUT_S = 0.25
MAX_SHARE = 0.6
TOLERANCE = 60  # ticks: a humanised onset belongs to the bar of start + this (cocreate.revise)


def changed_bars(parent: Score, child: Score, bar: int) -> tuple[set[int], int, int]:
    """The bars whose notes differ between the two scores (0-based), the first tick a changed note
    (old or new) starts and the last it sounds to; ValueError when the tracks differ."""
    if [t.name for t in parent.tracks] != [t.name for t in child.tracks]:
        raise ValueError("the versions have different tracks")
    bars: set[int] = set()
    first, last = 1 << 62, 0
    for old, new in zip(parent.tracks, child.tracks, strict=True):
        a = {(n.pitch, n.start, n.duration, n.velocity) for n in old.notes}
        b = {(n.pitch, n.start, n.duration, n.velocity) for n in new.notes}
        for _, s, d, _ in a ^ b:
            bars.add((s + TOLERANCE) // bar)
            first, last = min(first, s), max(last, s + d)
    return bars, first, last


def _segment(score: Score, start: int, stop: int) -> Score:
    """Every note sounding in [start, stop) ticks, moved ``start`` earlier (a note begun before
    ``start`` begins at it), with the tempo and meter in force there."""
    tracks = []
    for t in score.tracks:
        notes = []
        for n in t.notes:
            if n.start < stop and n.start + n.duration > start:
                s = max(n.start, start)
                notes.append(Note(n.pitch, s - start, n.start + n.duration - s, n.velocity))
        # the wheel's position at the window's start, then its moves inside the window
        before = [b for b in t.bends if b.tick <= start]
        bends = [PitchBend(0, before[-1].value)] if before and before[-1].value else []
        bends += [PitchBend(b.tick - start, b.value) for b in t.bends if start < b.tick < stop]
        tracks.append(Track(t.name, t.program, t.is_drum, notes, bends))
    tempos = [TempoChange(max(0, c.tick - start), c.bpm) for c in score.tempos if c.tick < stop]
    tempos = [c for i, c in enumerate(tempos) if i + 1 == len(tempos) or tempos[i + 1].tick > c.tick]
    sigs = [TimeSignature(max(0, s.tick - start), s.numerator, s.denominator) for s in score.time_signatures
            if s.tick < stop]  # fmt: skip
    sigs = [s for i, s in enumerate(sigs) if i + 1 == len(sigs) or sigs[i + 1].tick > s.tick]
    return Score(tracks, tempos, sigs, [], [], [], score.metadata)


def _tick_at(score: Score, seconds: float) -> int:
    """The first tick at or after ``seconds`` (coarse: to a 16th of a quarter)."""
    step = max(1, score.ticks_per_quarter // 16)
    lo, hi = 0, max(step, score.end_tick() + 100 * score.ticks_per_quarter)
    while hi - lo > step:
        mid = (lo + hi) // 2
        if score.seconds_at(mid) < seconds:
            lo = mid
        else:
            hi = mid
    return hi


def read_report(audio_path: Path) -> dict[str, Any] | None:
    """The render report written beside a piece's audio (compose's <stem>.master.json)."""
    report = audio_path.with_suffix(".master.json")
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def splice_audio(  # noqa: PLR0917 (one pipeline)
    parent_audio: Path,
    parent: Score,
    child: Score,
    mix: Any,
    soundfont: str | Path | None,
    report: dict[str, Any] | None = None,
) -> tuple[Any, dict[str, Any]] | None:
    """(the child's mastered (2, samples) audio, what was spliced) or None (see the module doc)."""
    import numpy as np
    from pedalboard.io import AudioFile

    report = report if report is not None else read_report(parent_audio)
    levels = (report or {}).get("stem_levels")
    if report is None or not isinstance(levels, list) or len(levels) != len(child.tracks):
        return None
    if not child.time_signatures or abs(child.duration_seconds() - parent.duration_seconds()) > 1e-6:
        return None
    bar = child.time_signatures[0].bar_ticks
    try:
        bars, first_tick, last_tick = changed_bars(parent, child, bar)
    except ValueError:
        return None
    try:
        with AudioFile(str(parent_audio)) as f:
            sr = int(f.samplerate)
            audio = f.read(f.frames)
    except (OSError, RuntimeError, ValueError):
        return None
    if audio.shape[0] != 2:
        return None
    if not bars:
        return audio, {"bars": [], "seconds": [0.0, 0.0], "samples": [0, 0], "rendered_seconds": 0.0,
                       "sample_rate": sr}
    first = min(bars)
    a_tick = min(first * bar, first_tick)  # a humanised note may start just before its bar line
    w_tick = max(0, a_tick - LEAD_BARS * bar)
    end_tick = max(last_tick, (max(bars) + 1) * bar)
    t_w, t_a = child.seconds_at(w_tick), child.seconds_at(a_tick)
    t_end = child.seconds_at(end_tick) + TAIL_SECONDS
    total = audio.shape[1] / sr
    if (t_end - t_w) > MAX_SHARE * total:
        return None
    stop_tick = _tick_at(child, t_end + FADE_OUT_S)
    segment = _segment(child, w_tick, stop_tick)
    if not any(t.notes for t in segment.tracks):
        return None
    tracks = []
    for settings, level in zip(mix.tracks, levels, strict=True):
        if level is None or level <= 1e-7:
            tracks.append(replace(settings, mute=True))
            continue
        gain = settings.gain_db + 20 * math.log10(_REFERENCE_RMS / float(level))
        if not -60.0 <= gain <= 24.0:
            return None
        tracks.append(replace(settings, gain_db=gain))
    plan = replace(mix, tracks=tracks, auto_level=False)
    # A muted (silent) track has no notes to render; an empty one is skipped the same way.
    rendered = render_audio(segment, soundfont=soundfont, mix=plan, do_master=False, sample_rate=sr)
    seg = rendered.audio * np.float32(10 ** (float(report.get("gain_db", 0.0)) / 20))
    i_w, i_a = round(t_w * sr), round(t_a * sr)
    i_end = min(audio.shape[1], round(t_end * sr), i_w + seg.shape[1])
    out = np.array(audio, dtype=np.float32, copy=True)
    n_in = min(round(FADE_IN_S * sr), i_a - i_w)
    n_out = min(round(FADE_OUT_S * sr), max(0, i_end - i_a - n_in))
    ramp_in = np.linspace(0.0, 1.0, n_in, dtype=np.float32)
    ramp_out = np.linspace(1.0, 0.0, n_out, dtype=np.float32)
    s0 = i_a - n_in  # the splice starts with the crossfade that ends on the first changed bar line
    out[:, s0:i_a] = out[:, s0:i_a] * (1 - ramp_in) + seg[:, s0 - i_w : i_a - i_w] * ramp_in
    to_end = i_end >= audio.shape[1]
    hold = i_end if to_end else i_end - n_out
    out[:, i_a:hold] = seg[:, i_a - i_w : hold - i_w]
    if not to_end and n_out:
        out[:, hold:i_end] = out[:, hold:i_end] * (1 - ramp_out) + seg[:, hold - i_w : i_end - i_w] * ramp_out
    ceiling_dbtp = float(report.get("ceiling_dbtp", -1.0))
    aim = 10 ** ((ceiling_dbtp - _SAFETY_DB) / 20)
    region = out[:, s0:i_end]
    env = peak_envelope(region, threshold=aim)
    if float(env.max(initial=0.0)) > aim:  # the new notes peak higher than the master allowed
        region *= limiter_gain(env, aim, max(1, int(_LIMITER_SECONDS * sr)))
    info = {"bars": [min(bars) + 1, max(bars) + 1], "seconds": [round(t_a, 3), round(t_end, 3)],
            "samples": [s0, i_end],  # exactly what changed (seconds are rounded for reading)
            "rendered_seconds": round(seg.shape[1] / sr, 3), "sample_rate": sr}  # fmt: skip
    return out, info


def write_version_files(  # noqa: PLR0917 (one call site)
    child: Any,
    parent: Any,
    formats: list[str],
    out: Path,
    soundfont: Any,
    parent_audio: Path | None,
    parent_name: str,
) -> dict[str, Path]:
    """compose's write_files for a new version, its audio spliced into the parent's audio file when
    that works (the report beside it says so), else rendered whole."""
    audio = [f for f in formats if f in ("wav", "flac", "mp3")]
    spliced = None
    if audio and parent_audio is not None:
        report = read_report(parent_audio)
        found = splice_audio(parent_audio, parent.score, child.score, mix_plan(child.plan, child.score),
                             soundfont, report)  # fmt: skip
        if found is not None and report is not None:
            spliced = (found, report)
    symbolic = [f for f in formats if f not in audio] if spliced else formats
    composition = child.composition()
    paths = (
        write_files(composition, out, formats=symbolic, soundfont=soundfont, record=False) if symbolic else {}
    )
    if spliced is not None:
        (samples, info), report = spliced
        stem = file_stem(composition)
        out.mkdir(parents=True, exist_ok=True)
        for kind in audio:
            paths[kind] = write_audio(out / f"{stem}.{kind}", samples, int(info["sample_rate"]))
        kept = {
            k: report[k] for k in ("gain_db", "stem_levels", "target_lufs", "ceiling_dbtp") if k in report
        }
        paths["report"] = out / f"{stem}.master.json"
        write_text_atomic(paths["report"], json.dumps({**kept, "spliced_into": parent_name, "splice": info}))
    return paths
