"""A wellbeing listening session: one continuous piece that follows a mood trajectory.

The session is cut into segments of about half a minute; each is composed by the ordinary composer
at its own point of the trajectory (valence, arousal, tempo, mode) with the same key signature,
meter and style, and the segments' bodies (no intros or endings) are laid end to end. What would
make seams is then smoothed over the whole piece: the tempo map ramps bar by bar between the
segments' tempos, velocities follow a continuous loudness curve instead of each segment's level,
an instrument that enters or leaves fades over its segment, and the whole session is rendered in
one pass (no joins in the audio, so no clicks) and mastered with one gain, which keeps its dynamics.
Not a medical device: music for relaxation and wellbeing, not treatment.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tunesmith.compose.api import compose
from tunesmith.compose.request import ComposeRequest
from tunesmith.compose.styles import load_style
from tunesmith.errors import ControlError
from tunesmith.feedback.steer import preference_scorer
from tunesmith.score import (
    KeySignature,
    Metadata,
    Note,
    PitchBend,
    Score,
    Section,
    TempoChange,
    TimeSignature,
    Track,
)
from tunesmith.theory.key import Key
from tunesmith.therapy.trajectory import MINUTES_RANGE, Point, Targets, Trajectory, targets

SEGMENT_SECONDS = 30.0
RITARDANDO_TICKS = 8 * 480
FADE_FLOOR = 0.3
"""Velocity share an entering/leaving instrument starts/ends its segment at."""
DISCLAIMER = (
    "tunesmith sessions are music for relaxation and wellbeing, not a medical device: they do not "
    "diagnose, treat or prevent any condition. Seek professional care for health concerns."
)
Progress = Callable[[str, float], None]


@dataclass
class Segment:
    index: int
    start_tick: int
    end_tick: int
    start_seconds: float
    end_seconds: float
    point: Point
    targets: Targets
    style: str
    mode: str
    tracks: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "start_seconds": round(self.start_seconds, 2),
            "end_seconds": round(self.end_seconds, 2),
            "valence": round(self.point.valence, 3),
            "arousal": round(self.point.arousal, 3),
            "style": self.style,
            "mode": self.mode,
            "targets": {k: round(v, 3) for k, v in vars(self.targets).items()},
            "tracks": self.tracks,
        }


@dataclass
class Session:
    score: Score
    segments: list[Segment]
    trajectory: Trajectory
    style: str
    key: str
    meter: str
    seed: int
    minutes: float
    ending_tick: int
    """Where the closing cadence and ritardando begin (the end of the last segment's body)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "tunesmith-session",
            "disclaimer": DISCLAIMER,
            "minutes": self.minutes,
            "style": self.style,
            "key": self.key,
            "meter": self.meter,
            "seed": self.seed,
            "trajectory": [[p.valence, p.arousal] for p in self.trajectory.points],
            "segments": [s.to_dict() for s in self.segments],
        }


def _bars_for(seconds: float, tempo: float, bar_quarters: float) -> int:
    return max(4, min(16, 2 * round(seconds * tempo / 60 / bar_quarters / 2)))


def _body(score: Score) -> tuple[int, int]:
    """Ticks of the piece between its intro and its ending."""
    body = [s for s in score.sections if s.label not in ("intro", "ending", "outro", "tag")]
    if not body:
        return 0, score.end_tick()
    return min(s.start for s in body), max(s.end for s in body)


def _relative_key(key: str, major: bool) -> tuple[str, str]:
    """The key and mode sharing ``key``'s signature: minor moods move to the relative minor, so the
    signature (and most of the notes) stay while the mood darkens."""
    home = Key.parse(key)
    if major:
        return home.tonic_name, "major"
    minor = Key.from_fifths(home.fifths, "minor")
    return minor.tonic_name, "minor"


