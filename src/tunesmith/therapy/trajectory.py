"""Where a listening session starts and where it leads, on the valence/arousal plane.

The iso principle (Altshuler; used in music therapy since): meet the listener's present state, then
move step by step towards the wanted one. A trajectory is a list of waypoints in [-1, 1]²; the
target at any moment eases between them (smoothstep), so no control jumps. From each target point
the features the music should have follow the music-emotion literature (Gabrielsson & Lindström
2010): arousal raises tempo, loudness, density and rhythmic activity; valence raises mode
(major), register and brightness; tension grows with arousal and falls with valence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tunesmith.compose.request import MOODS
from tunesmith.errors import ControlError

STATES: dict[str, tuple[float, float]] = {
    "anxious": (-0.5, 0.75),
    "stressed": (-0.45, 0.6),
    "restless": (-0.2, 0.5),
    "angry": (-0.8, 0.85),
    "sad": (-0.7, -0.45),
    "low": (-0.5, -0.5),
    "tired": (-0.2, -0.65),
    "neutral": (0.0, 0.0),
    "focused": (0.25, 0.05),
    "content": (0.5, -0.2),
    "calm": (0.4, -0.7),
    "relaxed": (0.45, -0.55),
    "sleepy": (0.2, -0.9),
    "happy": (0.8, 0.45),
    "energetic": (0.6, 0.85),
}
"""Named states (valence, arousal): the listener's words for where they are and want to be."""

PRESETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "relax": (("anxious", "relaxed", "calm"), ("ambient", "ballad", "lullaby")),
    "sleep": (("relaxed", "calm", "sleepy"), ("lullaby", "ambient")),
    "focus": (("restless", "focused", "focused"), ("ambient", "ballad", "folk")),
    "energise": (("tired", "content", "energetic"), ("pop", "folk", "celtic")),
}
"""Preset: waypoints, and the styles it may use (the listener's ratings pick among them)."""

MINUTES_RANGE = (0.5, 60.0)


@dataclass(frozen=True)
class Point:
    valence: float
    arousal: float


def parse_point(text: str) -> Point:
    """A named state ('anxious'), a compose mood ('tender') or 'valence,arousal' ('-0.5,0.7')."""
    word = text.strip().lower()
    if word in STATES:
        return Point(*STATES[word])
    if word in MOODS:
        return Point(*MOODS[word])
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*[,/ ]\s*(-?\d+(?:\.\d+)?)\s*", text)
    if match:
        v, a = float(match.group(1)), float(match.group(2))
        if not (-1 <= v <= 1 and -1 <= a <= 1):
            raise ControlError(
                "trajectory", f"{text!r} is off the mood plane; allowed: valence and arousal in -1..1"
            )
        return Point(v, a)
    names = ", ".join([*STATES, *(m for m in MOODS if m not in STATES)])
    raise ControlError(
        "trajectory", f"unknown state {text!r}; allowed: {names}, or 'valence,arousal' in -1..1"
    )


def smoothstep(x: float) -> float:
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


@dataclass(frozen=True)
class Trajectory:
    points: tuple[Point, ...]

    def __post_init__(self) -> None:
        if len(self.points) < 2:
            raise ControlError("trajectory", "needs a start and an end")
        if len(self.points) > 12:
            raise ControlError("trajectory", f"{len(self.points)} waypoints; allowed: at most 12")

    def at(self, fraction: float) -> Point:
        """The target at ``fraction`` (0 = start, 1 = end) of the session: eased between waypoints,
        each leg the same share of time."""
        legs = len(self.points) - 1
        pos = min(max(fraction, 0.0), 1.0) * legs
        leg = min(int(pos), legs - 1)
        t = smoothstep(pos - leg)
        a, b = self.points[leg], self.points[leg + 1]
        return Point(a.valence + (b.valence - a.valence) * t, a.arousal + (b.arousal - a.arousal) * t)


def trajectory(
    start: str | None, end: str | None, preset: str | None, via: list[str] | None = None
) -> tuple[Trajectory, tuple[str, ...]]:
    """The trajectory and the allowed styles: from a preset, or from start (and via) to end."""
    if preset is not None:
        if preset not in PRESETS:
            raise ControlError("preset", f"unknown preset {preset!r}; allowed: {', '.join(PRESETS)}")
        names, styles = PRESETS[preset]
        points = [parse_point(n) for n in names]
        if start is not None:
            points[0] = parse_point(start)
        if end is not None:
            points[-1] = parse_point(end)
        return Trajectory(tuple(points)), styles
    if start is None or end is None:
        raise ControlError("trajectory", "give --from and --to (states or 'valence,arousal'), or a --preset")
    points = [parse_point(start), *(parse_point(v) for v in via or []), parse_point(end)]
    return Trajectory(tuple(points)), ()


@dataclass(frozen=True)
class Targets:
    """What the music should do at one point of the plane (units in each field's name)."""

    tempo_bpm: float
    loudness: float
    """0 (softest) to 1 (loudest): scales velocities."""
    density: float
    """0..1: relative note density."""
    register: float
    """Semitones above or below the style's usual register."""
    brightness: float
    """-1..1: darker to brighter timbre."""
    major: float
    """1 major, 0 minor."""
    tension: float
    """0..1: harmonic tension."""


def targets(p: Point) -> Targets:
    return Targets(
        tempo_bpm=round(80 + 36 * p.arousal, 1),  # 44..116 bpm: sleep to a lively walking pace
        loudness=0.5 + 0.4 * p.arousal,
        density=0.5 + 0.45 * p.arousal,
        register=5 * p.valence,
        brightness=0.6 * p.valence + 0.4 * p.arousal,
        major=1.0 if p.valence >= -0.15 else 0.0,
        tension=min(1.0, max(0.0, 0.5 + 0.35 * p.arousal - 0.35 * p.valence)),
    )
