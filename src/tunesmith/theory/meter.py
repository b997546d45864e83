"""Meter: how a time signature groups its bar into felt beats, and which of them are strong.

One definition for the whole project (composing, evaluating, harmonising, part-writing):

- compound: the numerator is a multiple of 3 above 3 (6/8, 9/8, 12/8, 6/4, 12/16): each felt beat
  is a dotted unit of three; 3/8 and 3/4 are simple triple (three beats of one unit);
- beats per bar: numerator / 3 when compound, else the numerator;
- strong beats: the downbeat, plus the middle beat when the bar has an even number of beats, at
  least 4 simple (1 and 3 of 4/4) or 2 compound (1 and 4 of 6/8, 1 and 7 of 12/8); 2/4, 3/4 and
  9/8 have only the downbeat.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunesmith.score import TICKS_PER_QUARTER, TimeSignature


@dataclass(frozen=True, slots=True)
class Meter:
    """A time signature with its beat grouping: 6/8 has 2 dotted-quarter beats of 3 eighths."""

    numerator: int
    denominator: int

    @classmethod
    def parse(cls, text: str) -> Meter:
        num, den = text.split("/")
        return cls(int(num), int(den))

    @classmethod
    def of(cls, signature: TimeSignature) -> Meter:
        return cls(signature.numerator, signature.denominator)

    @property
    def unit_ticks(self) -> int:
        """One note of the denominator's value."""
        return TICKS_PER_QUARTER * 4 // self.denominator

    @property
    def bar_ticks(self) -> int:
        return self.numerator * self.unit_ticks

    @property
    def compound(self) -> bool:
        return self.numerator % 3 == 0 and self.numerator > 3

    @property
    def beats(self) -> int:
        return self.numerator // 3 if self.compound else self.numerator

    @property
    def beat_ticks(self) -> int:
        """One felt beat: the dotted unit when compound, else the unit."""
        return self.unit_ticks * 3 if self.compound else self.unit_ticks

    def strong_beats(self) -> tuple[int, ...]:
        """Tick offsets in a bar of the strong beats (see the module docstring)."""
        if self.beats % 2 == 0 and (self.beats >= 4 or (self.compound and self.beats >= 2)):
            return (0, self.beats // 2 * self.beat_ticks)
        return (0,)

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"
