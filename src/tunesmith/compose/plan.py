"""The plan: what the piece will be before a note is written.

From the request, the style and the mood it resolves the key and mode, tempo, meter, sections
(form and bar counts), the ensemble (parts and ranges), melody register, density, loudness and
articulation. Mood rules of thumb (see MUSIC.md): valence moves mode (major when >= -0.15),
register (up to 5 semitones higher or lower) and brightness; arousal moves tempo within the style's
range, note density, loudness (base velocity) and articulation (shorter notes when excited).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field, replace

from tunesmith.compose import engines
from tunesmith.compose.instruments import lookup, program_range
from tunesmith.compose.mood import MoodProfile, mood_profile, mood_tempo
from tunesmith.compose.request import MODELS, ComposeRequest, is_roman, parse_progression
from tunesmith.compose.styles import Part, Style, draw_weighted, form_sections, load_style
from tunesmith.compose.titles import make_title
from tunesmith.errors import ControlError
from tunesmith.score import TICKS_PER_QUARTER
from tunesmith.theory.chord import parse_chord
from tunesmith.theory.key import Key
from tunesmith.theory.meter import Meter

MINOR_BELOW_VALENCE = -0.15
"""Valence below which an unset mode becomes the style's minor mode."""
BRIGHT_ABOVE_VALENCE = 0.3
"""Valence above which a style's mode draw keeps only the modes without a minor third."""


@dataclass(frozen=True, slots=True)
class SectionPlan:
    """One section of the form: label, first bar (counted from the start of the piece, intro
    included), length in bars, how many times the label came before, and its phrase lengths."""

    label: str
    start_bar: int
    bars: int
    occurrence: int
    phrases: tuple[int, ...]
    is_first_label: bool
    is_last: bool
    shared_close: int = 0
    """Closing bars taken from the first section, chords and notes (a new strain ending as the
    first one does); 0 for the first section's label and for most strains."""


@dataclass
class Plan:
    """Everything resolved: the request (with seed and model filled in), style, key, tempo ..."""

    request: ComposeRequest
    style: Style
    key: Key
    tempo: float
    meter: Meter
    intro_bars: int
    ending_bars: int
    sections: list[SectionPlan]
    valence: float
    arousal: float
    parts: dict[str, Part]
    melody_range: tuple[int, int]
    melody_density: float
    velocity: int
    articulation: float
    brightness: float
    user_chords: list[list[str]] | None
    seed: int
    model: str
    title: str
    drums: str
    warnings: list[str] = field(default_factory=list)
    mood: MoodProfile = field(default_factory=MoodProfile)
    tempo_outside_style: bool = False
    """The mood moved the tempo out of the style's range (recorded in the piece's JSON)."""

    @property
    def body_bars(self) -> int:
        return sum(s.bars for s in self.sections)

    @property
    def total_bars(self) -> int:
        return self.intro_bars + self.body_bars + self.ending_bars

    @property
    def bar_ticks(self) -> int:
        return self.meter.bar_ticks

    def bar_start(self, bar: int) -> int:
        return bar * self.meter.bar_ticks

    def phrase_end_bars(self) -> set[int]:
        """The last bar of every phrase of the body."""
        ends: set[int] = set()
        for section in self.sections:
            at = section.start_bar
            for length in section.phrases:
                at += length
                ends.add(at - 1)
        return ends


def resolve_seed(seed: int | None) -> int:
    """The request's seed, or a fresh one from the OS (recorded so the piece can be regenerated)."""
    if seed is not None:
        return seed
    return int.from_bytes(os.urandom(4), "little") & 0x7FFFFFFF


def model_available(name: str) -> bool:
    """Whether the named generator can run here (its module and checkpoint are present)."""
    if name == "rules":
        return True
    if name == "rnn":
        return engines.rnn_available()
    if name in ("vae", "gan"):
        return engines.family_available(name) and engines.rnn_available()  # the RNN writes their melody
    return False


