"""Styles are data: one TOML file per style in ``data/styles/`` (or a folder the user names).

A style file says which instruments play which role (melody, counter, accompaniment, bass, pad)
and in what range, the tempo range and meters, the accompaniment/bass/drum pattern names, the form,
the harmonic habits (chords per bar, common progressions as Roman numerals, cadences), the
humanisation amounts and mix hints. Adding a style means adding a file: ``load_style`` searches
the folders of ``styles_path`` (``os.pathsep``-separated), then ``$TUNESMITH_STYLES_PATH``, then
the shipped folder. A broken file raises ControlError naming the file and the problem.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunesmith.compose.instruments import lookup, program_range
from tunesmith.errors import ControlError
from tunesmith.paths import PACKAGE_DATA
from tunesmith.theory.key import SCALES, Key
from tunesmith.theory.pitch import parse_pitch_name
from tunesmith.theory.roman import roman_to_chord

SHIPPED_STYLES = PACKAGE_DATA / "styles"
ROLES = ("melody", "counter", "accompaniment", "bass", "pad")
METERS = ("4/4", "3/4", "6/8", "2/4")
ACCOMPANIMENT_PATTERNS = (
    "strum", "oompah", "arpeggio", "afterbeat", "block", "sustain", "broken", "pulse", "arpeggio-slow",
    "ostinato", "comp", "comp-sparse", "comp-alt",
)  # fmt: skip
BASS_PATTERNS = (
    "root", "root-fifth", "oompah", "walking", "pedal", "sustain", "march", "eighths", "pedal-pulse",
)  # fmt: skip
DRUM_PATTERNS = (
    "none", "backbeat", "ballad", "march", "folk", "waltz", "sparse", "drive", "tense", "swing", "brushes",
    "bodhran",
)  # fmt: skip
COUNTER_PATTERNS = ("thirds", "sustain", "answer")
CADENCES = ("authentic", "plagal", "half")
PROGRESSIONS = ("", "rules:jazz")
HARMONY_GENERATORS = ("model", "progressions")
"""Where generated chords come from: the style-conditioned chord model (styles with a corpus) or
the style's own progressions (styles without one: pop, ballad, ambient ...)."""
CADENCE_SCOPES = ("phrase", "section", "final")
"""Where cadences are imposed: every phrase (half cadence after an antecedent, authentic at a
section's end), only at section ends, or only at the end of the piece (ambient)."""


@dataclass(frozen=True, slots=True)
class Part:
    """One instrument role of a style: GM program, range (MIDI), pattern name and mix hints."""

    role: str
    program: int
    low: int
    high: int
    pattern: str = ""
    gain_db: float = 0.0
    pan: float = 0.0
    reverb: float = 0.2


