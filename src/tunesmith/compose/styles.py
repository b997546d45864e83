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
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunesmith.compose.instruments import lookup, program_range
from tunesmith.errors import ControlError
from tunesmith.paths import PACKAGE_DATA
from tunesmith.score import TICKS_PER_QUARTER
from tunesmith.theory.key import SCALES, Key
from tunesmith.theory.meter import Meter
from tunesmith.theory.pitch import parse_pitch_name
from tunesmith.theory.roman import roman_to_chord

SHIPPED_STYLES = PACKAGE_DATA / "styles"
ROLES = ("melody", "counter", "accompaniment", "bass", "pad")
METERS = ("4/4", "3/4", "6/8", "2/4")
APPLIED_DOMINANTS = {"V": "V7/V", "IV": "I7"}
"""Targets of style field applied_dominants and the chord that leads into each."""
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
FORMS = {
    "AABA": ["A", "A", "B", "A"],
    "ABAB": ["A", "B", "A", "B"],
    "AABB": ["A", "A", "B", "B"],
    "ABAC": ["A", "B", "A", "C"],
    "ABA": ["A", "B", "A"],
    "AB": ["A", "B"],
    "binary": ["A", "A", "B", "B"],
    "ternary": ["A", "B", "A"],
    "rondo": ["A", "B", "A", "C", "A"],
    "verse-chorus": ["verse", "chorus", "verse", "chorus"],
    "strophic": ["A", "A", "A"],
}
CADENCES = ("authentic", "plagal", "half")
PROGRESSIONS = ("", "rules:jazz")
HARMONY_GENERATORS = ("model", "progressions")
"""Where generated chords come from: the style-conditioned chord model (styles with a corpus) or
the style's own progressions (styles without one: pop, ballad, ambient ...)."""
CADENCE_SCOPES = ("phrase", "section", "final")
"""Where cadences are imposed: every phrase (half cadence after an antecedent, authentic at a
section's end), only at section ends, or only at the end of the piece (ambient)."""
INNER_CADENCES = ("half", "tonic", "dominant", "relative")
"""Closes of a phrase inside a section: on V (half), V-I (tonic), in the dominant key (V/V-V, in
minor a half cadence), on the relative (V/vi-vi, in minor VII-III)."""


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
    alternate: str = ""
    """The figure of a contrasting section (B, chorus); empty: the arranger's usual other figure."""


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
    span_weights: tuple[tuple[str, float], ...] = ()
    """Melody windows drawn per piece (``semitones = weight``) instead of one ``melody_span``: a
    corpus whose songs range from a narrow ninth to more than an octave and a half (the Han songs)
    gets pieces of as many compasses; empty: always melody_span."""
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
    key_phrases: bool = False
    """A phrase that closes in a related key (inner_cadences 'dominant' or 'relative') is in that
    key throughout: the chord model writes its bars there, as Bach's chorales modulate for whole
    phrases; False: only its close is."""
    applied_dominants: tuple[tuple[str, float], ...] = ()
    """How often the chord before a V (V7/V: D7 G in C) or a IV (I7: C7 F) is its applied dominant,
    in major keys; Nottingham's written chords 6.5% and 17%, the chord model alone 1.5% and 2%;
    empty: as the chord model writes them."""
    split_cadences: float = 0.6
    """How often an authentic close's bar before the tonic holds a predominant and the dominant
    (ii V, IV V) rather than the dominant alone. Nottingham's written chords split it in half their
    strains; O'Neill's and Ryan's recognised harmony, a chord a bar, in 0.2%."""
    inner_cadences: tuple[tuple[str, float], ...] = ()
    """How a phrase that does not end its section closes, drawn by weight (see INNER_CADENCES):
    Bach's chorales end inner phrases on I, on V, in the dominant key or on the relative (vi, III);
    empty: always a half cadence."""

    open_sections: bool = False
    """Sections before the last close on the mode's fifth (or second) instead of the final, as the
    first strain of a Han song answers open and only the last comes home."""
    melody_top_p: float = 0.92
    """Nucleus of the melody model's sampling: 1.0 draws from its whole distribution (the fast
    notes and chromatic neighbours of fiddle tunes live in its tail), lower keeps to its likeliest
    notes."""
    passing_tones: float = 0.0
    """Probability that two beat-long melody notes a third apart get the passing eighth between
    them (chorale: Bach's sopranos fill thirds so; the melody model, trained mostly on dance tunes,
    leaps more than his lines)."""
    form_weights: tuple[tuple[str, float], ...] = ()
    """How often each form is drawn when the request names none (the style corpus's proportions:
    half the Nottingham tunes repeat both strains, a quarter of O'Neill's are two unrepeated ones,
    the Han songs are through-composed); empty: always ``form``."""
    melodic_minor: bool = False
    """A minor-key melody sings no augmented second between the sixth and the raised seventh (the
    model, reading minor as harmonic minor, wrote F-G#-F in A minor): rising to the tonic the sixth
    is raised too (F#-G#-A), elsewhere the seventh is not (chorale; a phrase in a related minor key
    always)."""
    fill_rests: bool = False
    """Rests inside a phrase are the note before held on, a phrase's last bar keeping its breath
    (chorale: the model's soprano rested in 23 of 30 pieces, 1.8 rests a piece against Bach's 0.5,
    and all four voices fell silent with it)."""
    held_closes: bool = True
    """Phrase ends held: a half cadence's last note to the bar line, a strain's closing tonic for
    half the bar. False: the tune runs through them (the closing tonic lasts a beat, a half cadence
    keeps the generator's rhythm), as reels and jigs do (1% of O'Neill's notes outlast a quarter)."""
    parallel_periods: float = 1.0
    """Probability that the second phrase of a pair opens with the first one's opening bars (the
    fifth bar of a strain repeats its first in 56% of Nottingham's strains, 26% of O'Neill's)."""
    first_endings: float = 1.0
    """Probability that a strain repeated straight away ends differently the first time, leading
    back into the repeat (74% of Nottingham's repeated strains; O'Neill's and Ryan's write 98% of
    theirs as plain repeats)."""
    shared_closes: tuple[tuple[str, float], ...] = ()
    """How many closing bars a new strain takes from the first strain (``bars = weight``, drawn
    once per strain): 30% of Nottingham's and 41% of O'Neill's and Ryan's new strains end with the
    first strain's last one, two or four bars, chords and notes; empty: every strain its own."""
    restatements: tuple[tuple[int, int, float], ...] = ()
    """(bar, earlier bar, probability): a strain's bar (1-based) over the same chords as an earlier
    one repeats it note for note with that probability: a motif stated and restated ("GABc dBGB |
    GABc d2"). Nottingham's strains do so in half of those whose third bar has the first bar's
    chords; empty: none."""
    close_at: tuple[tuple[str, int], ...] = ()
    """Per meter, ticks into a strain's last bar where its closing tonic lands (held to the bar line,
    the generator's notes running into it); empty or a meter not named: the downbeat. O'Neill's and
    Ryan's reels and jigs close their strains on the bar's last quarter, "dBAF G2" (4/4: 66% of
    their strains; 6/8: the last two eighths, 62%; 2/4: the last eighth, 69%)."""
    onset_bias: tuple[tuple[str, float], ...] = ()
    """Per meter (``"2/4" = 0.7``), added to the melody model's note-onset logits against holding
    or resting: the model, unsure whether a 2/4 tune is a polka in eighths or a reel in sixteenths,
    writes between the two (O'Neill's 2/4 tunes: 3.4 notes a quarter, the model 2.8); empty: none."""
    forbidden_leaps: tuple[int, ...] = ()
    """Intervals in semitones the melody model may not leap while it samples: Bach's chorale sopranos
    leap a tritone or a seventh once in 56 chorales, the model 0.38 times a chorale; empty: none."""
    mode_weights: tuple[tuple[str, float], ...] = ()
    """How often each mode is drawn when the request sets neither key nor mode (the style corpus's
    proportions: the Han songs end on sol, la, do, re, mi); the mood keeps only the modes on its side
    (a minor third above the final for a sad mood, none for a happy one). Empty: default_mode, or
    minor_mode for a sad mood."""
    vocabulary_modes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Chord vocabularies of particular modes (numerals read as vocabulary_major/minor are), used
    instead of the major or minor one: a zhi piece's tonic chord is the open fifth, not a triad with
    the third the mode lacks."""

    def vocabulary(self, mode: str, minor: bool) -> tuple[str, ...]:
        """The chords of ``mode`` (``minor``: whether it has a minor third above its tonic)."""
        for name, chords in self.vocabulary_modes:
            if name == mode:
                return chords
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
    alternate = str(spec.get("alternate", ""))
    if alternate:
        _choice(alternate, allowed.get(role, ()), f"{role} alternate pattern", path)
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
        alternate,
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


def form_sections(form: str) -> list[str]:
    """Section labels of a form: a named form ('AABA', 'verse-chorus', 'rondo'), a string of
    letters ('ABACA'), or an explicit comma-separated list ('verse,chorus,verse,bridge,chorus')."""
    text = form.strip()
    if text in FORMS:
        return list(FORMS[text])
    if text.lower() in FORMS:
        return list(FORMS[text.lower()])
    if "," in text:
        labels = [p.strip().lower() for p in text.split(",") if p.strip()]
        if (
            labels
            and all(p.replace("-", "").replace("'", "").isalnum() for p in labels)
            and len(labels) <= 16
        ):
            return labels
    elif text.isalpha() and text.isupper() and 1 <= len(text) <= 16:
        return list(text)
    raise ControlError(
        "form",
        f"cannot read form {form!r}; allowed: {', '.join(FORMS)}, a string of capital "
        f"letters such as 'ABACA', or a comma-separated list of section names",
    )


def _flag(value: Any, path: Path, what: str) -> bool:
    if not isinstance(value, bool):
        raise ControlError("style", f"{path}: {what} must be true or false")
    return value


def _unit(value: Any, path: Path, what: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ControlError("style", f"{path}: {what} must be a number in 0-1")
    return float(value)


def _top_p(value: Any, path: Path) -> float:
    top_p = _unit(value, path, "melody_top_p")
    if top_p < 0.5:
        raise ControlError("style", f"{path}: melody_top_p {top_p} below 0.5 leaves the model too few notes")
    return top_p


def _weights(value: Any, path: Path, what: str, check: Any) -> tuple[tuple[str, float], ...]:
    """``name = weight`` pairs in file order (``check`` refuses a bad name); weights in 0-1, not all 0."""
    if not isinstance(value, dict):
        raise ControlError("style", f"{path}: {what} must be a table of name = weight")
    out = []
    for name, weight in value.items():
        check(str(name))
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 <= weight <= 1:
            raise ControlError("style", f"{path}: {what} needs a weight in 0-1 per entry")
        out.append((str(name), float(weight)))
    if out and sum(w for _, w in out) <= 0:
        raise ControlError("style", f"{path}: {what} are all 0")
    return tuple(out)


def draw_weighted(table: tuple[tuple[str, float], ...] | list[tuple[str, float]], rng: random.Random
                  ) -> str | None:
    """A name from a ``name = weight`` table drawn by weight (zero weights never), or None when no
    entry has weight."""
    items = [(name, w) for name, w in table if w > 0]
    if not items:
        return None
    return rng.choices([n for n, _ in items], weights=[w for _, w in items])[0]


def _form_weights(value: Any, path: Path) -> tuple[tuple[str, float], ...]:
    """``form = weight`` pairs; every form must be one the request's ``form`` control accepts."""

    def check(form: str) -> None:
        try:
            form_sections(form)
        except ControlError as err:
            raise ControlError("style", f"{path}: form_weights: {err.problem}") from err

    return _weights(value, path, "form_weights", check)