def choose_style(
    styles: tuple[str, ...], first: Point, key: str, seed: int, *, user: str | None, preferences: Any
) -> str:
    """The allowed style the listener's preference model predicts they will rate highest (a short
    preview of each is composed and scored); the first style when nothing is learned."""
    if not styles:
        return "ambient"
    if user is None or preferences is None or len(styles) == 1:
        return styles[0]

    scorer = preference_scorer(preferences, user)
    if scorer is None:
        return styles[0]
    t = targets(first)
    best, best_score = styles[0], -math.inf
    for style in styles:
        preview = compose(
            ComposeRequest(
                style=style,
                valence=first.valence,
                arousal=first.arousal,
                key=key,
                tempo=t.tempo_bpm,
                bars=8,
                seed=seed,
                candidates=1,
            )
        )
        value = scorer(preview.score)
        if value > best_score:
            best, best_score = style, value
    return best


def make_session(
    trajectory: Trajectory,
    minutes: float,
    *,
    style: str | None = None,
    styles: tuple[str, ...] = (),
    key: str = "C",
    seed: int | None = None,
    user: str | None = None,
    preferences: Any = None,
    progress: Progress | None = None,
) -> Session:
    """Compose the session (symbolic; render it with tunesmith.render)."""
    lo, hi = MINUTES_RANGE
    if not isinstance(minutes, int | float) or not lo <= minutes <= hi:
        raise ControlError("minutes", f"{minutes} is out of range; allowed: {lo:g} to {hi:g} minutes")
    seed = random.Random().randrange(1 << 31) if seed is None else int(seed)
    chosen = style or choose_style(styles, trajectory.at(0.0), key, seed, user=user, preferences=preferences)
    meter = load_style(chosen).meters[0]
    count = max(1, round(minutes * 60 / SEGMENT_SECONDS))
    tracks: dict[tuple[str, int, bool], Track] = {}
    segments: list[Segment] = []
    tick = 0
    seconds = 0.0
    for k in range(count):
        if progress:
            progress(f"segment {k + 1}/{count}", k / count)
        point = trajectory.at((k + 0.5) / count)
        t = targets(point)
        tonic, mode = _relative_key(key, t.major >= 0.5)
        num, den = (int(x) for x in meter.split("/"))
        bar_q = num * 4 / den
        remaining = minutes * 60 - seconds
        bars = _bars_for(
            min(SEGMENT_SECONDS, remaining) if k == count - 1 else SEGMENT_SECONDS, t.tempo_bpm, bar_q
        )
        piece = compose(
            ComposeRequest(
                style=chosen,
                valence=point.valence,
                arousal=point.arousal,
                key=tonic,
                mode=mode,
                tempo=t.tempo_bpm,
                meter=meter,
                bars=bars,
                form=None if bars >= 8 else "AB",  # short segments: two phrases
                seed=seed + k,
                candidates=1,
            )
        ).score
        start, end = _body(piece)
        body_end = tick + end - start
        if k == count - 1:  # the session ends as a piece does: cadence, held chord, ritardando
            end = piece.end_tick()
        names = []
        for track in piece.tracks:
            slot = (track.name.split(" (")[0], track.program, track.is_drum)
            target = tracks.setdefault(slot, Track(track.name, track.program, track.is_drum, []))
            for n in track.notes:
                if start <= n.start < end:
                    target.notes.append(
                        Note(n.pitch, n.start - start + tick, min(n.end, end) - n.start, n.velocity)
                    )
            # the segment's slides (chinese-folk); the wheel is back at 0 where the segment ends
            bends = [PitchBend(b.tick - start + tick, b.value) for b in track.bends if start <= b.tick < end]
            if bends and bends[-1].value:
                bends.append(PitchBend(end - start + tick, 0))
            target.bends += bends
            names.append(track.name)
        length = end - start
        seg_seconds = length / 480 * 60 / t.tempo_bpm
        segments.append(
            Segment(k, tick, tick + length, seconds, seconds + seg_seconds, point, t, chosen, mode, names)
        )
        tick += length
        seconds += seg_seconds
    fifths = _fifths(key)
    score = Score(
        tracks=[t for t in tracks.values() if t.notes],
        tempos=_tempo_ramp(segments),
        time_signatures=[TimeSignature(0, *(int(x) for x in meter.split("/")))],
        key_signatures=[KeySignature(s.start_tick, fifths, s.mode) for s in segments],
        sections=[Section(s.start_tick, s.end_tick, f"segment {s.index + 1}") for s in segments],
        metadata=Metadata(
            title=f"Session {trajectory_name(trajectory)}",
            source="tunesmith session",
            style_tags=[chosen, "session"],
        ),
    )
    _bridge_joins(score, segments)
    _shape_dynamics(score, segments)
    _fade_entries(score, segments)
    score.sort()
    if progress:
        progress("done", 1.0)
    return Session(score, segments, trajectory, chosen, key, meter, seed, float(minutes), body_end)