@dataclass(frozen=True, slots=True)
class Style:
    """Everything the composer needs to know about one style (see the module docstring)."""

    name: str
    description: str
    model_style: str
    meters: tuple[str, ...]
    tempo: tuple[int, int]
    form: str
    section_bars: int
    phrase_bars: int
    intro_bars: int
    chords_per_bar: int
    progressions_major: tuple[tuple[str, ...], ...]
    progressions_minor: tuple[tuple[str, ...], ...]
    final_cadence: str
    keys_major: tuple[str, ...]
    keys_minor: tuple[str, ...]
    melody_density: float
    swing: float
    timing_ms: float
    velocity_spread: float
    drums: str
    parts: dict[str, Part] = field(default_factory=dict)
    drum_gain_db: float = -4.0
    reverb: float = 0.25
    default_mode: str = "major"
    minor_mode: str = "minor"
    scale: str = "diatonic"
    tags: tuple[str, ...] = ()
    source: str = ""
    use_harmonizer: bool = False
    """Sing a 'block' accompaniment in four parts with the chorale harmonizer (when installed)."""
    ornaments: str = ""
    """'celtic' (cuts and rolls) or 'chinese' (grace notes into long notes) on the melody."""
    dotted_rhythm: bool = False
    """Pairs of eighths on a beat played dotted (march)."""
    trio: bool = False
    """The contrasting strain in the subdominant key (march)."""
    melody_span: int = 17
    """Widest melody range in semitones (the tune's compass; fiddle tunes span more than songs)."""
    meter_weights: tuple[float, ...] = ()
    """How often each of ``meters`` is chosen when the request names none (the style corpus's
    proportions); empty: always the first."""
    resolve_dissonances: bool = False
    """Melody notes outside the chord on strong beats resolve by step or become chord tones (lullaby)."""
    dynamic: float = 1.0
    """Scale of every velocity: a lullaby or an ambient piece is played softer (timbre and the
    written dynamics; the mix and master set the final level)."""
    articulation: str = ""
    """'staccato' (short notes played detached: march) or 'legato' (the melody held note into
    note: lullaby, ballad); empty: the mood decides alone."""
    progression: str = ""
    """'rules:jazz': chords from the rule-based ii-V-I generator (tunesmith.compose.jazz) instead of
    the chord model and the progression lists; empty: the usual harmony stage."""
    vocabulary_major: tuple[str, ...] = ()
    """Chords the style uses in its default mode (Roman numerals read in the major or natural
    minor of the piece's tonic, whatever its mode: VII is G in A dorian as in A minor); empty: any
    chord. Generated harmony never leaves it (the chord model is masked to it)."""
    vocabulary_minor: tuple[str, ...] = ()
    harmony_generator: str = "model"
    cadence_scope: str = "phrase"
    dominant_major: str = "V"
    """The chord of half cadences and of the bar before the tonic at authentic ones."""
    dominant_minor: str = "V"
    """In minor: V, or a modal style's VII (the bVII-i close of dorian and aeolian tunes)."""
    predominant_major: tuple[str, ...] = ("IV", "ii")
    predominant_minor: tuple[str, ...] = ("iv", "VI")

    def vocabulary(self, minor: bool) -> tuple[str, ...]:
        return self.vocabulary_minor if minor else self.vocabulary_major


def styles_dirs(styles_path: str | None = None) -> list[Path]:
    """Folders searched for style files, first match wins."""
    dirs: list[Path] = []
    for text in (styles_path, os.environ.get("TUNESMITH_STYLES_PATH")):
        if text:
            dirs += [Path(p).expanduser() for p in text.split(os.pathsep) if p]
    dirs.append(SHIPPED_STYLES)
    return dirs


def available_styles(styles_path: str | None = None) -> list[str]:
    """Names of every style file found (sorted)."""
    names = {p.stem for d in styles_dirs(styles_path) if d.is_dir() for p in d.glob("*.toml")}
    return sorted(names)


def load_style(name: str, styles_path: str | None = None) -> Style:
    """The style called ``name``; ControlError lists the available ones when there is none."""
    clean = name.strip().lower().replace(" ", "-").replace("_", "-")
    for folder in styles_dirs(styles_path):
        path = folder / f"{clean}.toml"
        if path.is_file():
            return parse_style_file(path)
    raise ControlError(
        "style", f"unknown style {name!r}; allowed: {', '.join(available_styles(styles_path))}"
    )