def resolve_model(requested: str | None) -> str:
    """The requested model (ControlError when it is not available yet), or the best available:
    the RNN when its checkpoint exists, else the rule-based generator."""
    if requested is None:
        return "rnn" if model_available("rnn") else "rules"
    if not model_available(requested):
        raise ControlError(
            "model",
            f"model {requested!r} is not available in this installation (no trained checkpoint); "
            f"allowed now: {', '.join(m for m in MODELS if model_available(m))}",
        )
    return requested


def _key_from_chords(bars: list[list[str]]) -> Key | None:
    """Key implied by a chord-symbol progression: its first chord (major or minor)."""

    first = bars[0][0]
    if is_roman(first):
        return None
    chord = parse_chord(first)
    minor = chord.quality in ("min", "min7", "min6", "min9", "min11", "minmaj7", "madd9")
    return Key(chord.root, "minor" if minor else "major", chord.root_name)


def _resolve_key(
    req: ComposeRequest, style: Style, valence: float, rng: random.Random, user_chords: list[list[str]] | None
) -> Key:
    mode = req.mode.strip().lower() if req.mode else None
    if req.key:
        key = Key.parse(req.key)
        explicit_mode = req.key.strip() not in (
            "C",
            "C#",
            "Db",
            "D",
            "D#",
            "Eb",
            "E",
            "F",
            "F#",
            "Gb",
            "G",
            "G#",
            "Ab",
            "A",
            "A#",
            "Bb",
            "B",
        )
        if mode is None and not explicit_mode:
            mode = style.minor_mode if valence < MINOR_BELOW_VALENCE else style.default_mode
        if mode is not None:
            key = Key(key.tonic, mode, key.tonic_name)
        if not -7 <= key.fifths <= 7:  # no such signature (D# major): spell it as one (Eb major)
            key = Key(key.tonic, key.mode)
        return key
    if user_chords is not None and mode is None:
        implied = _key_from_chords(user_chords)
        if implied is not None:
            return implied
    if mode is None:
        mode = _draw_mode(style, valence, rng)
    minorish = Key(0, mode).is_minor
    tonic = rng.choice(style.keys_minor if minorish else style.keys_major)
    parsed = Key.parse(tonic)
    return Key(parsed.tonic, mode, parsed.tonic_name)


def _draw_form(style: Style, rng: random.Random) -> str:
    """The form of a piece whose request names none: drawn in the style's corpus proportions."""
    if not style.form_weights:
        return style.form
    return draw_weighted(style.form_weights, rng) or style.form


def _draw_mode(style: Style, valence: float, rng: random.Random) -> str:
    """The mode of a piece whose request sets none: drawn in the style's corpus proportions among
    the modes the mood allows, else the style's default or (sad) minor mode."""
    sad, bright = valence < MINOR_BELOW_VALENCE, valence > BRIGHT_ABOVE_VALENCE
    allowed = [
        (mode, weight)
        for mode, weight in style.mode_weights
        if not (sad and not Key(0, mode).is_minor) and not (bright and Key(0, mode).is_minor)
    ]
    return draw_weighted(allowed, rng) or (style.minor_mode if sad else style.default_mode)


