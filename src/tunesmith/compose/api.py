"""The composer's entry points: ``compose(request)`` and ``compose_to_files(request, out_dir, ...)``.

compose: plan → harmony → (per candidate) melody → originality check → arrangement →
humanisation → ranking. Candidates share the plan and harmony and differ in melody and performance
(each has its own seed, derived from the request's). A candidate whose melody copies 12 or more
consecutive notes of a training piece (transposition-invariant, tunesmith.evaluate's index) is
rejected and regenerated with the next seed.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunesmith.compose.harmony import Harmony, make_harmony
from tunesmith.compose.plan import Plan, make_plan
from tunesmith.compose.request import ComposeRequest
from tunesmith.errors import OutputError
from tunesmith.score import TICKS_PER_QUARTER, KeySignature, Metadata, Note, Score, Section, Track

MAX_COPIED_RUN = 11
"""Longest run of notes a melody may share with a training piece (12 or more is a copy)."""
NEAR_COPY_SIMILARITY = 0.86
"""A melody this similar to a corpus work (tunesmith.evaluate.similarity: changed notes, ornaments,
rhythm forgiven) is a near-copy and is regenerated; the threshold of tunesmith.originality.works."""
MAX_REGENERATIONS = 6
ALL_FORMATS = ("wav", "flac", "mp3", "mid", "musicxml", "png", "json")
DEFAULT_FORMATS = ("wav", "mid", "musicxml", "png", "json")

Progress = Callable[[str, float], None]
"""progress(stage, fraction done 0..1) — the CLI draws its bar from these calls."""


@dataclass
class Candidate:
    """One finished candidate: its score, the seed that made it, its ranking total and parts."""

    score: Score
    seed: int
    total: float
    components: dict[str, float]
    copied_run: int | None = None
    rejected_seeds: list[int] = field(default_factory=list)
    melody_source: str = ""
    melody: list[Note] = field(default_factory=list, repr=False)
    near_copy: tuple[float, str] | None = None
    """(similarity, title) of the corpus work the melody most resembles; None when unchecked."""


@dataclass
class Composition:
    """The result of compose(): the best Score first, every candidate ranked, and the resolved
    request (seed and model filled in) from which the identical piece can be made again."""

    score: Score
    candidates: list[Candidate]
    request: ComposeRequest
    plan: Plan
    harmony_source: str
    model_versions: dict[str, str]
    files: dict[str, Path] = field(default_factory=dict)
    """Paths written by :func:`write_files` ({format: path})."""

    def summary(self) -> dict[str, Any]:
        """The facts a person (or the JSON file) wants: key, tempo, meter, bars, duration, tracks."""
        plan = self.plan
        return {
            "title": plan.title,
            "style": plan.style.name,
            "key": plan.key.name,
            "tempo": plan.tempo,
            "style_tempo": list(plan.style.tempo),
            "tempo_outside_style": plan.tempo_outside_style,
            "mood_arrangement": {
                **plan.mood.summary(),
                "accompaniment": plan.parts["accompaniment"].pattern if "accompaniment" in plan.parts else "",
                "bass": plan.parts["bass"].pattern if "bass" in plan.parts else "",
                "drums": plan.drums,
            },
            "meter": str(plan.meter),
            "bars": plan.total_bars,
            "form": [s.label for s in plan.sections],
            "form_bars": plan.body_bars,
            "duration_seconds": round(self.score.duration_seconds(), 2),
            "tracks": [t.name for t in self.score.tracks],
            "valence": plan.valence,
            "arousal": plan.arousal,
            "harmony": self.harmony_source,
            "melody": self.candidates[0].melody_source,
            "seed": plan.seed,
            "model": plan.model,
        }

    def to_json(self) -> str:
        data = {
            "tunesmith_piece": 1,
            "request": self.request.to_dict(),
            "model_versions": self.model_versions,
            "summary": self.summary(),
            "candidates": [
                {
                    "seed": c.seed,
                    "total": round(c.total, 4),
                    "components": {k: round(v, 4) for k, v in c.components.items()},
                    "copied_run": c.copied_run,
                    "rejected_seeds": c.rejected_seeds,
                }
                for c in self.candidates
            ],
            "chords": [[c.tick, c.figure] for c in self.score.chords],
        }
        return json.dumps(data, indent=2)


def _report(progress: Progress | None, stage: str, fraction: float) -> None:
    if progress is not None:
        progress(stage, fraction)


def load_primer(path: str, plan: Plan) -> list[Note]:
    """The primer's melody line, moved into the plan's key (by the nearest transposition) and cut
    to at most one phrase; ticks from 0."""
    from tunesmith.evaluate.melody import melody_notes
    from tunesmith.io import load
    from tunesmith.theory.keydetect import detect_key

    scores = load(path)
    if not scores:
        from tunesmith.errors import InputFileError

        raise InputFileError(path, "holds no music to use as a primer")
    score = scores[0]
    notes = melody_notes(score)
    if not notes:
        from tunesmith.errors import InputFileError

        raise InputFileError(path, "has no melody notes to use as a primer")
    key = score.key_signatures[0] if score.key_signatures else None
    tonic = detect_key(score).tonic if key is None else key.tonic_pc
    shift = (plan.key.tonic - tonic) % 12
    shift = shift - 12 if shift > 6 else shift
    first = notes[0].start - notes[0].start % plan.bar_ticks
    limit = plan.style.phrase_bars // 2 * plan.bar_ticks or plan.bar_ticks
    out = []
    for n in notes:
        start = n.start - first
        if start >= limit:
            break
        # Quantise to the eighth grid the arranger uses.
        q = round(start / 120) * 120
        out.append(
            Note(n.pitch + shift, q, max(120, min(round(n.duration / 120) * 120, limit - q)), n.velocity)
        )
    return out


def _candidate(plan: Plan, harmony: Harmony, seed: int, primer: list[Note] | None) -> Candidate:
    """One candidate; model "vae" also varies the returning sections with the VAE, model "gan" always
    asks the GAN critic (the melody itself comes from the RNN in both: the GAN makes single bars)."""
    from tunesmith.compose import engines
    from tunesmith.compose.arrange import arrange
    from tunesmith.compose.humanize import humanize, note_copy
    from tunesmith.compose.melody import make_melody
    from tunesmith.compose.ornaments import ornament, rhythm, trio
    from tunesmith.compose.rank import combined, theory_checks

    rejected: list[int] = []
    current = seed
    copied: int | None = None
    for _ in range(MAX_REGENERATIONS):
        melody = make_melody(plan, harmony, current, primer)
        run = engines.copied_run(melody.notes)
        copied = None if run is None else run[0]
        near = engines.near_copy(melody.notes, plan.meter) if primer is None else None
        if (copied is None or copied <= MAX_COPIED_RUN) and (near is None or near[0] < NEAR_COPY_SIMILARITY):
            break
        rejected.append(current)
        current = (current * 1103515245 + 12345) & 0x7FFFFFFF
    # (A near-copy after every retry is kept: the best there is; the registry reports it.)
    if copied is not None and copied > MAX_COPIED_RUN:
        # Every regeneration still copied: never hand back training data, so break the runs.
        melody.notes, copied = _break_copied_runs(plan, melody.notes)
    checks = theory_checks(plan, harmony, melody.notes)
    played, tune, keys = trio(plan, harmony, note_copy(melody.notes))
    tracks = arrange(plan, played, tune, current)
    tracks[0].notes = rhythm(tracks[0].notes, plan)  # dotted pairs, as written
    humanize(plan, tracks, current)
    tracks[0].notes = ornament(tracks[0].notes, plan, current)  # the player's grace notes
    score = _score(plan, played, tracks, keys)
    # The GAN critic only matters when there is something to rank (or the request asked for it).
    critic = engines.critic_score(score) if plan.request.candidates > 1 or plan.model == "gan" else None
    total, components = combined(checks, melody.log_likelihood, critic)
    return Candidate(score, current, total, components, copied, rejected, melody.source, melody.notes, near)


def _break_copied_runs(plan: Plan, notes: list[Note]) -> tuple[list[Note], int | None]:
    """Move one note of each over-long copied run a scale step, until no run of more than
    MAX_COPIED_RUN notes is left; returns the notes and the final longest run."""
    from tunesmith.compose import engines

    def longest(prefix: list[Note]) -> int:
        run = engines.copied_run(prefix)
        return 0 if run is None else run[0]

    notes = [Note(n.pitch, n.start, n.duration, n.velocity) for n in notes]
    scale = set(plan.key.scale_pcs())
    for _ in range(len(notes)):
        if longest(notes) <= MAX_COPIED_RUN:
            break
        # The run grows with the prefix: the shortest prefix holding a copy ends the first run.
        lo, hi = 2, len(notes)
        while lo < hi:
            mid = (lo + hi) // 2
            if longest(notes[:mid]) > MAX_COPIED_RUN:
                hi = mid
            else:
                lo = mid + 1
        target = notes[lo - 2]  # inside the run, so the run is cut in two shorter ones
        for step in (2, -2, 1, -1, 3, -3):
            if (target.pitch + step) % 12 in scale:
                target.pitch += step
                break
    final = engines.copied_run(notes)
    return notes, None if final is None else final[0]


def _with_choir(plan: Plan, harmony: Harmony, best: Candidate) -> None:
    """The winning chorale candidate sung in four parts (tunesmith.models.chorale's voice-leading
    search): its alto, tenor and bass replace the organ's block chords, and the chords it chose
    become the score's chord symbols."""
    from tunesmith.compose.arrange import arrange, four_part
    from tunesmith.compose.humanize import humanize, note_copy

    acc = plan.parts.get("accompaniment")
    if acc is None or acc.pattern != "block" or not plan.style.use_harmonizer or not best.melody:
        return
    voices, sung = four_part(plan, harmony, best.melody)
    tracks = arrange(plan, sung, note_copy(best.melody), best.seed, choir_voices=voices)
    humanize(plan, tracks, best.seed)
    best.score = _score(plan, sung, tracks)


