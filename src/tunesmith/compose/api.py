"""The composer's entry point: ``compose(request)`` (its files: tunesmith.render.piece).

compose: plan → harmony → (per candidate) melody → originality check → arrangement →
humanisation → ranking. Candidates share the plan and harmony and differ in melody and performance
(each has its own seed, derived from the request's). A candidate whose melody copies 12 or more
consecutive notes of a training piece (transposition-invariant, tunesmith.evaluate's index) is
rejected and regenerated with the next seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunesmith.compose import engines
from tunesmith.compose.arrange import arrange, four_part
from tunesmith.compose.critic import load_critic, melody_features
from tunesmith.compose.harmony import Harmony, make_harmony
from tunesmith.compose.humanize import humanize, note_copy, ritardando
from tunesmith.compose.jazz import jazz_harmony
from tunesmith.compose.melody import make_melody
from tunesmith.compose.ornaments import ornament_track, resolve_dissonances, rhythm, trio
from tunesmith.compose.plan import Plan, make_plan
from tunesmith.compose.rank import WEIGHTS, combined, theory_checks
from tunesmith.compose.request import ComposeRequest
from tunesmith.errors import InputFileError
from tunesmith.io import load
from tunesmith.score import KeySignature, Metadata, Note, Score, Section, TimeSignature, Track
from tunesmith.theory.keydetect import detect_key
from tunesmith.theory.melodyline import melody_notes

MAX_COPIED_RUN = 11
"""Longest run of notes a melody may share with a training piece (12 or more is a copy)."""
NEAR_COPY_SIMILARITY = 0.86
"""A melody this similar to a corpus work (tunesmith.evaluate.similarity: changed notes, ornaments,
rhythm forgiven) is a near-copy and is regenerated; the threshold of tunesmith.originality.works."""
MAX_REGENERATIONS = 6

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
    features: list[float] | None = field(default=None, repr=False)
    """The melody's style features (tunesmith.evaluate.line_features.FEATURES) over the body's first
    32 bars, as the style critic reads them; None for a melody of fewer than two notes."""


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
    """Paths written by :func:`tunesmith.render.piece.write_files` ({format: path})."""

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


def report_progress(progress: Progress | None, stage: str, fraction: float) -> None:
    """Tell ``progress`` (if any) the stage and the fraction done."""
    if progress is not None:
        progress(stage, fraction)


def load_primer(path: str, plan: Plan) -> list[Note]:
    """The primer's melody line, moved into the plan's key (by the nearest transposition) and cut
    to at most one phrase; ticks from 0."""

    scores = load(path)
    if not scores:

        raise InputFileError(path, "holds no music to use as a primer")
    score = scores[0]
    notes = melody_notes(score)
    if not notes:

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
        melody.notes, copied = break_copied_runs(melody.notes, set(plan.key.scale_pcs()))
    checks = theory_checks(plan, harmony, melody.notes)
    played, tune, keys = trio(plan, harmony, note_copy(melody.notes))
    if plan.style.resolve_dissonances:
        tune = resolve_dissonances(plan, played, tune)
    tracks = arrange(plan, played, tune, current)
    tracks[0].notes = rhythm(tracks[0].notes, plan)  # dotted pairs, as written
    humanize(plan, tracks, current)
    for track in tracks:  # the soloist's grace notes and slides (a dizi counter-line slides too)
        if track is tracks[0] or (plan.style.ornaments == "chinese" and track.name.startswith("counter")):
            ornament_track(track, plan, current)
    score = _score(plan, played, tracks, keys)
    # The critics only matter when there is something to rank (or the request asked for the GAN).
    critic = engines.critic_score(score) if plan.request.candidates > 1 or plan.model == "gan" else None
    body_start = plan.sections[0].start_bar * plan.bar_ticks
    body_end = (plan.sections[-1].start_bar + plan.sections[-1].bars) * plan.bar_ticks
    features = melody_features(melody.notes, score.chords, key=plan.key, meter=str(plan.meter),
                               model_style=plan.style.model_style, start=body_start, end=body_end)
    style_critic = load_critic(plan.style.name) if plan.request.candidates > 1 else None
    style = style_critic.judge(features) if style_critic is not None and features is not None else None
    total, components = combined(checks, melody.log_likelihood, critic, style)
    return Candidate(score, current, total, components, copied, rejected, melody.source, melody.notes, near,
                     features)


def _copy_moves(notes: list[Note], t: int, scale: set[int]) -> list[int]:
    """Steps (semitones, nearest first) that keep note ``t`` in ``scale`` and never make it repeat
    a neighbour (a new repeated note reads as a mistake)."""
    neighbours = {n.pitch for n in notes[max(0, t - 1) : t + 2] if n is not notes[t]}
    moves = [s for s in (2, -2, 1, -1, 3, -3) if (notes[t].pitch + s) % 12 in scale]
    return [s for s in moves if notes[t].pitch + s not in neighbours] or moves[:1]


def break_copied_runs(notes: list[Note], scale: set[int]) -> tuple[list[Note], int | None]:
    """Move one note of each over-long copied run a step within ``scale`` (pitch classes), until
    no run of more than MAX_COPIED_RUN notes is left; returns the notes and the final longest run
    (None when no originality index is built here)."""

    def longest(prefix: list[Note]) -> int:
        run = engines.copied_run(prefix)
        return 0 if run is None else run[0]

    notes = [Note(n.pitch, n.start, n.duration, n.velocity) for n in notes]
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
        # Move a note inside the run (the run is cut in two shorter ones), the first move that
        # leaves the prefix clean: a move can line the notes up with another corpus tune, and
        # moving the same note back and forth would never end (a chorale's stepwise line matches
        # some hymn or song nearly anywhere).
        options = [(t, step) for t in range(lo - 2, max(-1, lo - 2 - MAX_COPIED_RUN), -1)
                   for step in _copy_moves(notes, t, scale)]  # fmt: skip
        for t, step in options:
            notes[t].pitch += step
            if longest(notes[:lo]) <= MAX_COPIED_RUN:
                break
            notes[t].pitch -= step
        else:
            if options:
                notes[options[0][0]].pitch += options[0][1]
    final = engines.copied_run(notes)
    return notes, None if final is None else final[0]


def _with_choir(plan: Plan, harmony: Harmony, best: Candidate) -> None:
    """The winning chorale candidate sung in four parts (tunesmith.models.chorale's voice-leading
    search): its alto, tenor and bass replace the organ's block chords, and the chords it chose
    become the score's chord symbols."""

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

    report_progress(progress, "plan", 0.0)
    plan = make_plan(request)
    report_progress(progress, "harmony", 0.1)
    if plan.style.progression == "rules:jazz" and plan.user_chords is None:

        harmony = jazz_harmony(plan)
    else:
        harmony = make_harmony(plan)
    primer = load_primer(request.primer, plan) if request.primer else None
    seeds = [plan.seed] + [
        random.Random(plan.seed + k).randrange(1 << 31) for k in range(1, plan.request.candidates)
    ]
    candidates = []
    for i, seed in enumerate(seeds):
        report_progress(progress, f"candidate {i + 1}/{len(seeds)}", 0.15 + 0.8 * i / len(seeds))
        candidates.append(_candidate(plan, harmony, seed, primer))
    if preference is not None:

        for c in candidates:
            c.components["preference"] = float(preference(c.score))
            c.total += WEIGHTS["preference"] * c.components["preference"]
    candidates.sort(key=lambda c: -c.total)
    report_progress(progress, "four-part setting", 0.95)
    _with_choir(plan, harmony, candidates[0])
    report_progress(progress, "ranked", 1.0)
    return Composition(
        candidates[0].score,
        candidates,
        plan.request,
        plan,
        harmony.source,
        engines.model_versions(plan.model, learned_chords=plan.user_chords is None),
    )
