"""The chord-progression model: one chord token per beat, conditioned on style, mode and meter,
with cadences at phrase ends enforced by masking logits.

The network is the shared :class:`~tunesmith.models.rnn.rnn.ConditionedLSTM`; per step it sees the
beat within the bar (``positions``) and the bar within an 8-bar phrase (``phrase``), per sequence
the meter, mode and style. Tokens are those of :mod:`tunesmith.tokens.chords` (roots relative to the
tonic), so "V" is root 7 in every key.

Cadence plans (``cadences``), for phrases of ``phrase_bars`` bars:

- ``"alternate"`` (default): antecedent-consequent pairs. A phrase that is followed by an
  answering phrase ends on a half cadence (its last bar on V); the others, and always the last
  phrase, end on an authentic or plagal cadence (the beat before the last bar on V, V7 or IV, the
  last bar on the tonic chord). The first beat is the tonic chord.
- ``"authentic"``: every phrase ends on V-I or IV-I.
- ``"none"``: no masks (what the model does on its own; :func:`cadence_rate` measures it).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import torch

from tunesmith.errors import ControlError
from tunesmith.models.rnn.data import PHRASE_BARS
from tunesmith.models.rnn.rnn import ConditionedLSTM, LSTMConfig
from tunesmith.models.sampling import SamplingOptions, sample
from tunesmith.theory.key import Key
from tunesmith.theory.roman import roman_to_chord
from tunesmith.tokens import chords as ct
from tunesmith.tokens import melody as mt

CADENCE_PLANS = ("alternate", "authentic", "none")


def chord_config(size: str = "default") -> LSTMConfig:
    """The chord model's sizes; 'debug' is a tiny model for tests."""
    hidden, layers, d_token = {"default": (128, 2, 32), "debug": (16, 1, 8)}[size]
    cond = 4 if size == "debug" else 8
    return LSTMConfig(
        vocab_size=ct.N_CHORD_TOKENS,
        step_conditions=[("positions", ct.MAX_BEATS_PER_BAR, cond), ("phrase", PHRASE_BARS, cond)],
        sequence_conditions=[
            ("meter", len(ct.METERS), cond),
            ("mode", len(mt.MODES), cond),
            ("style", len(mt.STYLES), cond),
        ],
        d_token=d_token,
        hidden=hidden,
        layers=layers,
        dropout=0.0 if size == "debug" else 0.1,
        pad_id=ct.PAD,
    )


def _token(root: int, quality: str) -> int:
    return ct.token_of_class(1 + root * ct.N_QUALITIES + ct.QUALITY_CLASSES.index(quality))


def tonic_tokens(mode: str) -> set[int]:
    return {_token(0, "min" if mode == "minor" else "maj")}


def dominant_tokens() -> set[int]:
    return {_token(7, "maj"), _token(7, "dom7")}


def predominant_tokens(mode: str) -> set[int]:
    """Chords that lead into the final tonic: V, V7 and IV (iv in minor, and IV too)."""
    return dominant_tokens() | {_token(5, "maj")} | ({_token(5, "min")} if mode == "minor" else set())


