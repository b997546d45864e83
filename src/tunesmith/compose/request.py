"""One request type holding every compose control, shared by the CLI, the Python API and the web API.

Each control is defined once, as a field of ``ComposeRequest`` with its type, default and a
:class:`Control` (help, unit, range, choices, text cap): the CLI's options (cli/compose.py), the
web's ComposeBody (web/schemas.py) and the signature of ``tunesmith.compose_piece`` are generated
from these fields, so a new control is one field here.

``ComposeRequest`` is a plain dataclass: ``validate()`` checks every field and raises ControlError
(field, "... allowed: ...") for the first bad one; ``to_dict``/``from_dict`` (and ``to_json``/
``from_json``) round-trip it exactly. Unset controls (None) are resolved by the planner from the
style and the mood; the resolved seed and model are written back into the request a Composition
returns, so the JSON it saves regenerates the identical piece.
"""

from __future__ import annotations

import json
import math
from dataclasses import Field, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from tunesmith.compose.instruments import lookup
from tunesmith.compose.styles import available_styles, form_sections, load_style
from tunesmith.errors import ControlError, InputFileError
from tunesmith.theory.chord import is_chord_figure
from tunesmith.theory.key import Key

METERS = ("4/4", "3/4", "6/8", "2/4")
MODES = ("major", "minor", "dorian", "mixolydian", "gong", "shang", "jue", "zhi", "yu")
MODELS = ("rnn", "vae", "gan", "rules")
# Named moods on the valence (negative-positive) and arousal (calm-excited) plane, both in [-1, 1].
MOODS: dict[str, tuple[float, float]] = {
    "happy": (0.8, 0.5),
    "joyful": (0.9, 0.7),
    "energetic": (0.5, 0.9),
    "triumphant": (0.8, 0.8),
    "playful": (0.7, 0.4),
    "calm": (0.4, -0.7),
    "peaceful": (0.6, -0.8),
    "tender": (0.5, -0.5),
    "dreamy": (0.2, -0.6),
    "neutral": (0.0, 0.0),
    "nostalgic": (-0.3, -0.3),
    "sad": (-0.7, -0.5),
    "melancholic": (-0.6, -0.3),
    "dark": (-0.8, 0.1),
    "tense": (-0.6, 0.7),
    "angry": (-0.8, 0.9),
}
TEMPO_RANGE = (30.0, 240.0)
BARS_RANGE = (4, 256)
SECONDS_RANGE = (5.0, 900.0)
TEMPERATURE_RANGE = (0.1, 2.0)
CANDIDATES_RANGE = (1, 16)
MAX_SEED = 2**31 - 1
KEY_NAMES = ("C", "C#", "Db", "D", "D#", "Eb", "E", "F", "F#", "Gb", "G", "G#", "Ab", "A", "A#", "Bb", "B")


@dataclass(frozen=True, slots=True)
class Control:
    """How one control is described and bounded (the field itself gives its name, type and default)."""

    help: str
    unit: str = ""
    range: tuple[float, float] | None = None
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    """Longest text the web accepts (a list: its most items; a list's items get ITEM_MAX_LENGTH)."""
    web: bool = True
    """Offered by the web API (a server path is never a web control)."""
    cli: bool = True

    def describe(self) -> str:
        """The help with the allowed range or choices, as the CLI and the web schema show it."""
        if self.range is not None:
            low, high = self.range
            unit = f" {self.unit}" if self.unit else ""
            return f"{self.help} ({_number_text(low)} to {_number_text(high)}{unit})"
        if self.choices:
            return f"{self.help}: {', '.join(self.choices)}"
        return self.help


ITEM_MAX_LENGTH = 60


