"""Audio files (WAV/FLAC/MP3), stems and piano-roll pictures, written atomically; ``render_score`` is
the one entry point that goes from a Score to finished files."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.errors import ControlError, OutputError, UnsupportedFormatError
from tunesmith.fileutil import atomic_path
from tunesmith.render.loudness import db, integrated_lufs, true_peak
from tunesmith.render.master import CEILING_DBTP, TARGET_LUFS, MasterReport, master
from tunesmith.render.mix import MixPlan, default_mix_plan, mix_streamed, track_role
from tunesmith.render.synth import SAMPLE_RATE, TAIL_SECONDS, get_renderers, render_threads

if TYPE_CHECKING:
    import numpy as np

    from tunesmith.score import Score

AUDIO_FORMATS = ("wav", "flac", "mp3")
BIT_DEPTHS = (16, 24)


def audio_format(path: str | Path) -> str:
    """'wav', 'flac' or 'mp3' from the suffix of ``path``."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in AUDIO_FORMATS:
        raise UnsupportedFormatError(path, f"cannot write audio as '.{suffix}'; use one of .wav, .flac, .mp3")
    return suffix


def write_audio(
    path: str | Path, audio: np.ndarray, sample_rate: int, bit_depth: int = 16, seed: int = 0
) -> Path:
    """Write (channels, samples) float audio to WAV, FLAC or MP3 (by suffix), atomically.

    16-bit output gets TPDF dither (seeded, so files are reproducible); MP3 is VBR quality V2."""
    import numpy as np
    from pedalboard.io import AudioFile

    fmt = audio_format(path)
    if bit_depth not in BIT_DEPTHS:
        raise ControlError("bit_depth", f"{bit_depth} is not one of 16, 24")
    x = np.asarray(audio, dtype=np.float32)
    x = x if x.ndim == 2 else x[None, :]
    data: np.ndarray = np.clip(x, -1.0, 1.0)
    if fmt != "mp3" and bit_depth == 16:
        # Quantise here (pedalboard truncates floats): TPDF dither of +-1 LSB, then round; in slices,
        # so the temporaries stay small.
        rng = np.random.default_rng(seed)
        data = np.empty(x.shape, dtype=np.int16)
        step = 1 << 18
        for a in range(0, x.shape[1], step):
            part = x[:, a : a + step] * np.float32(32768.0)
            part += rng.random(part.shape, dtype=np.float32)
            part -= rng.random(part.shape, dtype=np.float32)
            part += np.float32(0.5)
            np.floor(part, out=part)
            data[:, a : a + step] = np.clip(part, -32768, 32767)
    target = Path(path)
    with atomic_path(target) as tmp:
        try:
            if fmt == "mp3":
                writer = AudioFile(str(tmp), "w", float(sample_rate), x.shape[0], quality="V2")
            else:
                writer = AudioFile(str(tmp), "w", float(sample_rate), x.shape[0], bit_depth=bit_depth)
            with writer as f:
                f.write(data)
        except (RuntimeError, ValueError) as err:
            raise OutputError(f"{target}: cannot encode {fmt} ({err})") from err
    return target


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:60] or "piece"


_ROLL_LAYERS = {"pad": 0, "chords": 1, "other": 2, "bass": 3, "counter": 4, "melody": 5}


def write_pianoroll(score: Score, path: str | Path, title: str | None = None) -> Path:
    """A PNG piano roll: one colour per track, bar lines, chord symbols along the top, drums below."""
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise UnsupportedFormatError(target, "a piano roll is written as .png")
    fig = pianoroll_figure(score, title if title is not None else (score.metadata.title or target.stem))
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png")
    return target


CHORD_ROWS = 2
"""Chord symbols are staggered over this many rows above the roll; one that still has no room is
left out (the next change shows it), so labels never overlap."""
CHORD_FONT_POINTS = 8.0