def _whole_number(path: Path, what: str, low: int, high: int) -> Any:
    """A check that a table key names a whole number in low-high (bars, semitones)."""

    def check(name: str) -> None:
        if not name.isdigit() or not low <= int(name) <= high:
            raise ControlError("style", f"{path}: {what}: {name!r} is not a whole number in {low}-{high}")

    return check


def _restatements(value: Any, path: Path) -> tuple[tuple[int, int, float], ...]:
    """``{ bar = B, of = A, p = P }`` tables: bars 1-16, A before B, P a probability."""
    if not isinstance(value, list):
        raise ControlError("style", f"{path}: restatements must be a list of {{ bar, of, p }} tables")
    out = []
    for item in value:
        ok = isinstance(item, dict) and set(item) == {"bar", "of", "p"}
        bar: Any = item["bar"] if ok else 0
        of: Any = item["of"] if ok else 0
        whole = all(isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 16 for x in (bar, of))
        if not (ok and whole and of < bar):
            raise ControlError("style", f"{path}: restatements need {{ bar = 1-16, of = an earlier bar, "
                                        "p = 0-1 }}")
        out.append((int(bar), int(of), _unit(item["p"], path, "restatements p")))
    return tuple(out)


def _close_at(value: Any, path: Path) -> tuple[tuple[str, int], ...]:
    """``meter = quarters`` pairs: known meters, a whole number of sixteenths inside the bar."""
    if not isinstance(value, dict):
        raise ControlError("style", f"{path}: close_at must be a table of meter = quarter notes")
    out = []
    for meter, at in value.items():
        _choice(str(meter), METERS, "close_at meter", path)
        bar = Meter.parse(str(meter)).bar_ticks
        ticks = at * TICKS_PER_QUARTER if isinstance(at, (int, float)) and not isinstance(at, bool) else -1
        if not (0 <= ticks < bar and ticks % (TICKS_PER_QUARTER // 4) == 0):
            raise ControlError("style", f"{path}: close_at {meter!r} needs quarter notes inside the bar, "
                                        "in sixteenths (0.25 steps)")
        out.append((str(meter), int(ticks)))
    return tuple(out)


def _onset_bias(value: Any, path: Path) -> tuple[tuple[str, float], ...]:
    """``meter = logit`` pairs: known meters, values within +-3 (e^3: twenty times as many onsets)."""
    if not isinstance(value, dict):
        raise ControlError("style", f"{path}: onset_bias must be a table of meter = number")
    out = []
    for meter, bias in value.items():
        _choice(str(meter), METERS, "onset_bias meter", path)
        if not isinstance(bias, (int, float)) or isinstance(bias, bool) or not -3 <= bias <= 3:
            raise ControlError("style", f"{path}: onset_bias {meter!r} needs a number in -3-3")
        out.append((str(meter), float(bias)))
    return tuple(out)


def _leaps(value: Any, path: Path) -> tuple[int, ...]:
    """A list of whole numbers of semitones, 1-24."""
    if not isinstance(value, list) or any(
        isinstance(x, bool) or not isinstance(x, int) or not 1 <= x <= 24 for x in value
    ):
        raise ControlError("style", f"{path}: forbidden_leaps must be a list of whole semitones 1-24")
    return tuple(sorted(set(value)))


def _mode_table(value: Any, path: Path, what: str, modes: tuple[str, ...]) -> list[tuple[str, Any]]:
    """A TOML table keyed by mode name, in file order; unknown modes are an error."""
    if not isinstance(value, dict):
        raise ControlError("style", f"{path}: {what} must be a table of mode = value")
    for mode in value:
        _choice(str(mode), modes, f"{what} mode", path)
    return [(str(mode), v) for mode, v in value.items()]


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
    span_weights = _weights(data.get("span_weights", {}), path, "span_weights",
                            _whole_number(path, "span_weights", 7, 28))
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
    mode_weights = _weights(
        data.get("mode_weights", {}), path, "mode_weights", lambda m: _choice(m, tuple(SCALES), "mode", path)
    )
    form_weights = _form_weights(data.get("form_weights", {}), path)
    shared_closes = _weights(data.get("shared_closes", {}), path, "shared_closes",
                             _whole_number(path, "shared_closes", 0, 16))
    inner_cadences = _weights(
        harmony.get("inner_cadences", {}), path, "harmony.inner_cadences",
        lambda c: _choice(c, INNER_CADENCES, "inner cadence", path),
    )  # fmt: skip
    vocabulary_modes = tuple(
        (mode, _vocabulary(chords, path, f"harmony.vocabulary_modes.{mode}"))
        for mode, chords in _mode_table(harmony.get("vocabulary_modes", {}), path, "harmony.vocabulary_modes",
                                        tuple(SCALES))
    )  # fmt: skip
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
        span_weights=span_weights,
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
        mode_weights=mode_weights,
        form_weights=form_weights,
        shared_closes=shared_closes,
        passing_tones=_unit(data.get("passing_tones", 0.0), path, "passing_tones"),
        first_endings=_unit(data.get("first_endings", 1.0), path, "first_endings"),
        parallel_periods=_unit(data.get("parallel_periods", 1.0), path, "parallel_periods"),
        held_closes=_flag(data.get("held_closes", True), path, "held_closes"),
        fill_rests=_flag(data.get("fill_rests", False), path, "fill_rests"),
        melodic_minor=_flag(data.get("melodic_minor", False), path, "melodic_minor"),
        open_sections=_flag(data.get("open_sections", False), path, "open_sections"),
        melody_top_p=_top_p(data.get("melody_top_p", 0.92), path),
        onset_bias=_onset_bias(data.get("onset_bias", {}), path),
        close_at=_close_at(data.get("close_at", {}), path),
        restatements=_restatements(data.get("restatements", []), path),
        forbidden_leaps=_leaps(data.get("forbidden_leaps", []), path),
        vocabulary_modes=vocabulary_modes,
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
        inner_cadences=inner_cadences,
        split_cadences=_unit(harmony.get("split_cadences", 0.6), path, "harmony.split_cadences"),
        applied_dominants=_weights(
            harmony.get("applied_dominants", {}), path, "harmony.applied_dominants",
            lambda name: _choice(name, tuple(APPLIED_DOMINANTS), "applied dominant target", path),
        ),
        key_phrases=_flag(harmony.get("key_phrases", False), path, "harmony.key_phrases"),
    )