def _score(
    plan: Plan, harmony: Harmony, tracks: list[Track], keys: list[KeySignature] | None = None
) -> Score:
    from tunesmith.compose.humanize import ritardando
    from tunesmith.score import TimeSignature

    sections = []
    if plan.intro_bars:
        sections.append(Section(0, plan.intro_bars * plan.bar_ticks, "intro"))
    for s in plan.sections:
        sections.append(
            Section(s.start_bar * plan.bar_ticks, (s.start_bar + s.bars) * plan.bar_ticks, s.label)
        )
    end_body = (plan.intro_bars + plan.body_bars) * plan.bar_ticks
    sections.append(Section(end_body, plan.total_bars * plan.bar_ticks, "ending"))
    meta = Metadata(
        title=plan.title,
        composer="tunesmith",
        source=f"tunesmith compose (seed {plan.seed}, model {plan.model})",
        licence="CC0-1.0",
        style_tags=list(plan.style.tags),
        mood=plan.request.mood or "",
    )
    score = Score(
        tracks=tracks,
        tempos=ritardando(plan),
        time_signatures=[TimeSignature(0, plan.meter.numerator, plan.meter.denominator)],
        key_signatures=keys or [plan.key.to_signature(0)],
        chords=harmony.symbols(),
        sections=sections,
        metadata=meta,
    )
    return score.sort()