def _split_phrases(bars: int, phrase_bars: int) -> tuple[int, ...]:
    if bars % phrase_bars == 0:
        return (phrase_bars,) * (bars // phrase_bars)
    if bars <= 3:
        return (bars,)
    half = bars // 2
    return (half, bars - half)


def _sections(labels: list[str], body_bars: int, style: Style, intro: int) -> list[SectionPlan]:
    n = len(labels)
    base = body_bars // n
    extra = body_bars - base * n
    out: list[SectionPlan] = []
    seen: dict[str, int] = {}
    bar = intro
    for i, label in enumerate(labels):
        length = base + (extra if i == n - 1 else 0)
        occurrence = seen.get(label, 0)
        seen[label] = occurrence + 1
        phrases = _split_phrases(base, style.phrase_bars)
        if length > base:
            phrases = (*phrases, length - base)
        out.append(SectionPlan(label, bar, length, occurrence, phrases, label == labels[0], i == n - 1))
        bar += length
    return out


def _shared_closes(sections: list[SectionPlan], style: Style, rng: random.Random) -> list[SectionPlan]:
    """Each new strain's shared close drawn from the style's ``shared_closes`` (a strain repeated
    keeps its draw). Not where sections end open (the first strain's close is not a final one)."""
    if not style.shared_closes or style.open_sections:
        return sections
    home = sections[0]
    drawn: dict[tuple[str, int], int] = {}
    out = []
    for section in sections:
        ident = (section.label, section.bars)
        if section.label != home.label and ident not in drawn:
            wanted = int(draw_weighted(style.shared_closes, rng) or 0)
            drawn[ident] = max(0, min(wanted, section.bars - 1, home.bars - 1))
        out.append(replace(section, shared_close=drawn.get(ident, 0)))
    return out


def _ensemble(req: ComposeRequest, style: Style) -> dict[str, Part]:
    """The style's parts, or the user's instruments: the first plays the melody; the others take
    the bass (bass family), pad (ensembles, choirs, pads, organs), accompaniment (keyboards,
    guitars, plucked) or counter-melody role by their General MIDI family."""
    if not req.instruments:
        return dict(style.parts)
    parts: dict[str, Part] = {}
    for i, name in enumerate(req.instruments):
        inst = lookup(name)
        family = inst.program // 8
        if i == 0:
            role = "melody"
        elif family == 4 or inst.program in (42, 43, 58):
            role = "bass"
        elif family in (6, 11) or inst.program in (16, 19, 20):
            role = "pad"
        elif family in (0, 3) or inst.program in (46, 104, 105, 106, 107, 21):
            role = "accompaniment"
        else:
            role = "counter"
        if role in parts:
            role = next((r for r in ("accompaniment", "counter", "pad", "bass") if r not in parts), "")
            if not role:
                raise ControlError(
                    "instruments",
                    f"too many instruments ({len(req.instruments)}); allowed: "
                    "up to 5 (melody, accompaniment, counter, pad, bass)",
                )
        template = style.parts.get(role) or style.parts.get("accompaniment") or style.parts["melody"]
        low, high = inst.low, inst.high
        if template.role == role:
            # Keep the style's register for the role where the instrument can play it.
            low, high = max(low, template.low), min(high, template.high)
            if high - low < 12:
                low, high = inst.low, inst.high
        if role == "bass":
            high = min(high, max(low + 19, 55))
        pattern = template.pattern if template.role == role else ""
        if not pattern:
            pattern = {"accompaniment": "strum", "bass": "root", "counter": "thirds"}.get(role, "")
        parts[role] = Part(
            role, inst.program, low, high, pattern, template.gain_db, template.pan, template.reverb
        )
    return parts


def _melody_range(part: Part, valence: float, style: Style, seed: int) -> tuple[int, int]:
    """A window of the style's melody span (about an octave and a half, or one drawn by the seed
    from its span_weights) inside the melody instrument's range, moved up with positive valence
    and down with negative valence."""
    drawn = draw_weighted(style.span_weights, random.Random(seed * 7919 + 37))
    span = min(part.high - part.low, int(drawn) if drawn else style.melody_span)
    centre = (part.low + part.high) / 2 + 5 * valence
    low = round(centre - span / 2)
    low = max(part.low, min(low, part.high - span))
    return low, low + span


def default_meter(style: Style, seed: int) -> str:
    """The meter when the request names none: drawn by the seed with the style's corpus
    proportions (a folk seed may be a jig or a reel), or the style's first meter. Its own random
    stream, so the key and everything else drawn from the seed stay as they were."""
    if not style.meter_weights:
        return style.meters[0]
    return random.Random(seed * 7919 + 17).choices(style.meters, weights=style.meter_weights)[0]


def make_plan(request: ComposeRequest) -> Plan:
    """Validate the request and resolve every unset control (seed, model, key, tempo, ...)."""
    request.validate()
    style = load_style(request.style, request.styles_path)
    seed = resolve_seed(request.seed)
    model = resolve_model(request.model)
    rng = random.Random(seed)
    valence, arousal = request.valence_arousal()
    user_chords = parse_progression(request.chords) if request.chords else None
    key = _resolve_key(request, style, valence, rng, user_chords)
    meter = Meter.parse(request.meter or default_meter(style, seed))
    mood = mood_profile(valence, arousal)
    outside = False
    if request.tempo is not None:
        tempo = float(request.tempo)
    else:
        tempo, outside = mood_tempo(style.tempo, valence, arousal)
        # A whole-number metronome mark in the beat the meter counts (dotted quarters in 6/8).
        unit = 1.5 if meter.compound else 1.0
        tempo = round(tempo / unit) * unit
    labels = form_sections(request.form or _draw_form(style, rng))
    intro = style.intro_bars
    # A tag bar before the held final chord, except in a chorale (its last cadence is the end).
    ending = 2 if style.intro_bars > 0 and style.name != "chorale" else 1
    bar_seconds = meter.bar_ticks / TICKS_PER_QUARTER * 60.0 / tempo
    if request.bars is not None:
        body = request.bars
    elif request.seconds is not None:
        body = max(2 * len(labels), round(request.seconds / bar_seconds) - intro - ending)
    else:
        body = style.section_bars * len(labels)
    if body < 2 * len(labels):
        raise ControlError(
            "bars",
            f"{body} bars cannot hold the {len(labels)} sections of the form; allowed: "
            f"at least {2 * len(labels)}",
        )
    sections = _shared_closes(_sections(labels, body, style, intro), style, random.Random(seed * 7919 + 29))
    parts = _mood_parts(_ensemble(request, style), mood, bool(request.instruments))
    melody_range = _melody_range(parts["melody"], valence, style, seed)
    density = min(1.0, max(0.1, style.melody_density * (1.0 + 0.45 * arousal)))
    velocity = round(min(112, max(40, 76 + 22 * arousal)))
    articulation = 0.92 - 0.22 * max(0.0, arousal)
    title = request.title or _title(style, meter, request, rng)
    resolved = replace(request, seed=seed, model=model)
    return Plan(
        request=resolved,
        style=style,
        key=key,
        tempo=tempo,
        meter=meter,
        intro_bars=intro,
        ending_bars=ending,
        sections=sections,
        valence=valence,
        arousal=arousal,
        parts=parts,
        melody_range=melody_range,
        melody_density=density,
        velocity=velocity,
        articulation=articulation,
        brightness=valence,
        user_chords=user_chords,
        seed=seed,
        model=model,
        title=title,
        drums=mood.drums(style.drums),
        mood=mood,
        tempo_outside_style=outside,
    )


def _mood_parts(parts: dict[str, Part], mood: MoodProfile, user_ensemble: bool) -> dict[str, Part]:
    """The mood's patterns and register on the style's parts; a soft string pad joins a dark or calm
    piece that has none (not when the user named the ensemble)."""
    out: dict[str, Part] = {}
    for role, part in parts.items():
        pattern = part.pattern
        if role == "accompaniment":
            pattern = mood.accompaniment(pattern)
        elif role == "bass":
            pattern = mood.bass(pattern)
        low, high = part.low, part.high
        if role in ("accompaniment", "bass", "pad") and mood.register:
            inst_low, inst_high = program_range(part.program)
            shift = mood.register
            shift = max(inst_low - low, min(inst_high - high, shift))
            low, high = low + shift, high + shift
        out[role] = replace(part, pattern=pattern, low=low, high=high)
    if mood.add_pad and "pad" not in out and not user_ensemble:
        program = lookup("string ensemble 2").program
        out["pad"] = Part("pad", program, 48 + mood.register, 72 + mood.register, "", -15.0, 0.25, 0.35)
    return out


def _title(style: Style, meter: Meter, request: ComposeRequest, rng: random.Random) -> str:
    return make_title(style.name, *request.valence_arousal(), rng.randrange(1 << 30), str(meter))
