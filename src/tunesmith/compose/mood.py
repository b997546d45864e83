"""What a mood changes in the arrangement, after the music-emotion literature.

Gabrielsson & Lindström (2010) and Eerola & Vuoskoski (2013) summarise the cues listeners read:
arousal goes with tempo, loudness, note density, articulation (staccato vs legato) and rhythmic
activity; valence with mode, register, consonance and the brightness of the sound. Tension is its own
corner (negative valence, high arousal): dissonant colour (minor seconds, diminished and sus chords),
an ostinato over a low pedal, irregular accents; it is not sadness played faster.

``mood_profile`` turns (valence, arousal) into the arranger's choices; ``mood_tempo`` into a tempo
that may leave the style's range where the mood demands it (the piece's JSON says so).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tunesmith.compose.request import TEMPO_RANGE

CALM_BELOW = -0.3
DRIVING_ABOVE = 0.45

# Comping patterns by energy: the calm and the driving version of each style pattern.
_CALM_ACCOMPANIMENT = {
    "strum": "arpeggio", "pulse": "arpeggio", "afterbeat": "sustain", "broken": "arpeggio-slow",
    "arpeggio": "arpeggio-slow", "comp": "comp-sparse", "oompah": "oompah",
}  # fmt: skip
_DRIVING_ACCOMPANIMENT = {
    "strum": "pulse", "arpeggio": "broken", "arpeggio-slow": "arpeggio", "broken": "pulse",
    "sustain": "arpeggio", "comp": "comp", "afterbeat": "afterbeat", "pulse": "pulse",
}  # fmt: skip
_CALM_BASS = {"root-fifth": "sustain", "root": "sustain", "march": "root", "oompah": "oompah",
              "walking": "root", "eighths": "root"}  # fmt: skip
_DRIVING_BASS = {
    "root": "root-fifth", "root-fifth": "eighths", "sustain": "root-fifth", "pedal": "pedal-pulse",
}  # fmt: skip
_CALM_DRUMS = {
    "backbeat": "ballad", "folk": "sparse", "march": "ballad", "swing": "brushes", "bodhran": "sparse",
}  # fmt: skip
_DRIVING_DRUMS = {"ballad": "backbeat", "backbeat": "drive", "sparse": "folk"}


@dataclass(frozen=True, slots=True)
class MoodProfile:
    """The arranger's mood choices. ``energy`` -1 calm, 0 moderate, +1 driving; ``colour`` the
    harmonic colour ('bright', 'plain', 'dark', 'tense'); ``register`` semitones the accompaniment,
    bass and pad move (up for positive valence); ``legato`` joins melody notes (calm)."""

    energy: int = 0
    colour: str = "plain"
    register: int = 0
    legato: bool = False
    staccato: bool = False
    counter_everywhere: bool = False
    add_pad: bool = False
    tense: bool = False

    def accompaniment(self, pattern: str) -> str:
        if pattern == "block":
            return pattern  # a chorale stays four voices whatever the mood
        if self.tense:
            return "ostinato"
        if self.energy < 0:
            return _CALM_ACCOMPANIMENT.get(pattern, pattern)
        if self.energy > 0:
            return _DRIVING_ACCOMPANIMENT.get(pattern, pattern)
        return pattern

    def bass(self, pattern: str) -> str:
        if self.tense and pattern != "sustain":
            return "pedal-pulse"
        if self.energy < 0:
            return _CALM_BASS.get(pattern, pattern)
        if self.energy > 0:
            return _DRIVING_BASS.get(pattern, pattern)
        return pattern

    def drums(self, pattern: str) -> str:
        if pattern == "none":
            return pattern
        if self.tense:
            return "tense"
        if self.energy < 0:
            return _CALM_DRUMS.get(pattern, pattern)
        if self.energy > 0:
            return _DRIVING_DRUMS.get(pattern, pattern)
        return pattern

    def summary(self) -> dict[str, Any]:
        return asdict(self)


def mood_profile(valence: float, arousal: float) -> MoodProfile:
    """The arrangement choices for a point on the valence/arousal plane (see the module docstring)."""
    tense = valence < -0.3 and arousal > 0.3
    energy = -1 if arousal < CALM_BELOW else (1 if arousal > DRIVING_ABOVE else 0)
    if tense:
        colour = "tense"
    elif valence > 0.45:
        colour = "bright"
    elif valence < -0.3:
        colour = "dark"
    else:
        colour = "plain"
    register = -4 if tense else round(4 * valence)
    return MoodProfile(
        energy=energy,
        colour=colour,
        register=register,
        legato=energy < 0 and not tense,
        staccato=tense or arousal > 0.6,
        counter_everywhere=energy > 0 and valence > 0,
        add_pad=(colour == "dark" or energy < 0) and not tense,
        tense=tense,
    )


def mood_tempo(style_tempo: tuple[int, int], valence: float, arousal: float) -> tuple[float, bool]:
    """(tempo, whether it left the style's range). Arousal scales the style's middle tempo by up to
    about 1.4 up or 0.7 down; negative valence slows a little more (sadness is slow)."""
    low, high = style_tempo
    mid = (low + high) / 2
    factor = 2 ** (0.5 * arousal - 0.12 * max(0.0, -valence) * (1 if arousal <= 0.3 else 0))
    tempo = float(round(min(TEMPO_RANGE[1], max(TEMPO_RANGE[0], mid * factor))))
    return tempo, not low <= tempo <= high


def mood_loudness(arousal: float, target_lufs: float = -14.0) -> float:
    """The master's loudness target: calm pieces are mastered a little quieter (down to about
    -17 LUFS), excited ones a little louder (about -13), so loudness follows arousal from piece to
    piece as it would on an album (each stem is levelled in the mix, so the master sets it)."""
    return round(target_lufs + 3.0 * min(0.0, arousal) + 1.0 * max(0.0, arousal), 1)