def compose(
    request: ComposeRequest,
    progress: Progress | None = None,
    preference: Callable[[Score], float] | None = None,
) -> Composition:
    """Compose a piece from ``request`` (see the module docstring); deterministic for a given seed.

    ``preference`` (e.g. tunesmith.feedback's learned listener model) maps a candidate's score to
    0..1; it joins the ranking as the 'preference' component with weight WEIGHTS['preference']."""
    from tunesmith.compose import engines

    _report(progress, "plan", 0.0)
    plan = make_plan(request)
    _report(progress, "harmony", 0.1)
    if plan.style.progression == "rules:jazz" and plan.user_chords is None:
        from tunesmith.compose.jazz import jazz_harmony

        harmony = jazz_harmony(plan)
    else:
        harmony = make_harmony(plan)
    primer = load_primer(request.primer, plan) if request.primer else None
    seeds = [plan.seed] + [
        random.Random(plan.seed + k).randrange(1 << 31) for k in range(1, plan.request.candidates)
    ]
    candidates = []
    for i, seed in enumerate(seeds):
        _report(progress, f"candidate {i + 1}/{len(seeds)}", 0.15 + 0.8 * i / len(seeds))
        candidates.append(_candidate(plan, harmony, seed, primer))
    if preference is not None:
        from tunesmith.compose.rank import WEIGHTS

        for c in candidates:
            c.components["preference"] = float(preference(c.score))
            c.total += WEIGHTS["preference"] * c.components["preference"]
    candidates.sort(key=lambda c: -c.total)
    _report(progress, "four-part setting", 0.95)
    _with_choir(plan, harmony, candidates[0])
    _report(progress, "ranked", 1.0)
    return Composition(
        candidates[0].score, candidates, plan.request, plan, harmony.source, engines.model_versions(plan)
    )


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
    _check_formats(formats)
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