def _number_text(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def control(default: Any, help: str, **details: Any) -> Any:
    """A ComposeRequest field: its default and its :class:`Control`."""
    return field(default=default, metadata={"control": Control(help, **details)})


@dataclass
class ComposeRequest:
    """Every control of a composition; None means 'let the style and mood decide'.

    Units: tempo in quarter-note beats per minute (dotted quarters are not used: 6/8 at 120 means
    120 quarters a minute); ``bars`` counts the bars of the form (intro and ending come on top);
    ``seconds`` is the wanted total duration and is turned into bars; valence and arousal in [-1, 1].
    """

    style: str = control(
        "folk", "Style: folk, celtic, chorale, pop, ballad, waltz, march, lullaby, ...", max_length=60
    )
    mood: str | None = control(None, "Named mood; valence and arousal override it", choices=tuple(MOODS))
    valence: float | None = control(None, "Mood valence, -1 negative to 1 positive", range=(-1.0, 1.0))
    arousal: float | None = control(None, "Mood arousal, -1 calm to 1 excited", range=(-1.0, 1.0))
    key: str | None = control(None, "Tonic, optionally with a mode: D, F# minor, Bbm", max_length=20)
    mode: str | None = control(None, "Mode of the key", choices=MODES)
    tempo: float | None = control(None, "Tempo in quarter notes per minute", unit="bpm", range=TEMPO_RANGE)
    meter: str | None = control(None, "Time signature", choices=METERS)
    bars: int | None = control(
        None,
        "Length of the form (intro and ending extra; bars or seconds, not both)",
        unit="bars",
        range=BARS_RANGE,
    )
    seconds: float | None = control(
        None, "Wanted length (instead of bars)", unit="seconds", range=SECONDS_RANGE
    )
    form: str | None = control(
        None,
        "AABA, ABAB, AABB, verse-chorus, rondo, letters such as ABACA, or 'A,B,A,C'",
        max_length=300,
    )
    chords: str | None = control(
        None, "Progression, bar by bar: 'C Am F G', 'I vi IV V' or 'C G | Am F'", max_length=2000
    )
    primer: str | None = control(None, "Melody file to develop (MIDI, ABC or MusicXML)", web=False)
    instruments: list[str] | None = control(  # noqa: RUF009 (the default is None)
        None, "General MIDI names, melody first: 'violin,acoustic guitar'", max_length=16
    )
    model: str | None = control(None, "Melody model (default: the best installed)", choices=MODELS)
    temperature: float = control(1.0, "Sampling temperature", range=TEMPERATURE_RANGE)
    candidates: int = control(3, "Candidates to make and rank", range=CANDIDATES_RANGE)
    seed: int | None = control(
        None, "Random seed (default: a fresh one, kept with the piece)", range=(0, MAX_SEED)
    )
    title: str | None = control(None, "Title of the piece", max_length=200)
    styles_path: str | None = control(None, "Extra folders of style .toml files", web=False)
    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form notes carried into the JSON (e.g. model versions); never read by the composer."""

    # ----- validation ---------------------------------------------------------------------------
    def validate(self) -> ComposeRequest:
        """Check every control; raise ControlError naming the field and what is allowed. Returns self."""

        if not isinstance(self.style, str) or not self.style.strip():
            raise ControlError(
                "style", f"style must be a name; allowed: {', '.join(available_styles(self.styles_path))}"
            )
        load_style(self.style, self.styles_path)
        if self.mood is not None and self.mood.strip().lower() not in MOODS:
            raise ControlError("mood", f"unknown mood {self.mood!r}; allowed: {', '.join(MOODS)}")
        for name in ("valence", "arousal"):
            value = getattr(self, name)
            if value is not None:
                _number(name, value)
                if not -1.0 <= float(value) <= 1.0:
                    raise ControlError(name, f"{value} is out of range; allowed: -1.0 to 1.0")
        if self.key is not None:
            self._validate_key()
        if self.mode is not None and self.mode.strip().lower() not in MODES:
            raise ControlError("mode", f"unknown mode {self.mode!r}; allowed: {', '.join(MODES)}")
        self._check_range("tempo")
        if self.meter is not None and self.meter.strip() not in METERS:
            raise ControlError(
                "meter", f"unsupported time signature {self.meter!r}; allowed: {', '.join(METERS)}"
            )
        if self.bars is not None and self.seconds is not None:
            raise ControlError("bars", "give the length as bars or as seconds, not both")
        if self.bars is not None and (isinstance(self.bars, bool) or not isinstance(self.bars, int)):
            raise ControlError(
                "bars", f"{self.bars!r} is not a whole number; allowed: {BARS_RANGE[0]}-{BARS_RANGE[1]}"
            )
        self._check_range("bars")
        self._check_range("seconds")
        if self.form is not None:
            sections = form_sections(self.form)
            if self.bars is not None and self.bars < 2 * len(sections):
                raise ControlError(
                    "bars",
                    f"{self.bars} bars cannot hold the {len(sections)} sections of form "
                    f"{self.form!r}; allowed: at least {2 * len(sections)}",
                )
        if self.chords is not None:
            parse_progression(self.chords)
        if self.instruments is not None:
            if not self.instruments:
                raise ControlError(
                    "instruments", "the list is empty; allowed: one or more General MIDI names"
                )
            for name in self.instruments:
                lookup(name)
        if self.model is not None and self.model not in MODELS:
            raise ControlError("model", f"unknown model {self.model!r}; allowed: {', '.join(MODELS)}")
        self._check_range("temperature")
        if isinstance(self.candidates, bool) or not isinstance(self.candidates, int):
            raise ControlError("candidates", f"{self.candidates!r} is not a whole number; allowed: 1-16")
        self._check_range("candidates")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED
        ):
            raise ControlError("seed", f"{self.seed!r} is not allowed; allowed: a whole number 0-{MAX_SEED}")
        if self.primer is not None and not Path(self.primer).is_file():
            raise InputFileError(self.primer, "primer melody file not found")
        return self

    def _check_range(self, name: str) -> None:
        control = _CONTROLS[name]
        assert control.range is not None
        _range(name, getattr(self, name), *control.range, control.unit)

    def _validate_key(self) -> None:

        text = str(self.key).strip()
        try:
            key = Key.parse(text)
        except ControlError:
            raise ControlError(
                "key",
                f"cannot read key {self.key!r}; allowed: a tonic {', '.join(KEY_NAMES)} "
                f"optionally with a mode ('F# minor', 'Bbm')",
            ) from None
        if sum(key.tonic_name.count(a) for a in "#b") > 1:  # 'C#####' names no key a score can hold
            raise ControlError(
                "key",
                f"key {self.key!r} has more than one sharp or flat on its tonic; allowed: a tonic "
                f"{', '.join(KEY_NAMES)} optionally with a mode ('F# minor', 'Bbm')",
            )
        if key.mode not in MODES:
            raise ControlError(
                "key", f"mode {key.mode!r} in key {self.key!r} is not supported; allowed: {', '.join(MODES)}"
            )
        if self.mode is not None and text not in KEY_NAMES and key.mode != self.mode.strip().lower():
            raise ControlError("mode", f"key {self.key!r} says {key.mode} but mode says {self.mode!r}")

    # ----- derived values -----------------------------------------------------------------------
    def valence_arousal(self) -> tuple[float, float]:
        """The mood as (valence, arousal): named mood first, explicit numbers override it."""
        valence, arousal = MOODS[self.mood.strip().lower()] if self.mood else (0.0, 0.0)
        if self.valence is not None:
            valence = float(self.valence)
        if self.arousal is not None:
            arousal = float(self.arousal)
        return valence, arousal

    # ----- serialisation ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ComposeRequest:
        """Build from a dict (e.g. a piece's JSON); unknown keys are a ControlError listing the known."""
        if not isinstance(data, dict):
            raise ControlError("request", "expected a JSON object of controls")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ControlError(
                "request", f"unknown control(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
            )
        values = dict(data)
        if isinstance(values.get("instruments"), str):
            values["instruments"] = split_list(values["instruments"])
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> ComposeRequest:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ControlError("request", f"not valid JSON ({err})") from err
        if isinstance(data, dict) and "request" in data and isinstance(data["request"], dict):
            data = data["request"]  # a piece JSON written by render.piece.write_files
        return cls.from_dict(data)


def controls(*, web: bool = False, cli: bool = False) -> list[tuple[Field[Any], Control]]:
    """The compose controls in order (those the web or the CLI offers, when asked), each with its
    field (name, type, default) and description."""
    out = []
    for f in fields(ComposeRequest):
        control = f.metadata.get("control")
        if control is not None and (not web or control.web) and (not cli or control.cli):
            out.append((f, control))
    return out


_CONTROLS = {f.name: c for f, c in controls()}


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(float(value)):
        raise ControlError(name, f"{value!r} is not a number")
    return float(value)


def _range(name: str, value: Any, low: float, high: float, unit: str) -> None:
    if value is None:
        return
    number = _number(name, value)
    if not low <= number <= high:
        unit_text = f" {unit}" if unit else ""
        raise ControlError(name, f"{value} is out of range; allowed: {low:g} to {high:g}{unit_text}")


def parse_progression(text: str) -> list[list[str]]:
    """Bars of a progression: bars are separated by '|' or, without bars marks, one chord per bar
    ('C Am F G'); inside a bar several chords share it ('C G | Am F'). Each token is a chord symbol
    or a Roman numeral (I vi IV V7, bVII); the kind is checked, not resolved (that needs the key)."""

    clean = text.replace(",", " ").strip()
    if not clean:
        raise ControlError(
            "chords",
            "the progression is empty; allowed: chord symbols ('C Am F G') or Roman numerals ('I vi IV V')",
        )
    bars = [b.split() for b in clean.split("|")] if "|" in clean else [[tok] for tok in clean.split()]
    bars = [b for b in bars if b]
    for bar in bars:
        if len(bar) > 4:
            raise ControlError(
                "chords", f"bar {' '.join(bar)!r} holds {len(bar)} chords; allowed: 1-4 per bar"
            )
        for token in bar:
            if not (is_roman(token) or is_chord_figure(token)):
                raise ControlError(
                    "chords",
                    f"cannot read chord {token!r}; allowed: chord symbols such as "
                    f"C, Am7, F#m, Bb/D or Roman numerals such as I, vi, IV, V7, bVII",
                )
    if len(bars) > 64:
        raise ControlError("chords", f"{len(bars)} bars of chords; allowed: at most 64 (they repeat)")
    return bars


_ROMAN_LETTERS = frozenset("IViv")


def is_roman(token: str) -> bool:
    """Whether a token looks like a Roman numeral (optionally with b/#, quality and figures)."""
    core = token.lstrip("b#♭♯")
    letters = ""
    for ch in core:
        if ch in _ROMAN_LETTERS:
            letters += ch
        else:
            break
    return letters.upper() in {"I", "II", "III", "IV", "V", "VI", "VII"} and (
        letters.isupper() or letters.islower()
    )