def _fifths(key: str) -> int:
    return Key.parse(key).fifths


def trajectory_name(tr: Trajectory) -> str:
    a, b = tr.points[0], tr.points[-1]
    return f"({a.valence:+.1f}, {a.arousal:+.1f}) to ({b.valence:+.1f}, {b.arousal:+.1f})"


def _tempo_ramp(segments: list[Segment]) -> list[TempoChange]:
    """A tempo change every beat, linear between the segments' centres: no tempo jumps."""
    tempo = _curve(segments, lambda s: s.targets.tempo_bpm)
    end = segments[-1].end_tick
    out: list[TempoChange] = []
    for tick in range(0, end, 480):
        bpm = tempo(tick)
        left = end - tick
        if left < RITARDANDO_TICKS:  # a gentle ritardando into the last chord
            bpm *= 1 - 0.2 * (1 - left / RITARDANDO_TICKS)
        if not out or abs(out[-1].bpm - bpm) >= 0.05:
            out.append(TempoChange(tick, round(bpm, 2)))
    return out


def _curve(segments: list[Segment], value: Callable[[Segment], float]) -> Callable[[int], float]:
    centres = [((s.start_tick + s.end_tick) / 2, value(s)) for s in segments]

    def at(tick: int) -> float:
        if tick <= centres[0][0]:
            return centres[0][1]
        if tick >= centres[-1][0]:
            return centres[-1][1]
        i = next(j for j in range(1, len(centres)) if centres[j][0] >= tick)
        (x0, y0), (x1, y1) = centres[i - 1], centres[i]
        return y0 + (y1 - y0) * (tick - x0) / (x1 - x0)

    return at


def _segment_at(segments: list[Segment], tick: int) -> Segment:
    for s in segments:
        if s.start_tick <= tick < s.end_tick:
            return s
    return segments[-1]


def _bridge_joins(score: Score, segments: list[Segment]) -> None:
    """A segment's last notes sound on to where the next begins: a cadence that ends early would
    leave a near-silent gap at the join, heard as a seam."""
    for seg in segments[:-1]:
        for track in score.tracks:
            if track.is_drum:
                continue
            inside = [n for n in track.notes if seg.start_tick <= n.start < seg.end_tick]
            if not inside:
                continue
            last_end = max(n.end for n in inside)
            if last_end >= seg.end_tick:
                continue
            for n in inside:
                if n.end == last_end:
                    n.duration = seg.end_tick - n.start


def _shape_dynamics(score: Score, segments: list[Segment]) -> None:
    """Velocities follow one continuous loudness curve rather than each segment's own level."""
    loud = _curve(segments, lambda s: s.targets.loudness)
    for track in score.tracks:
        for n in track.notes:
            seg = _segment_at(segments, n.start)
            factor = (0.55 + 0.9 * loud(n.start)) / (0.55 + 0.9 * seg.targets.loudness)
            n.velocity = max(1, min(127, round(n.velocity * factor)))


def _fade_entries(score: Score, segments: list[Segment]) -> None:
    """An instrument that enters (or leaves) at a segment fades in (or out) across it."""
    for track in score.tracks:
        present = [any(s.start_tick <= n.start < s.end_tick for n in track.notes) for s in segments]
        for k, seg in enumerate(segments):
            if not present[k]:
                continue
            enters = k > 0 and not present[k - 1]
            leaves = k + 1 < len(segments) and not present[k + 1]
            if not (enters or leaves):
                continue
            span = max(1, seg.end_tick - seg.start_tick)
            for n in track.notes:
                if seg.start_tick <= n.start < seg.end_tick:
                    x = (n.start - seg.start_tick) / span
                    gain = 1.0
                    if enters:
                        gain *= FADE_FLOOR + (1 - FADE_FLOOR) * x
                    if leaves:
                        gain *= FADE_FLOOR + (1 - FADE_FLOOR) * (1 - x)
                    n.velocity = max(1, round(n.velocity * gain))