def parse_style_file(path: Path) -> Style:
    """Read and validate one style file; every problem is a ControlError naming the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ControlError("style", f"{path}: cannot read ({err})") from err
    except tomllib.TOMLDecodeError as err:
        raise ControlError("style", f"{path}: not valid TOML ({err})") from err
    try:
        return _build(data, path)
    except ControlError:
        raise
    except (KeyError, TypeError, ValueError) as err:
        raise ControlError("style", f"{path}: {err}") from err


def _need(data: dict[str, Any], key: str, kind: type | tuple[type, ...], path: Path) -> Any:
    if key not in data:
        raise ControlError("style", f"{path}: missing required field {key!r}")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ControlError("style", f"{path}: field {key!r} has the wrong type ({type(value).__name__})")
    return value


def _choice(value: str, allowed: tuple[str, ...], what: str, path: Path) -> str:
    if value not in allowed:
        raise ControlError("style", f"{path}: {what} {value!r} is unknown; allowed: {', '.join(allowed)}")
    return value


def _part(role: str, spec: dict[str, Any], path: Path) -> Part:
    if "instrument" not in spec:
        raise ControlError("style", f"{path}: part {role!r} needs an 'instrument'")
    try:
        inst = lookup(str(spec["instrument"]))
    except ControlError as err:
        raise ControlError("style", f"{path}: part {role!r}: {err.problem}") from err
    low, high = program_range(inst.program)
    if "low" in spec:
        low = max(low, parse_pitch_name(str(spec["low"])))
    if "high" in spec:
        high = min(high, parse_pitch_name(str(spec["high"])))
    if high - low < 7:
        raise ControlError("style", f"{path}: part {role!r} range {low}-{high} is under a fifth wide")
    pattern = str(spec.get("pattern", ""))
    allowed = {"accompaniment": ACCOMPANIMENT_PATTERNS, "bass": BASS_PATTERNS, "counter": COUNTER_PATTERNS}
    if role in allowed:
        pattern = _choice(pattern or allowed[role][0], allowed[role], f"{role} pattern", path)
    pan = float(spec.get("pan", 0.0))
    if not -1.0 <= pan <= 1.0:
        raise ControlError("style", f"{path}: part {role!r} pan {pan} outside -1..1")
    return Part(
        role,
        inst.program,
        low,
        high,
        pattern,
        float(spec.get("gain_db", 0.0)),
        pan,
        float(spec.get("reverb", 0.2)),
    )


def _progressions(value: Any, path: Path, what: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list) or not value or not all(isinstance(p, list) and p for p in value):
        raise ControlError("style", f"{path}: {what} must be a non-empty list of Roman-numeral lists")
    return tuple(tuple(str(x) for x in p) for p in value)


def _vocabulary(value: Any, path: Path, what: str) -> tuple[str, ...]:
    """A list of Roman numerals, each checked by reading it in C major."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ControlError("style", f"{path}: {what} must be a list of Roman numerals")

    for numeral in value:
        try:
            roman_to_chord(numeral.strip(), Key(0, "major"))
        except ControlError as err:
            raise ControlError("style", f"{path}: {what}: {err.problem}") from err
    return tuple(v.strip() for v in value)