def pianoroll_figure(score: Score, heading: str) -> Any:
    """The piano roll as a matplotlib Figure (what write_pianoroll saves)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    end = max(score.end_tick(), 1)
    bars = score.bar_starts(end)
    tpq = score.ticks_per_quarter
    pitched = [t for t in score.tracks if not t.is_drum and t.notes]
    drums = [t for t in score.tracks if t.is_drum and t.notes]
    width = min(24.0, max(8.0, len(bars) * 0.45))
    fig = Figure(figsize=(width, 6.0 if drums else 5.0), dpi=110)
    if drums:
        ax, dax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [4, 1]})
    else:
        ax, dax = fig.subplots(1, 1), None
    colours = plt.get_cmap("tab10")
    all_pitches = [n.pitch for t in pitched for n in t.notes]
    low = min(all_pitches, default=48) - 2
    high = max(all_pitches, default=72) + 3
    for i, track in enumerate(score.tracks):
        if not track.notes:
            continue
        colour = colours(i % 10)
        starts = [n.start / tpq for n in track.notes]
        widths = [max(n.duration / tpq, 0.05) for n in track.notes]
        alpha = [0.35 + 0.65 * n.velocity / 127 for n in track.notes]
        rgba = [(colour[0], colour[1], colour[2], a) for a in alpha]
        label = track.name or f"track {i + 1}"
        if track.is_drum:
            assert dax is not None
            dax.barh([n.pitch for n in track.notes], widths, left=starts, height=0.9, color=rgba, label=label)
        else:
            # Sustained parts sit underneath as wide pale bars; the melody is drawn on top, narrow,
            # so parts sharing a register stay visible.
            layer = _ROLL_LAYERS.get(track_role(track), 3)
            ax.barh([n.pitch for n in track.notes], widths, left=starts, height=1.0 - 0.1 * layer,
                    color=rgba, edgecolor=(0, 0, 0, 0.3), linewidth=0.3, label=label, zorder=1 + layer)
    for axis in (ax, dax):
        if axis is None:
            continue
        for number, tick in enumerate(bars):
            axis.axvline(tick / tpq, color="0.6" if number % 4 else "0.35", linewidth=0.5, zorder=0)
        axis.set_xlim(0, end / tpq)
    ax.set_ylim(low, high)
    ax.set_ylabel("MIDI pitch")
    ax.set_yticks([p for p in range(0, 128, 12) if low <= p <= high])
    ax.set_yticklabels([f"C{p // 12 - 1}" for p in range(0, 128, 12) if low <= p <= high])
    _chord_labels(ax, score, end, width)
    step = 1 if len(bars) <= 24 else 4
    (dax or ax).set_xticks([t / tpq for t in bars[::step]])
    (dax or ax).set_xticklabels([str(1 + i * step) for i in range(len(bars[::step]))])
    (dax or ax).set_xlabel("bar")
    if dax is not None:
        dax.set_ylabel("drums")
        dax.set_yticks([])
    handles, labels = ax.get_legend_handles_labels()
    if dax is not None:
        h2, l2 = dax.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    if handles:
        # Outside the roll on the right, so it never hides notes.
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7, framealpha=0.8)
    fig.suptitle(heading)
    fig.tight_layout(rect=(0, 0, 1, 0.95))  # tight_layout makes room for the chord rows itself
    return fig


def _chord_labels(ax: Any, score: Score, end: int, fig_width_inches: float) -> None:
    """Chord symbols above the roll, one per change, staggered over CHORD_ROWS rows by their width
    on the page (short changes in a long piece would otherwise print over each other)."""
    from matplotlib.transforms import blended_transform_factory

    tpq = score.ticks_per_quarter
    # Quarter notes per point of page width: the roll spans about 80 % of the figure's width.
    beats_per_point = (end / tpq) / (fig_width_inches * 72.0 * 0.8)
    gap = 4.0 * beats_per_point
    row_free = [-math.inf] * CHORD_ROWS  # where each row's last label ends, in quarter notes
    where = blended_transform_factory(ax.transData, ax.transAxes)
    last = None
    for chord in sorted(score.chords, key=lambda c: c.tick):
        if chord.figure == last or chord.tick >= end:
            continue
        last = chord.figure
        start = chord.tick / tpq + 0.05
        # ~0.62 em per character of the default sans-serif font.
        width = len(chord.figure) * CHORD_FONT_POINTS * 0.62 * beats_per_point
        row = next((r for r in range(CHORD_ROWS) if row_free[r] + gap <= start), None)
        if row is None:
            continue
        row_free[row] = start + width
        ax.text(start, 1.005 + 0.05 * row, chord.figure, fontsize=CHORD_FONT_POINTS, va="bottom", ha="left",
                transform=where, clip_on=False, gid="chord-label")


@dataclass(slots=True)
class RenderResult:
    """Files written by ``render_score`` and the mastering report."""

    files: dict[str, Path]  # format -> path
    report: MasterReport
    stems: list[Path] = field(default_factory=list)
    pianoroll: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    levels: list[float] = field(default_factory=list)  # raw stems' gated RMS (RenderedAudio.levels)


@dataclass(slots=True)
class RenderedAudio:
    """In-memory result of ``render_audio``: the master and the processed stems, all (2, samples).

    ``stems`` are post-fader and pre-reverb; multiply by ``stem_gain`` (the master's static gain) to
    get them at the master's level (kept apart so nothing is copied unless stems are wanted)."""

    audio: np.ndarray
    stems: list[np.ndarray]
    stem_names: list[str]
    report: MasterReport
    sample_rate: int
    stem_gain: float = 1.0
    timings: dict[str, float] = field(default_factory=dict)
    levels: list[float] = field(default_factory=list)
    """Each raw stem's gated RMS (see tunesmith.render.mix.MixResult.levels)."""


def render_audio(
    score: Score,
    *,
    soundfont: str | Path | None = None,
    mix: MixPlan | None = None,
    do_master: bool = True,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbtp: float = CEILING_DBTP,
    sample_rate: int = SAMPLE_RATE,
    keep_stems: bool = False,
) -> RenderedAudio:
    """Synthesize, mix and (unless ``do_master`` is False) master ``score``, in memory.

    ``keep_stems`` keeps each track's processed audio (post-fader, pre-reverb) in the result."""
    import numpy as np

    if not -40.0 <= target_lufs <= -5.0:
        raise ControlError("lufs", f"{target_lufs} is outside -40..-5 LUFS")
    if not -12.0 <= ceiling_dbtp <= 0.0:
        raise ControlError("ceiling", f"{ceiling_dbtp} is outside -12..0 dBTP")
    if not any(t.notes for t in score.tracks):
        raise ControlError("score", "has no notes to render")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    # Each worker synthesizes a track and runs its effects straight away, so only a few stems are in
    # memory at once (a 5-track, 70 s piece would otherwise hold ~300 MB of stems).
    workers = max(1, min(render_threads(), sum(1 for t in score.tracks if t.notes)))
    renderers = get_renderers(soundfont, sample_rate, workers)
    length = math.ceil((score.duration_seconds() + TAIL_SECONDS) * sample_rate)
    plan = mix if mix is not None else default_mix_plan(score.tracks)
    names = [t.name or f"track {i + 1}" for i, t in enumerate(score.tracks)]
    mixed = mix_streamed(
        lambda worker, i: renderers[worker].render_track(score, score.tracks[i], length),
        names, plan, sample_rate, length, keep_stems=keep_stems, workers=workers,
    )
    t2 = time.perf_counter()
    timings.update(synth_mix=t2 - t0)
    if do_master:
        rms = dict(zip(_unique(mixed.names), mixed.track_rms_dbfs, strict=True))
        audio, report = master(
            mixed.audio, sample_rate, target_lufs=target_lufs, ceiling_dbtp=ceiling_dbtp, track_rms_dbfs=rms
        )
        stem_gain = 10 ** (report.gain_db / 20) if report.mastered else 1.0
        report.track_rms_dbfs = {k: v + 20 * math.log10(stem_gain) for k, v in rms.items()}
    else:
        audio = mixed.audio
        report = MasterReport(
            integrated_lufs(audio, sample_rate), db(true_peak(audio)), db(float(np.abs(audio).max())),
            audio.shape[1] / sample_rate, sample_rate, target_lufs, ceiling_dbtp, mastered=False,
            track_rms_dbfs=dict(zip(_unique(mixed.names), mixed.track_rms_dbfs, strict=True)),
        )
        if report.sample_peak_dbfs > 0:
            report.warnings.append("unmastered mix clips (sample peak above 0 dBFS)")
        stem_gain = 1.0
    timings["master"] = time.perf_counter() - t2
    for name in report.silent_tracks:
        report.warnings.append(f"track '{name}' is silent")
    return RenderedAudio(audio, mixed.stems, _unique(mixed.names), report, sample_rate, stem_gain, timings,
                         mixed.levels)  # fmt: skip


def _unique(names: Sequence[str]) -> list[str]:
    """Track names made unique ('piano', 'piano 2') so reports and stem files never collide."""
    out: list[str] = []
    for name in names:
        candidate, k = name, 2
        while candidate in out:
            candidate, k = f"{name} {k}", k + 1
        out.append(candidate)
    return out


def render_score(
    score: Score,
    out: str | Path,
    *,
    formats: Sequence[str] | None = None,
    stems: bool | str | Path = False,
    soundfont: str | Path | None = None,
    mix: MixPlan | None = None,
    do_master: bool = True,
    target_lufs: float = TARGET_LUFS,
    bit_depth: int = 16,
    pianoroll: bool = False,
) -> RenderResult:
    """Render ``score`` to audio files. ``out`` is a file (its suffix picks the format; other ``formats``
    are written beside it) or a folder (files named after the title; default format wav). ``stems``: True for
    ``<folder>/stems/``, or a folder path; stems are 24-bit WAV, post-fader, pre-reverb, at the master's
    gain. ``pianoroll`` adds ``<name>.png``."""
    out_path = Path(out)
    wanted = [f.lower().lstrip(".") for f in formats or ()]
    for f in wanted:
        if f not in AUDIO_FORMATS:
            raise ControlError("format", f"'{f}' is not one of {', '.join(AUDIO_FORMATS)}")
    if out_path.suffix:
        wanted.insert(0, audio_format(out_path))
        folder, base = out_path.parent, out_path.stem
    else:
        wanted = wanted or ["wav"]
        folder, base = out_path, _slug(score.metadata.title)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(f"{folder}: cannot create folder ({err.strerror or err})") from err
    if not folder.is_dir():
        raise OutputError(f"{out_path}: folder {folder} does not exist")
    rendered = render_audio(
        score, soundfont=soundfont, mix=mix, do_master=do_master, target_lufs=target_lufs,
        keep_stems=bool(stems),
    )
    t0 = time.perf_counter()
    files: dict[str, Path] = {}
    for fmt in dict.fromkeys(wanted):
        target = out_path if out_path.suffix and fmt == audio_format(out_path) else folder / f"{base}.{fmt}"
        files[fmt] = write_audio(target, rendered.audio, rendered.sample_rate, bit_depth)
    stem_paths: list[Path] = []
    if stems:
        stem_dir = folder / "stems" if stems is True else Path(stems)
        stem_dir.mkdir(parents=True, exist_ok=True)
        stem_paths = write_stems(
            stem_dir, rendered.stems, rendered.stem_names, rendered.sample_rate, rendered.report,
            gain=rendered.stem_gain,
        )
    roll = write_pianoroll(score, folder / f"{base}.png") if pianoroll else None
    timings = dict(rendered.timings, export=time.perf_counter() - t0)
    return RenderResult(files, rendered.report, stem_paths, roll, timings, rendered.levels)


def write_stems(
    folder: Path, stems: Sequence[np.ndarray], names: Sequence[str], sample_rate: int, report: MasterReport,
    *, gain: float = 1.0,
) -> list[Path]:
    """24-bit WAV per track (times ``gain``), numbered in track order; scaled down together if any
    would clip."""
    import numpy as np

    peak = gain * max((float(np.abs(s).max()) for s in stems if s.size), default=0.0)
    scale = np.float32(gain * (0.98 / peak if peak > 0.98 else 1.0))
    if peak > 0.98:
        report.warnings.append(f"stems turned down {20 * math.log10(peak / 0.98):.1f} dB to avoid clipping")
    paths = []
    for i, (audio, name) in enumerate(zip(stems, names, strict=True)):
        target = folder / f"{i + 1:02d}-{_slug(name)}.wav"
        paths.append(write_audio(target, audio * scale, sample_rate, bit_depth=24))
    return paths
