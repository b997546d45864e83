"""A composed piece's files: MIDI and MusicXML (tunesmith.io), audio with the style's mix and the
piano roll (tunesmith.render), the JSON that regenerates it, and its record in the store.

This sits above both the composer and the renderer (compose → render), so neither imports the other.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import numpy as np

from tunesmith.compose.api import Composition, Progress, compose, report_progress
from tunesmith.compose.instruments import role_of
from tunesmith.compose.mood import mood_loudness
from tunesmith.compose.ornaments import is_grace
from tunesmith.compose.plan import Plan
from tunesmith.compose.request import ComposeRequest
from tunesmith.errors import ControlError, OutputError
from tunesmith.evaluate.originality import fingerprint
from tunesmith.fileutil import write_text_atomic
from tunesmith.io import save
from tunesmith.render.export import render_audio, render_score, write_pianoroll
from tunesmith.render.mix import MixPlan, default_mix_plan
from tunesmith.score import TICKS_PER_QUARTER, Note, Score, Track

ALL_FORMATS = ("wav", "flac", "mp3", "mid", "musicxml", "png", "json")
DEFAULT_FORMATS = ("wav", "mid", "musicxml", "png", "json")


def compose_to_files(
    request: ComposeRequest,
    out_dir: str | Path,
    *,
    formats: tuple[str, ...] | list[str] = DEFAULT_FORMATS,
    stems: bool = False,
    soundfont: str | Path | None = None,
    progress: Progress | None = None,
    record: bool = True,
) -> dict[str, Path]:
    """Compose and write the piece to ``out_dir`` (created if missing) in ``formats``; returns
    {format: path} (plus 'stem:<track>' entries and the render report when audio is made)."""
    check_formats(formats)
    composition = compose(request, _scaled(progress, 0.0, 0.3))
    return write_files(
        composition,
        out_dir,
        formats=formats,
        stems=stems,
        soundfont=soundfont,
        progress=_scaled(progress, 0.3, 1.0),
        record=record,
    )


def check_formats(formats: tuple[str, ...] | list[str]) -> list[str]:
    wanted = [f.strip().lower().lstrip(".") for f in formats]
    if not wanted:
        raise ControlError("format", f"no output format given; allowed: {', '.join(ALL_FORMATS)}")
    for f in wanted:
        if f not in ALL_FORMATS:
            raise ControlError("format", f"unknown format {f!r}; allowed: {', '.join(ALL_FORMATS)}")
    return wanted


def write_files(
    composition: Composition,
    out_dir: str | Path,
    *,
    formats: tuple[str, ...] | list[str] = DEFAULT_FORMATS,
    stems: bool = False,
    soundfont: str | Path | None = None,
    progress: Progress | None = None,
    record: bool = True,
) -> dict[str, Path]:
    """Write a composed piece: MIDI and MusicXML (tunesmith.io), audio and the piano roll
    (tunesmith.render), the JSON that regenerates it; record it in the store. Sets
    ``composition.files`` and returns it."""
    wanted = check_formats(formats)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{out}: cannot create the output folder ({err.strerror or err})") from err
    score = composition.score
    stem = file_stem(composition)
    paths: dict[str, Path] = {}
    report_progress(progress, "writing files", 0.0)
    if "mid" in wanted:
        paths["mid"] = out / f"{stem}.mid"
        save(score, paths["mid"])
    if "musicxml" in wanted:
        paths["musicxml"] = out / f"{stem}.musicxml"
        swing = round(composition.plan.style.swing * TICKS_PER_QUARTER / 3)
        save(_notation_score(score, swing), paths["musicxml"])
    if "json" in wanted:
        paths["json"] = out / f"{stem}.json"
        write_text_atomic(paths["json"], composition.to_json())
    audio = [f for f in wanted if f in ("wav", "flac", "mp3")]
    if audio:
        report_progress(progress, "rendering", 0.2)
        result = render_score(
            score,
            out / f"{stem}.{audio[0]}",
            formats=audio,
            stems=stems,
            soundfont=soundfont,
            mix=mix_plan(composition.plan, score),
            target_lufs=mood_loudness(composition.plan.arousal),
            pianoroll="png" in wanted,
        )
        paths.update({fmt: Path(p) for fmt, p in result.files.items()})
        if result.pianoroll is not None:
            paths["png"] = Path(result.pianoroll)
        for i, stem_path in enumerate(result.stems):
            paths[f"stem{i + 1:02d}"] = Path(stem_path)
        paths["report"] = out / f"{stem}.master.json"
        write_text_atomic(paths["report"], json.dumps(_report_dict(result), indent=2))
    elif "png" in wanted:
        paths["png"] = write_pianoroll(score, out / f"{stem}.png")
    if record:
        report_progress(progress, "recording", 0.95)
        _record(composition, paths)
    report_progress(progress, "done", 1.0)
    composition.files = paths
    return paths


def _scaled(progress: Progress | None, lo: float, hi: float) -> Progress | None:
    if progress is None:
        return None
    return lambda stage, frac: progress(stage, lo + (hi - lo) * frac)


def file_stem(composition: Composition) -> str:
    plan = composition.plan
    return f"{plan.style.name}-{plan.key.short_name.replace(' ', '-').replace('#', 's')}-seed{plan.seed}"


def _notation_score(score: Score, swing_ticks: int = 0) -> Score:
    """The score for engraving: the first tempo only (a ritardando is not a row of metronome
    marks), grace notes (cuts, slides) left out, and swung off-beat eighths written straight, as
    jazz is notated; the MusicXML writer puts the rest of the humanised timing on the grid."""
    tracks = []
    for t in score.tracks:
        notes = []
        for n in t.notes:
            if not t.is_drum and is_grace(n):
                continue
            start = n.start
            if swing_ticks and not t.is_drum:
                offset = start % TICKS_PER_QUARTER
                if abs(offset - (TICKS_PER_QUARTER // 2 + swing_ticks)) < 60:
                    start -= swing_ticks
            notes.append(Note(n.pitch, start, n.end - start, n.velocity))
        tracks.append(Track(t.name, t.program, t.is_drum, notes, list(t.bends)))  # slides: scoop/fall marks
    return Score(
        tracks,
        [score.tempos[0]] if score.tempos else [],
        list(score.time_signatures),
        list(score.key_signatures),
        list(score.chords),
        list(score.sections),
        score.metadata,
    )


def mix_plan(plan: Plan, score: Score) -> MixPlan:
    """The renderer's default mix for these tracks, with the style's pans and reverb sends and a
    reverb return that follows the style's wetness (ambient and chorale wetter, march drier)."""
    mix = default_mix_plan(score.tracks)
    for track, settings in zip(score.tracks, mix.tracks, strict=True):
        if track.is_drum:
            settings.gain_db += plan.style.drum_gain_db + 6.0
            continue
        part = plan.parts.get(role_of(track.name))
        if part is None:
            continue
        if part.pan:
            settings.pan = part.pan
        settings.reverb_send = max(0.0, min(1.0, part.reverb))
    mix.reverb_return_db = -4.0 + 12.0 * (plan.style.reverb - 0.25)
    return mix