def _build(data: dict[str, Any], path: Path) -> Style:
    name = str(data.get("name", path.stem))
    meters = tuple(str(m) for m in _need(data, "meters", list, path))
    if not meters:
        raise ControlError("style", f"{path}: 'meters' is empty; allowed: {', '.join(METERS)}")
    for m in meters:
        _choice(m, METERS, "meter", path)
    weights = tuple(float(w) for w in data.get("meter_weights", []))
    bad = len(weights) != len(meters) or not all(0 <= w <= 1 for w in weights) or sum(weights) <= 0
    if weights and bad:
        raise ControlError("style", f"{path}: 'meter_weights' needs one weight in 0-1 per meter, not all 0")
    tempo = _need(data, "tempo", list, path)
    if len(tempo) != 2 or not 20 <= tempo[0] <= tempo[1] <= 300:
        raise ControlError("style", f"{path}: 'tempo' must be [low, high] bpm within 20-300")
    parts_data = _need(data, "parts", dict, path)
    if "melody" not in parts_data:
        raise ControlError("style", f"{path}: 'parts' needs at least a melody part")
    parts = {}
    for role, spec in parts_data.items():
        _choice(role, ROLES, "part role", path)
        parts[role] = _part(role, spec, path)
    harmony = _need(data, "harmony", dict, path)
    chords_per_bar = int(harmony.get("chords_per_bar", 1))
    if chords_per_bar not in (1, 2, 3, 4):
        raise ControlError("style", f"{path}: harmony.chords_per_bar must be 1, 2, 3 or 4")
    human = data.get("humanize", {})
    span = int(data.get("melody_span", 17))
    if not 7 <= span <= 28:
        raise ControlError("style", f"{path}: melody_span {span} outside 7-28 semitones")
    density = float(data.get("melody_density", 0.5))
    if not 0.05 <= density <= 1.0:
        raise ControlError("style", f"{path}: melody_density {density} outside 0.05-1")
    section_bars = int(data.get("section_bars", 8))
    phrase_bars = int(data.get("phrase_bars", 4))
    if section_bars % phrase_bars or phrase_bars < 2:
        raise ControlError("style", f"{path}: section_bars must be a multiple of phrase_bars (>= 2)")
    mix = data.get("mix", {})
    arrangement = data.get("arrangement", {})
    if not isinstance(arrangement, dict):
        raise ControlError("style", f"{path}: [arrangement] must be a table")

    default_mode = str(data.get("default_mode", "major"))
    minor_mode = str(data.get("minor_mode", "minor"))
    for m in (default_mode, minor_mode):
        _choice(m, tuple(SCALES), "mode", path)
    return Style(
        name=name,
        description=str(data.get("description", "")),
        model_style=str(data.get("model_style", name)),
        meters=meters,
        meter_weights=weights,
        tempo=(int(tempo[0]), int(tempo[1])),
        form=str(data.get("form", "AABB")),
        section_bars=section_bars,
        phrase_bars=phrase_bars,
        intro_bars=int(data.get("intro_bars", 2)),
        chords_per_bar=chords_per_bar,
        progressions_major=_progressions(harmony.get("major"), path, "harmony.major"),
        progressions_minor=_progressions(harmony.get("minor"), path, "harmony.minor"),
        final_cadence=_choice(str(harmony.get("final_cadence", "authentic")), CADENCES, "cadence", path),
        keys_major=tuple(str(k) for k in data.get("keys_major", ["C", "G", "D", "F"])),
        keys_minor=tuple(str(k) for k in data.get("keys_minor", ["A", "E", "D"])),
        melody_density=density,
        melody_span=span,
        swing=float(human.get("swing", 0.0)),
        timing_ms=float(human.get("timing_ms", 10.0)),
        velocity_spread=float(human.get("velocity", 8.0)),
        dynamic=min(1.5, max(0.3, float(human.get("dynamic", 1.0)))),
        drums=_choice(str(data.get("drums", {}).get("pattern", "none")), DRUM_PATTERNS, "drum pattern", path),
        parts=parts,
        drum_gain_db=float(data.get("drums", {}).get("gain_db", -4.0)),
        reverb=float(mix.get("reverb", 0.25)),
        default_mode=default_mode,
        minor_mode=minor_mode,
        scale=_choice(str(data.get("scale", "diatonic")), ("diatonic", "pentatonic"), "scale", path),
        tags=tuple(str(t) for t in data.get("tags", [name])),
        source=str(path),
        use_harmonizer=bool(data.get("use_harmonizer", False)),
        ornaments=_choice(
            str(arrangement.get("ornaments", "")), ("", "celtic", "chinese"), "ornaments", path
        ),
        dotted_rhythm=bool(arrangement.get("dotted_rhythm", False)),
        trio=bool(arrangement.get("trio", False)),
        resolve_dissonances=bool(arrangement.get("resolve_dissonances", False)),
        articulation=_choice(
            str(arrangement.get("articulation", "")), ("", "staccato", "legato"), "articulation", path
        ),
        progression=_choice(str(harmony.get("progression", "")), PROGRESSIONS, "harmony.progression", path),
        vocabulary_major=_vocabulary(harmony.get("vocabulary_major"), path, "harmony.vocabulary_major"),
        vocabulary_minor=_vocabulary(harmony.get("vocabulary_minor"), path, "harmony.vocabulary_minor"),
        harmony_generator=_choice(
            str(harmony.get("generator", "model")), HARMONY_GENERATORS, "harmony.generator", path
        ),
        cadence_scope=_choice(
            str(harmony.get("cadences", "phrase")), CADENCE_SCOPES, "harmony.cadences", path
        ),
        dominant_major=_vocabulary([harmony.get("dominant_major", "V")], path, "harmony.dominant_major")[0],
        dominant_minor=_vocabulary([harmony.get("dominant_minor", "V")], path, "harmony.dominant_minor")[0],
        predominant_major=_vocabulary(
            harmony.get("predominant_major", ["IV", "ii"]), path, "harmony.predominant_major"
        ),
        predominant_minor=_vocabulary(
            harmony.get("predominant_minor", ["iv", "VI"]), path, "harmony.predominant_minor"
        ),
    )
