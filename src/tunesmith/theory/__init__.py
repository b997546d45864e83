"""Music theory: pitch spelling, keys and scales, chord symbols, Roman numerals, key detection,
chord recognition and voice leading.

Names are loaded lazily so importing ``tunesmith.theory`` stays cheap (key detection pulls numpy).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "pitch_name": "pitch",
    "parse_pitch_name": "pitch",
    "pc_name": "pitch",
    "name_to_pc": "pitch",
    "spell_pc": "pitch",
    "Key": "key",
    "MODES": "key",
    "key_from_signature": "key",
    "Chord": "chord",
    "QUALITIES": "chord",
    "parse_chord": "chord",
    "spell": "chord",
    "roman_to_chord": "roman",
    "chord_to_roman": "roman",
    "progression": "roman",
    "detect_key": "keydetect",
    "estimate_key": "keydetect",
    "KeyEstimate": "keydetect",
    "recognize_chord": "chordrec",
    "chords_per_bar": "chordrec",
    "voice_chord": "voicing",
    "voice_progression": "voicing",
    "bass_note": "voicing",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tunesmith.theory' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tunesmith.theory.{module}"), name)