def _check_formats(formats: tuple[str, ...] | list[str]) -> list[str]:
    from tunesmith.errors import ControlError

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
    from tunesmith.fileutil import write_text_atomic

    wanted = _check_formats(formats)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{out}: cannot create the output folder ({err.strerror or err})") from err
    score = composition.score
    stem = _file_stem(composition)
    paths: dict[str, Path] = {}
    _report(progress, "writing files", 0.0)
    if "mid" in wanted:
        from tunesmith.io import save

        paths["mid"] = out / f"{stem}.mid"
        save(score, paths["mid"])
    if "musicxml" in wanted:
        from tunesmith.io import save

        paths["musicxml"] = out / f"{stem}.musicxml"
        swing = round(composition.plan.style.swing * TICKS_PER_QUARTER / 3)
        save(_notation_score(score, swing), paths["musicxml"])
    if "json" in wanted:
        paths["json"] = out / f"{stem}.json"
        write_text_atomic(paths["json"], composition.to_json())
    audio = [f for f in wanted if f in ("wav", "flac", "mp3")]
    if audio:
        _report(progress, "rendering", 0.2)
        from tunesmith.compose.mood import mood_loudness
        from tunesmith.render.export import render_score

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
        from tunesmith.render.export import write_pianoroll

        paths["png"] = write_pianoroll(score, out / f"{stem}.png")
    if record:
        _report(progress, "recording", 0.95)
        _record(composition, paths)
    _report(progress, "done", 1.0)
    composition.files = paths
    return paths


def _scaled(progress: Progress | None, lo: float, hi: float) -> Progress | None:
    if progress is None:
        return None
    return lambda stage, frac: progress(stage, lo + (hi - lo) * frac)


def _file_stem(composition: Composition) -> str:
    plan = composition.plan
    return f"{plan.style.name}-{plan.key.short_name.replace(' ', '-').replace('#', 's')}-seed{plan.seed}"


def _notation_score(score: Score, swing_ticks: int = 0) -> Score:
    """The score for engraving: the first tempo only (a ritardando is not a row of metronome
    marks), grace notes (cuts, slides) left out, and swung off-beat eighths written straight, as
    jazz is notated; the MusicXML writer puts the rest of the humanised timing on the grid."""
    from tunesmith.compose.ornaments import is_grace

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
        tracks.append(Track(t.name, t.program, t.is_drum, notes))
    return Score(
        tracks,
        [score.tempos[0]] if score.tempos else [],
        list(score.time_signatures),
        list(score.key_signatures),
        list(score.chords),
        list(score.sections),
        score.metadata,
    )


def mix_plan(plan: Plan, score: Score) -> Any:
    """The renderer's default mix for these tracks, with the style's pans and reverb sends and a
    reverb return that follows the style's wetness (ambient and chorale wetter, march drier)."""
    from tunesmith.render.mix import default_mix_plan

    mix = default_mix_plan(score.tracks)
    for track, settings in zip(score.tracks, mix.tracks, strict=True):
        if track.is_drum:
            settings.gain_db += plan.style.drum_gain_db + 6.0
            continue
        part = plan.parts.get(track.name.split(" (")[0])
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
    }


def _record(composition: Composition, paths: dict[str, Path]) -> None:
    """Record the piece in the store with its controls, model versions and tags."""
    from tunesmith.evaluate.originality import fingerprint
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
    from importlib.metadata import entry_points

    for hook in entry_points(group="tunesmith.record"):
        hook.load()(composition, paths, piece_id)