def _report_dict(result: Any) -> dict[str, Any]:
    report = result.report
    return {
        "integrated_lufs": round(report.integrated_lufs, 2),
        "true_peak_dbtp": round(report.true_peak_dbtp, 2),
        "sample_peak_dbfs": round(report.sample_peak_dbfs, 2),
        "duration_s": round(report.duration_s, 2),
        "target_lufs": report.target_lufs,
        "ceiling_dbtp": report.ceiling_dbtp,
        # A silent track's RMS is -inf, which JSON cannot hold: write null.
        "track_rms_dbfs": {
            k: (round(v, 1) if math.isfinite(v) else None) for k, v in report.track_rms_dbfs.items()
        },
        "warnings": list(report.warnings),
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
        # What re-rendering part of the piece needs to match this render (tunesmith.cocreate.splice).
        "gain_db": float(getattr(report, "gain_db", 0.0)) if getattr(report, "mastered", False) else 0.0,
        "stem_levels": [float(v) for v in getattr(result, "levels", [])],
    }


def _record(composition: Composition, paths: dict[str, Path]) -> None:
    """Record the piece in the store with its controls, model versions and tags."""
    from tunesmith.store import open_store
    from tunesmith.store.models import Fingerprint
    from tunesmith.store.pieces import add_piece

    plan = composition.plan
    tags = [
        plan.style.name,
        plan.key.name,
        str(plan.meter),
        "major" if not plan.key.is_minor else "minor",
        *plan.style.tags,
        f"model:{plan.model}",
    ]
    if plan.request.mood:
        tags.append(plan.request.mood)
    controls = {
        "request": composition.request.to_dict(),
        "model_versions": composition.model_versions,
        "files": {k: str(v) for k, v in paths.items()},
    }
    midi = paths.get("mid")
    with open_store() as store, store.session() as session:
        piece, created = add_piece(
            session,
            composition.score,
            source="generated",
            tags=sorted(set(tags)),
            title=plan.title,
            path=str(midi) if midi else None,
            fmt=".mid" if midi else None,
            file_data=midi.read_bytes() if midi else None,
            controls=controls,
        )
        if created:
            session.add(
                Fingerprint(piece_id=piece.id, kind="melody-intervals", data=fingerprint(composition.score))
            )
        piece_id = piece.id
    _run_record_hooks(composition, paths, piece_id)


