"""Harmony: the chords of every bar, with cadences where the phrases end.

Chords come from the user's progression (followed bar for bar, repeated to fill the piece, never
altered), else from the chord model when it is available, else from the style's common
progressions. Generated harmony is shaped by phrase: an antecedent phrase ends on V (half cadence),
a section's last phrase ends V-I (authentic; IV-I where the style prefers plagal endings), and the
bar before an authentic cadence often splits (IV V or ii V) because harmonic rhythm quickens there.
Each distinct section label gets its harmony once, so a section that returns has the same chords.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

from tunesmith.compose import engines
from tunesmith.compose.plan import Plan, SectionPlan
from tunesmith.compose.request import is_roman
from tunesmith.compose.styles import APPLIED_DOMINANTS, draw_weighted
from tunesmith.errors import ControlError
from tunesmith.score import ChordSymbol
from tunesmith.theory.chord import Chord, parse_chord
from tunesmith.theory.key import Key
from tunesmith.theory.roman import roman_to_chord


@dataclass(frozen=True, slots=True)
class ChordSpan:
    """A chord sounding from ``start`` for ``duration`` ticks (absolute ticks of the piece)."""

    start: int
    duration: int
    chord: Chord
    roman: str = ""

    @property
    def end(self) -> int:
        return self.start + self.duration

    @property
    def figure(self) -> str:
        return self.chord.figure


@dataclass
class Harmony:
    """The chord of every bar: ``bars[i]`` lists the spans in bar ``i`` (intro and ending included)."""

    bars: list[list[ChordSpan]]
    source: str  # "user", "model" or "style"
    keys: dict[int, Key] = field(default_factory=dict)
    """Bars whose phrase is in a related key (style key_phrases), by index: that key."""

    def spans(self) -> list[ChordSpan]:
        return [s for bar in self.bars for s in bar]

    def at(self, tick: int) -> ChordSpan:
        bar_len = (
            self.bars[0][0].duration if len(self.bars[0]) == 1 else sum(s.duration for s in self.bars[0])
        )
        index = min(max(0, tick // bar_len), len(self.bars) - 1)
        for span in self.bars[index]:
            if span.start <= tick < span.end:
                return span
        return self.bars[index][-1]

    def symbols(self) -> list[ChordSymbol]:
        """Chord symbols for the Score, one per change (repeated chords are merged)."""
        out: list[ChordSymbol] = []
        for span in self.spans():
            if out and out[-1].figure == span.figure:
                continue
            out.append(ChordSymbol(span.start, span.figure))
        return out


def chord_from_token(token: str, key: Key) -> tuple[Chord, str]:
    """A progression token (Roman numeral or chord symbol) as a Chord in ``key``, with its numeral."""
    if is_roman(token):
        try:
            return roman_to_chord(token, key), token
        except ControlError as err:
            raise ControlError("chords", f"cannot read Roman numeral {token!r}: {err.problem}") from err
    return parse_chord(token), ""


def _bar_spans(tokens: list[str], key: Key, bar_start: int, plan: Plan) -> list[ChordSpan]:
    """Spans for the chords sharing one bar, split on beat boundaries (first gets the extra beat)."""
    beats = plan.meter.beats
    n = min(len(tokens), beats) if beats > 1 else 1
    tokens = tokens[:n] if n < len(tokens) else tokens
    beat = plan.meter.beat_ticks
    counts = [beats // n] * n
    for i in range(beats - sum(counts)):
        counts[i] += 1
    spans: list[ChordSpan] = []
    tick = bar_start
    for token, count in zip(tokens, counts, strict=True):
        chord, roman = chord_from_token(token, key)
        spans.append(ChordSpan(tick, count * beat, chord, roman))
        tick += count * beat
    return spans


def _cadence_kind(plan: Plan, section: SectionPlan, p_index: int) -> str | None:
    """'half', 'authentic' or None for the end of phrase ``p_index`` of ``section``, by the style's
    cadence scope (every phrase, section ends only, or the piece's end only)."""
    last_phrase = p_index == len(section.phrases) - 1
    scope = plan.style.cadence_scope
    if scope == "final":
        return "authentic" if last_phrase and section.is_last else None
    if last_phrase:
        return "authentic"
    return "half" if scope == "phrase" else None


def _style_bars(plan: Plan, section: SectionPlan, rng: random.Random) -> list[list[str]]:
    """Roman numerals per bar for one section from the style's habits, cadences imposed."""
    return _phrased_bars(plan, section, rng)[0]


def _phrased_bars(plan: Plan, section: SectionPlan, rng: random.Random
                  ) -> tuple[list[list[str]], set[int], list[tuple[int, int, str]]]:  # fmt: skip
    """The style's bars for ``section``, the indices of the bars its cadences set, and every phrase
    that closes in a related key: (first bar, bars, close)."""
    style = plan.style
    minor = plan.key.is_minor
    pool = style.progressions_minor if minor else style.progressions_major
    per_bar = style.chords_per_bar
    tonic = "i" if minor else "I"
    dominant = style.dominant_minor if minor else style.dominant_major
    subdominant = "iv" if minor else "IV"
    predominant = style.predominant_minor if minor else style.predominant_major
    bars: list[list[str]] = []
    imposed: set[int] = set()
    related: list[tuple[int, int, str]] = []
    for p_index, length in enumerate(section.phrases):
        # Chords for the phrase: progressions laid end to end (per_bar chords a bar).
        flat: list[str] = []
        while len(flat) < length * per_bar:
            flat += list(rng.choice(pool))
        phrase = [flat[i * per_bar : (i + 1) * per_bar] for i in range(length)]
        if p_index == 0 and section.label != plan.sections[0].label:
            pass  # a contrasting section may open away from the tonic
        elif p_index == 0:
            phrase[0][0] = tonic  # home sections open on the tonic
        kind = _cadence_kind(plan, section, p_index)
        close = _inner_close(plan, rng) if kind == "half" else kind
        end = len(bars) + length - 1
        if close == "half" and length >= 2:
            phrase[-1] = [dominant]  # half cadence ends the antecedent
            imposed.add(end)
        elif close in ("dominant", "relative") and length >= 2:
            # A close in a related key: its own dominant on the bar's last beat before it.
            lead, goal = _RELATED_CLOSES[close][minor]
            slots = min(per_bar, plan.meter.beats)  # a bar holds a chord per beat at most
            phrase[-2] = [*phrase[-2][: slots - 1], lead] if slots >= 2 else [lead]
            phrase[-1] = [goal]
            imposed |= {end - 1, end}
            related.append((len(bars), length, close))
        elif close in ("authentic", "tonic"):
            plagal = close == "authentic" and section.is_last and style.final_cadence == "plagal"
            if length >= 2:
                if plagal:
                    phrase[-2] = [phrase[-2][0], subdominant] if per_bar >= 2 else [subdominant]
                elif plan.meter.beats >= 2 and rng.random() < style.split_cadences:
                    phrase[-2] = [rng.choice(predominant), dominant]
                else:
                    phrase[-2] = [dominant]
                imposed.add(end - 1)
                imposed.add(end)
            phrase[-1] = [tonic]
        bars += phrase
    return bars, imposed, related


_RELATED_CLOSES: dict[str, dict[bool, tuple[str, str]]] = {
    # close -> {minor?: (the chord before, the chord closed on)}
    "dominant": {False: ("V7/V", "V"), True: ("iv", "V")},
    "relative": {False: ("V/vi", "vi"), True: ("VII", "III")},
}


def _inner_close(plan: Plan, rng: random.Random) -> str:
    """How a phrase inside a section closes: the style's inner_cadences drawn by weight, or half."""
    return draw_weighted(plan.style.inner_cadences, rng) or "half"


def _model_bars(plan: Plan, section: SectionPlan, seed: int) -> list[list[str]] | None:
    """Chord symbols per bar for one section from the chord model, or None when it is unavailable."""
    return _chord_model_bars(plan, plan.key, section.bars, seed, plan.style.phrase_bars)


def _chord_model_bars(plan: Plan, key: Key, n_bars: int, seed: int, phrase_bars: int
                      ) -> list[list[str]] | None:  # fmt: skip
    """Chord symbols per bar from the chord model in ``key`` (the style's vocabulary of its mode)."""
    events = engines.generate_chords(
        style=plan.style.model_style,
        key=key,
        meter=str(plan.meter),
        bars=n_bars,
        seed=seed,
        phrase_bars=phrase_bars,
        final_cadence_only=plan.style.cadence_scope == "final",
        vocabulary=plan.style.vocabulary(key.mode, key.is_minor),
    )
    if events is None:
        return None
    bar = plan.bar_ticks
    bars: list[list[str]] = [[] for _ in range(n_bars)]
    tick = 0
    for figure, ticks in events:
        index = tick // bar
        if (
            index < n_bars
            and (not bars[index] or bars[index][-1] != figure)
            and tick % plan.meter.beat_ticks == 0
        ):
            bars[index].append(figure)
        tick += ticks
    for i, chords in enumerate(bars):
        if not chords:
            bars[i] = [bars[i - 1][-1]] if i else ["I" if not key.is_minor else "i"]
    return bars


def _impose_cadences(
    plan: Plan, section: SectionPlan, bars: list[list[str]], rng: random.Random, seed: int
) -> tuple[list[list[str]], dict[int, Key]]:
    """Model chords shaped like the style's: its cadences where the phrases end; with the style's
    ``key_phrases``, a phrase that closes in a related key is in that key throughout (the chord model
    writes its bars there). Also the key of each such bar, by its index in the section."""
    shaped, imposed, related = _phrased_bars(plan, section, rng)
    # Chords foreign to the key (borrowed, secondary) blur the key a listener hears: the style's
    # chord takes that bar instead, unless the style's vocabulary has it (bVII in celtic, V/V).
    # The raised leading tone of minor keys is native.
    key = plan.key
    native = set(Key(key.tonic, key.parent_mode).scale_pcs())
    if key.is_minor:
        native.add((key.tonic + 11) % 12)
    idiomatic = {frozenset(c.pitch_classes()) for c in vocabulary_chords(plan)}
    per_bar = plan.style.chords_per_bar

    def fits(figure: str) -> bool:
        pcs = chord_from_token(figure, key)[0].pitch_classes()
        return set(pcs) <= native or frozenset(pcs) in idiomatic

    out = []
    for i, chords in enumerate(bars):
        keep = [f for f in chords[:per_bar] if fits(f)]
        out.append(keep if len(keep) == len(chords[:per_bar]) else list(shaped[i]))
    if section.label == plan.sections[0].label:
        out[0] = [shaped[0][0], *out[0][1:]]
    for bar in imposed:
        out[bar] = shaped[bar]
    keys: dict[int, Key] = {}
    if plan.style.key_phrases:
        for first, length, close in related:
            local = _related_key(key, close)
            if local is None or (first == 0 and section.label == plan.sections[0].label):
                continue  # the piece's first phrase states the key before anything leaves it
            model_phrase = max(p for p in (2, 4, 8) if p <= length)  # the lengths the model knows
            own = _chord_model_bars(plan, local, length, seed + 7 * first, model_phrase)
            if own is None:
                continue
            for i in range(first, first + length - 1):
                keys[i] = local
                out[i] = own[i - first][:per_bar]
            # the close stays as imposed: the new key's dominant after the phrase's own chords
            pen = first + length - 2
            out[pen] = [*own[length - 2][: max(0, min(per_bar, plan.meter.beats) - 1)], shaped[pen][-1]]
    return out, keys


def _related_key(key: Key, close: str) -> Key | None:
    """The key a 'dominant' or 'relative' close leads to (None: a minor key's 'dominant' close is
    its half cadence on V, no new key)."""
    if close == "dominant" and not key.is_minor:
        return Key((key.tonic + 7) % 12, "major")
    if close == "relative":
        return Key((key.tonic + 3) % 12, "major") if key.is_minor else Key((key.tonic + 9) % 12, "minor")
    return None


def vocabulary_chords(plan: Plan) -> list[Chord]:
    """The style's chord vocabulary for the piece's mode, as chords in its key (empty: any chord)."""
    return vocabulary_in(plan, plan.key)


def vocabulary_in(plan: Plan, key: Key) -> list[Chord]:
    """The style's chord vocabulary for ``key``'s mode, as chords in ``key`` (empty: any chord)."""
    plain = plain_key(key)
    return [roman_to_chord(n, plain) for n in plan.style.vocabulary(key.mode, key.is_minor)]


def plain_key(key: Key) -> Key:
    """The major or natural minor of ``key``'s tonic: what style numerals are read in."""
    return Key(key.tonic, "minor" if key.is_minor else "major", key.tonic_name)


def fit_to_vocabulary(chord: Chord, vocabulary: list[Chord], tonic: int) -> Chord:
    """``chord`` itself when the vocabulary has it (same pitch classes), else the vocabulary chord
    sharing most of its tones (then its root, then the tonic's, then the earlier listed): a
    pentatonic style hears D5 or Dm where a B-flat chord would leave the mode."""
    if not vocabulary:
        return chord
    pcs = set(chord.pitch_classes())
    if any(set(v.pitch_classes()) == pcs for v in vocabulary):
        return chord

    def rank(item: tuple[int, Chord]) -> tuple[int, int, int, int]:
        i, v = item
        return (len(pcs & set(v.pitch_classes())), v.root == chord.root, v.root == tonic, -i)

    return max(enumerate(vocabulary), key=rank)[1]


def _intro_tokens(plan: Plan) -> list[list[str]]:
    tonic = "i" if plan.key.is_minor else "I"
    sub = "iv" if plan.key.is_minor else "IV"
    dominant = plan.style.dominant_minor if plan.key.is_minor else plan.style.dominant_major
    n = plan.intro_bars
    if n == 0:
        return []
    if n == 1:
        return [[tonic]]
    if n == 2:
        return [[tonic], [dominant]]
    return [[tonic]] * (n - 3) + [[tonic], [sub], [dominant]]


def make_harmony(plan: Plan) -> Harmony:
    """Chords for every bar of the piece (intro, sections, ending), seeded by the plan."""
    key = plan.key
    rng = random.Random(plan.seed * 7919 + 1)
    token_bars: list[list[str]]
    bar_keys: dict[int, Key] = {}  # bars in a related key (style key_phrases), by index
    source = "style"
    if plan.user_chords is not None:
        source = "user"
        prog = plan.user_chords
        intro = [prog[i % len(prog)] for i in range(plan.intro_bars)]
        body = [prog[i % len(prog)] for i in range(plan.body_bars)]
        token_bars = intro + body
    else:
        by_label: dict[tuple[str, int], list[list[str]]] = {}
        keys_by_label: dict[tuple[str, int], dict[int, Key]] = {}
        body = []
        for section in plan.sections:
            ident = (section.label, section.bars)
            if ident not in by_label:
                chords = None
                local_keys: dict[int, Key] = {}
                section_seed = plan.seed + 31 * len(by_label)
                if plan.model != "rules" and plan.style.harmony_generator == "model":
                    chords = _model_bars(plan, section, section_seed)
                if chords is not None:
                    source = "model"
                    chords, local_keys = _impose_cadences(plan, section, chords, rng, section_seed)
                else:
                    chords = _style_bars(plan, section, rng)
                lead_in = random.Random(plan.seed * 7919 + 71 + len(by_label))
                chords = _applied_dominants(plan, chords, lead_in)
                home = (plan.sections[0].label, plan.sections[0].bars)
                if section.shared_close and home in by_label:
                    # the strain closes as the first one does: the same chords under the same notes
                    chords = [*chords[: -section.shared_close], *by_label[home][-section.shared_close :]]
                by_label[ident] = chords
                keys_by_label[ident] = local_keys
            offset = plan.intro_bars + len(body)
            bar_keys.update({offset + i: k for i, k in keys_by_label[ident].items()})
            body += by_label[ident]
        token_bars = _intro_tokens(plan) + body
    tonic_token = "i" if key.is_minor else "I"
    token_bars += [[tonic_token] if source != "user" else [_tonic_figure(key)]] * plan.ending_bars
    bars = []
    for i, tokens in enumerate(token_bars):
        bars.append(_bar_spans(tokens, key, i * plan.bar_ticks, plan))
    if source != "user":
        # Generated chords keep to the style's vocabulary (the cadence rules and the intro may ask
        # for a chord it lacks, e.g. V in a pentatonic style).
        vocabulary = vocabulary_chords(plan)
        local = {k: vocabulary_in(plan, k) for k in set(bar_keys.values())}
        bars = [
            _merge_repeats([
                _refit(span, local[bar_keys[i]], bar_keys[i].tonic) if i in bar_keys
                else _refit(span, vocabulary, key.tonic) for span in spans
            ])
            for i, spans in enumerate(bars)
        ]  # fmt: skip
    return Harmony(bars, source, bar_keys)


def _applied_dominants(plan: Plan, bars: list[list[str]], rng: random.Random) -> list[list[str]]:
    """The style's applied dominants (major keys only): the chord before a V becomes V7/V, the tonic
    before a IV becomes I7, each with the style's probability; a section's first chord stays."""
    rates = dict(plan.style.applied_dominants)
    if not rates or plan.key.mode != "major":  # minor keys and the modes keep their own chords
        return bars
    key = plan.key
    out = [list(b) for b in bars]

    def degree(token: str) -> tuple[int, str]:
        """(root above the tonic, quality)."""
        chord = chord_from_token(token, key)[0]
        return (chord.root - key.tonic) % 12, chord.quality

    steps = {"V": 7, "IV": 5}
    places = [(b, j) for b, chords in enumerate(out) for j in range(len(chords))]
    for (b, j), (nb, nj) in itertools.pairwise(places):
        here, target = degree(out[b][j]), degree(out[nb][nj])
        for goal, lead in APPLIED_DOMINANTS.items():
            arrives = goal in rates and target[0] == steps[goal] and target[1] in ("maj", "dom7")
            if not arrives or (b, j) == (0, 0) or here == ((steps[goal] + 7) % 12, "dom7"):
                continue
            if (goal != "IV" or here == (0, "maj")) and rng.random() < rates[goal]:
                out[b][j] = lead
    return out


def _refit(span: ChordSpan, vocabulary: list[Chord], tonic: int) -> ChordSpan:
    chord = fit_to_vocabulary(span.chord, vocabulary, tonic)
    return span if chord is span.chord else ChordSpan(span.start, span.duration, chord)


def _merge_repeats(spans: list[ChordSpan]) -> list[ChordSpan]:
    """Neighbouring spans of one chord inside a bar become one span."""
    out: list[ChordSpan] = []
    for span in spans:
        if out and out[-1].chord == span.chord:
            last = out[-1]
            out[-1] = ChordSpan(last.start, last.duration + span.duration, last.chord, last.roman)
        else:
            out.append(span)
    return out


def _tonic_figure(key: Key) -> str:
    return key.tonic_name + ("m" if key.is_minor else "")


def chord_tones(span: ChordSpan, key: Key, pentatonic: bool) -> tuple[int, ...]:
    """Pitch classes a melody may land on under ``span``: the chord's tones (in a pentatonic style,
    those that belong to the scale, with the scale's tones near the root as a fallback)."""
    pcs = span.chord.pitch_classes()
    if not pentatonic:
        return pcs
    scale = set(key.scale_pcs())
    inside = tuple(pc for pc in pcs if pc in scale)
    return inside if len(inside) >= 2 else tuple(sorted(scale))