def phrase_plan(bars: int, phrase_bars: int, cadences: str) -> list[tuple[int, str]]:
    """(last bar index, 'half' | 'authentic') of every phrase."""
    if cadences not in CADENCE_PLANS:
        raise ControlError("cadences", f"unknown plan {cadences!r}; choose one of {', '.join(CADENCE_PLANS)}")
    if cadences == "none" or bars <= 0:
        return []
    ends = list(range(phrase_bars - 1, bars, phrase_bars))
    if not ends or ends[-1] != bars - 1:
        # A leftover shorter than half a phrase joins the last phrase instead of making a
        # one-bar phrase whose cadence would collide with the previous one.
        if ends and bars - 1 - ends[-1] < max(2, phrase_bars // 2):
            ends.pop()
        ends.append(bars - 1)
    plan = []
    for k, end in enumerate(ends):
        half = cadences == "alternate" and k % 2 == 0 and k + 1 < len(ends)
        plan.append((end, "half" if half else "authentic"))
    return plan


def vocabulary_classes(numerals: list[str] | tuple[str, ...], key: Key) -> dict[int, str]:
    """Chord-class id -> chord symbol of every Roman numeral of a style's vocabulary, read in the
    major or natural minor of ``key``'s tonic (whatever its mode); the first numeral of a class
    names it (so 'V5' before 'Vsus4' writes G5 in C)."""
    out: dict[int, str] = {}
    plain = Key(key.tonic, "minor" if key.is_minor else "major", key.tonic_name)
    for numeral in numerals:
        chord = roman_to_chord(numeral, plain)
        cid = 1 + ((chord.root - key.tonic) % 12) * ct.N_QUALITIES + ct.quality_class(chord.intervals)
        out.setdefault(cid, chord.figure)
    return out


def _same_roots(tokens: set[int], vocabulary: set[int]) -> set[int]:
    """Vocabulary tokens on the roots of ``tokens`` (V5 where V or V7 is asked and absent)."""
    roots = {(t - ct.CHORD_TOKEN_BASE) // ct.N_QUALITIES for t in tokens if t >= ct.CHORD_TOKEN_BASE}
    return {t for t in vocabulary if (t - ct.CHORD_TOKEN_BASE) // ct.N_QUALITIES in roots}


def cadence_mask(
    meter: str, mode: str, bars: int, phrase_bars: int, cadences: str, *, vocabulary: set[int] | None = None
) -> npt.NDArray[np.float32]:
    """Additive logit mask (beats, vocab): 0 where allowed, -inf where the plan forbids a chord.
    ``vocabulary`` (chord-class ids) limits every beat to a style's chords; a cadence chord outside
    it is replaced by the vocabulary's chords on the same root, else kept."""
    beats = ct.BEATS_PER_BAR[ct.check_meter(meter)]
    mask = np.zeros((bars * beats, ct.N_CHORD_TOKENS), dtype=np.float32)
    mask[:, [ct.PAD, ct.BOS]] = -np.inf
    in_vocab = {ct.token_of_class(c) for c in vocabulary} if vocabulary else set()

    def only(rows: slice | int, allowed: set[int]) -> None:
        if in_vocab:
            allowed = (allowed & in_vocab) or _same_roots(allowed, in_vocab) or allowed
        keep = np.full(ct.N_CHORD_TOKENS, -np.inf, dtype=np.float32)
        keep[list(allowed)] = 0.0
        merged = np.minimum(mask[rows], keep)
        # Where two cadence rules leave no chord at all, the later (closer to the end) wins.
        empty = ~np.isfinite(merged).any(axis=-1)
        merged[empty] = keep
        mask[rows] = merged

    plan = phrase_plan(bars, phrase_bars, cadences)
    if plan:
        only(0, tonic_tokens(mode))
    for end, kind in plan:
        last_bar = slice(end * beats, (end + 1) * beats)
        if kind == "half":
            only(last_bar, dominant_tokens())
        else:
            only(last_bar, tonic_tokens(mode))
            if end > 0:
                only(end * beats - 1, predominant_tokens(mode))
    if in_vocab:
        keep = np.full(ct.N_CHORD_TOKENS, -np.inf, dtype=np.float32)
        keep[list(in_vocab)] = 0.0
        limited = np.minimum(mask, keep)
        empty = ~np.isfinite(limited).any(axis=-1)  # a cadence chord the vocabulary lacks stays
        limited[empty] = mask[empty]
        mask = limited
    return mask


def generate_chord_tokens(
    model: ConditionedLSTM,
    style: str,
    mode: str,
    meter: str,
    bars: int,
    *,
    options: SamplingOptions,
    phrase_bars: int = 4,
    cadences: str = "alternate",
    vocabulary: set[int] | None = None,
) -> tuple[list[int], float]:
    """Beat tokens for ``bars`` bars and their mean log-likelihood per beat; ``vocabulary``
    (chord-class ids) limits the chords drawn (see :func:`cadence_mask`)."""
    meter = ct.check_meter(meter)
    if mode not in mt.MODES:
        raise ControlError("mode", f"unknown mode {mode!r}; choose one of {', '.join(mt.MODES)}")
    if not 1 <= bars <= 1024:
        raise ControlError("bars", f"must be between 1 and 1024, got {bars}")
    if phrase_bars not in (2, 4, 8):
        raise ControlError("phrase-bars", f"must be 2, 4 or 8, got {phrase_bars}")
    beats = ct.BEATS_PER_BAR[meter]
    n = bars * beats
    index = torch.arange(n)
    conditions = {
        "positions": (index % beats)[None],
        "phrase": ((index // beats) % PHRASE_BARS)[None],
        "meter": torch.tensor([ct.METERS.index(meter)]),
        "mode": torch.tensor([mt.MODES.index(mode)]),
        "style": torch.tensor([mt.STYLES.index(mt.check_style(style))]),
    }
    mask = cadence_mask(meter, mode, bars, phrase_bars, cadences, vocabulary=vocabulary)
    return sample(model, conditions, n, ct.BOS, options.check(), static_mask=mask)


def cadence_rate(
    tokens: list[int] | npt.NDArray[np.int64], meter: str, mode: str, phrase_bars: int = 4
) -> float:
    """Share of phrase ends (every ``phrase_bars`` bars) that close on a cadence: V/V7/IV on the
    beat before the bar and the tonic on its downbeat (authentic/plagal), or V on the downbeat of
    the phrase's last bar (half)."""
    beats = ct.BEATS_PER_BAR[ct.check_meter(meter)]
    seq = [int(t) for t in tokens]
    bars = len(seq) // beats
    ends = list(range(phrase_bars - 1, bars, phrase_bars))
    if not ends:
        return float("nan")
    hits = 0
    for end in ends:
        down = seq[end * beats]
        before = seq[end * beats - 1] if end > 0 else -1
        authentic = down in tonic_tokens(mode) and before in predominant_tokens(mode)
        half = down in dominant_tokens()
        hits += authentic or half
    return hits / len(ends)