def _run_record_hooks(composition: Composition, paths: dict[str, Path], piece_id: int) -> None:
    """Applications above the composer (the originality registry) hook into recording through the
    ``tunesmith.record`` entry point group: compose never imports them, the layers stay one-way."""
    for hook in entry_points(group="tunesmith.record"):
        hook.load()(composition, paths, piece_id)


def compose_piece(
    out_dir: str | Path | None = None,
    *,
    formats: tuple[str, ...] | list[str] | None = None,
    stems: bool = False,
    soundfont: str | Path | None = None,
    record: bool = True,
    **controls: Any,
) -> Composition:
    """Compose a piece (the Python API, ``tunesmith.compose_piece``). The keywords besides
    ``out_dir``, ``formats``, ``stems``, ``soundfont`` and ``record`` are the fields of
    tunesmith.compose.request.ComposeRequest, with their types and defaults (the signature is made
    from them); None lets the style and mood decide. With ``out_dir`` the files are written too
    (``formats`` default: wav, mid, musicxml, png, json) and the piece is recorded in the store
    unless ``record`` is False. Returns the Composition: ``.score`` is the best piece,
    ``.candidates`` all of them ranked, ``.files`` the paths written. Bad controls raise
    tunesmith.errors.ControlError naming the field and what is allowed; an unknown keyword is a
    TypeError."""
    _PIECE_SIGNATURE.bind(
        out_dir, formats=formats, stems=stems, soundfont=soundfont, record=record, **controls
    )
    if controls.get("primer") is not None:
        controls["primer"] = str(controls["primer"])
    if isinstance(controls.get("instruments"), str):
        controls["instruments"] = [controls["instruments"]]
    controls["extra"] = dict(controls.get("extra") or {})
    composition = compose(ComposeRequest(**controls).validate())
    if out_dir is not None:
        write_files(
            composition, out_dir, formats=formats or DEFAULT_FORMATS, stems=stems, soundfont=soundfont,
            record=record,
        )  # fmt: skip
    return composition


def _piece_signature() -> inspect.Signature:
    """compose_piece's signature with one typed keyword per ComposeRequest field in place of
    ``**controls`` (what help() and inspect show, and what the call is checked against)."""
    signature = inspect.signature(compose_piece)
    own = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    keywords = [
        inspect.Parameter(
            f.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=f.default if f.default is not dataclasses.MISSING else None,
            annotation=f.type if f.default is not dataclasses.MISSING else f"{f.type} | None",
        )
        for f in dataclasses.fields(ComposeRequest)
    ]
    return signature.replace(parameters=[own[0], *keywords, *own[1:]])


_PIECE_SIGNATURE = _piece_signature()
compose_piece.__signature__ = _PIECE_SIGNATURE  # type: ignore[attr-defined]


def render_to_array(
    score: Score | Composition,
    *,
    soundfont: str | Path | None = None,
    master: bool = True,
    sample_rate: int = 44100,
) -> tuple[np.ndarray, int]:
    """Synthesize (FluidSynth and a General MIDI SoundFont), mix and master ``score`` in memory.

    Returns ``(audio, sample_rate)``: ``audio`` is a float32 array of shape (2, samples) in -1..1
    (stereo, channels first); a Composition is mixed with its style's mix plan. Nothing is written."""
    mix = None
    if isinstance(score, Composition):
        mix = mix_plan(score.plan, score.score)
        score = score.score
    rendered = render_audio(score, soundfont=soundfont, mix=mix, do_master=master, sample_rate=sample_rate)
    return rendered.audio, rendered.sample_rate
