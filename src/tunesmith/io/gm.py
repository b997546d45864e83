"""General MIDI names: the 128 programs, what a score calls each instrument, and the percussion
key map (channel 10) with the staff position and notehead each drum is written with.

Drum positions follow the usual drum-set notation (and MuseScore's default drum set): kick in
the bottom space, snare on the third space, toms between, cymbals and hi-hats above the staff
with x noteheads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GM_NAMES: tuple[str, ...] = (
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano",
    "Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavinet",
    "Celesta", "Glockenspiel", "Music Box", "Vibraphone", "Marimba", "Xylophone", "Tubular Bells",
    "Dulcimer",
    "Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ", "Reed Organ", "Accordion",
    "Harmonica", "Tango Accordion",
    "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)", "Electric Guitar (jazz)",
    "Electric Guitar (clean)", "Electric Guitar (muted)", "Overdriven Guitar", "Distortion Guitar",
    "Guitar Harmonics",
    "Acoustic Bass", "Electric Bass (finger)", "Electric Bass (pick)", "Fretless Bass", "Slap Bass 1",
    "Slap Bass 2", "Synth Bass 1", "Synth Bass 2",
    "Violin", "Viola", "Cello", "Contrabass", "Tremolo Strings", "Pizzicato Strings", "Orchestral Harp",
    "Timpani",
    "String Ensemble 1", "String Ensemble 2", "Synth Strings 1", "Synth Strings 2", "Choir Aahs",
    "Voice Oohs", "Synth Voice", "Orchestra Hit",
    "Trumpet", "Trombone", "Tuba", "Muted Trumpet", "French Horn", "Brass Section", "Synth Brass 1",
    "Synth Brass 2",
    "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon",
    "Clarinet",
    "Piccolo", "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina",
    "Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)", "Lead 5 (charang)",
    "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)",
    "Pad 1 (new age)", "Pad 2 (warm)", "Pad 3 (polysynth)", "Pad 4 (choir)", "Pad 5 (bowed)",
    "Pad 6 (metallic)", "Pad 7 (halo)", "Pad 8 (sweep)",
    "FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)", "FX 5 (brightness)",
    "FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)",
    "Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipe", "Fiddle", "Shanai",
    "Tinkle Bell", "Agogo", "Steel Drums", "Woodblock", "Taiko Drum", "Melodic Tom", "Synth Drum",
    "Reverse Cymbal",
    "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet", "Telephone Ring", "Helicopter",
    "Applause", "Gunshot",
)  # fmt: skip


_NOTATION_NAMES = {
    "Acoustic Grand Piano": "Piano",
    "Choir Aahs": "Choir",
    "Lead": "Synth Lead",
    "Pad": "Synth Pad",
    "FX": "Synth Effects",
    "String Ensemble": "Strings",
    "Synth Strings": "Synth Strings",
}


def notation_name(program: int) -> str:
    """The instrument name a score shows for GM ``program``: 'Acoustic Guitar (nylon)' ->
    'Acoustic Guitar', 'Electric Piano 1' -> 'Electric Piano', 'Pad 2 (warm)' -> 'Synth Pad'."""
    name = GM_NAMES[max(0, min(127, program))]
    short = re.sub(r"\s*\(.*\)$", "", name)
    short = re.sub(r"\s+\d+$", "", short)
    return _NOTATION_NAMES.get(short, short)


@dataclass(frozen=True, slots=True)
class Drum:
    """One GM percussion key: its name and how a five-line percussion staff shows it."""

    name: str
    step: str
    octave: int
    notehead: str = "normal"


DRUM_KIT: dict[int, Drum] = {
    35: Drum("Acoustic Bass Drum", "E", 4), 36: Drum("Bass Drum 1", "F", 4),
    37: Drum("Side Stick", "C", 5, "x"), 38: Drum("Acoustic Snare", "C", 5),
    39: Drum("Hand Clap", "B", 4, "x"), 40: Drum("Electric Snare", "C", 5),
    41: Drum("Low Floor Tom", "G", 4), 42: Drum("Closed Hi-Hat", "G", 5, "x"),
    43: Drum("High Floor Tom", "A", 4), 44: Drum("Pedal Hi-Hat", "D", 4, "x"),
    45: Drum("Low Tom", "B", 4), 46: Drum("Open Hi-Hat", "G", 5, "circle-x"),
    47: Drum("Low-Mid Tom", "D", 5), 48: Drum("Hi-Mid Tom", "E", 5),
    49: Drum("Crash Cymbal 1", "A", 5, "x"), 50: Drum("High Tom", "F", 5),
    51: Drum("Ride Cymbal 1", "F", 5, "x"), 52: Drum("Chinese Cymbal", "C", 6, "x"),
    53: Drum("Ride Bell", "F", 5, "diamond"), 54: Drum("Tambourine", "E", 5, "diamond"),
    55: Drum("Splash Cymbal", "B", 5, "circle-x"), 56: Drum("Cowbell", "E", 5, "triangle"),
    57: Drum("Crash Cymbal 2", "B", 5, "x"), 58: Drum("Vibraslap", "D", 5, "diamond"),
    59: Drum("Ride Cymbal 2", "D", 6, "x"), 60: Drum("Hi Bongo", "E", 5),
    61: Drum("Low Bongo", "D", 5), 62: Drum("Mute Hi Conga", "C", 5, "x"),
    63: Drum("Open Hi Conga", "C", 5), 64: Drum("Low Conga", "A", 4),
    65: Drum("High Timbale", "E", 5), 66: Drum("Low Timbale", "D", 5),
    67: Drum("High Agogo", "G", 5, "triangle"), 68: Drum("Low Agogo", "F", 5, "triangle"),
    69: Drum("Cabasa", "E", 5, "x"), 70: Drum("Maracas", "D", 5, "x"),
    71: Drum("Short Whistle", "A", 5, "diamond"), 72: Drum("Long Whistle", "A", 5, "diamond"),
    73: Drum("Short Guiro", "B", 4, "x"), 74: Drum("Long Guiro", "B", 4, "x"),
    75: Drum("Claves", "E", 5, "x"), 76: Drum("Hi Wood Block", "G", 5, "triangle"),
    77: Drum("Low Wood Block", "F", 5, "triangle"), 78: Drum("Mute Cuica", "D", 5, "x"),
    79: Drum("Open Cuica", "D", 5), 80: Drum("Mute Triangle", "A", 5, "triangle"),
    81: Drum("Open Triangle", "A", 5, "triangle"),
}  # fmt: skip


def drum(key: int) -> Drum:
    """How percussion key ``key`` is written; keys outside GM's 35-81 sit on the middle line."""
    return DRUM_KIT.get(key) or Drum(f"Percussion {key}", "B", 4, "x")


TRANSPOSING: dict[int, tuple[int, int]] = {
    # program: (diatonic steps, semitones) added to the written pitch to give the sounding one,
    # as MusicXML's <transpose> says it (a B-flat clarinet sounds a major second below its part)
    56: (-1, -2),  # trumpet in B-flat
    59: (-1, -2),  # muted trumpet
    60: (-4, -7),  # horn in F
    64: (-1, -2),  # soprano sax in B-flat
    65: (-5, -9),  # alto sax in E-flat
    66: (-8, -14),  # tenor sax in B-flat (a ninth)
    67: (-12, -21),  # baritone sax in E-flat (an octave and a sixth)
    69: (-4, -7),  # English horn in F
    71: (-1, -2),  # clarinet in B-flat
    72: (7, 12),  # piccolo, written an octave below its sound
    78: (7, 12),  # tin whistle, likewise
}
"""General MIDI programs whose parts are written transposed (concert pitch is what plays)."""

GRAND_STAFF = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 46})
"""Keyboards and the harp: written on two staves (treble over bass)."""
