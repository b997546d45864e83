"""The Python API of the RNN models, for the composer and the CLI.

- :func:`load_melody_model` / :func:`load_chord_model`: the shipped checkpoints
  (``tunesmith/data/checkpoints/melody.pt``, ``chords.pt``) or any path; cached per file.
- :func:`generate_melody`: a melody over a chord progression, with temperature, top-p, a primer and
  hard constraints (pitch range, in-scale, rhythmic density); returns the notes and their mean
  log-likelihood per step (higher = more typical of the training data), for ranking candidates.
- :func:`melody_log_likelihood`: the same score for any melody.
- :func:`generate_chords`: a chord progression with cadences at phrase ends.

Times are ticks at 480 per quarter note, pitches MIDI numbers. A given seed (and model) always
gives the same output.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import torch

from tunesmith.errors import ControlError, ModelError, TunesmithError
from tunesmith.models.checkpoint import load_checkpoint
from tunesmith.models.rnn.chords import CADENCE_PLANS, generate_chord_tokens, vocabulary_classes
from tunesmith.models.rnn.rnn import ConditionedLSTM
from tunesmith.models.sampling import DynamicMask, SamplingOptions, sample, sequence_log_likelihood
from tunesmith.paths import PACKAGE_DATA, data_dir
from tunesmith.score import ChordSymbol, KeySignature, Note, TimeSignature
from tunesmith.theory.chord import parse_chord
from tunesmith.theory.key import Key, key_from_signature
from tunesmith.tokens import chords as ct
from tunesmith.tokens import melody as mt

CHECKPOINT_DIR = PACKAGE_DATA / "checkpoints"
MELODY_CHECKPOINT = CHECKPOINT_DIR / "melody.pt"
CHORD_CHECKPOINT = CHECKPOINT_DIR / "chords.pt"

STYLE_FALLBACKS: dict[str, tuple[str, ...]] = {
    "celtic": ("folk",),
    "march": ("folk",),
    "pop": ("folk",),
    "chorale": ("folk",),
    "chinese": ("folk",),
    "lullaby": ("song", "waltz", "folk"),
    "ambient": ("song", "waltz", "folk"),
    "waltz": ("folk",),
    "song": ("folk",),
}
"""When a model has not seen a style in training, the closest style it has seen (in order)."""
MIN_STYLE_PIECES = 20
# HOLD and REST keep their share under top-p (the nucleus trims pitches only): a melody's rhythm
# is sampled as the model means it.
_RHYTHM_TOKENS = np.isin(np.arange(mt.N_EVENTS), (mt.HOLD, mt.REST))
"""Training pieces a style needs before a model counts it as seen."""


@dataclass
class LoadedModel:
    """A model rebuilt from its checkpoint, with the styles it was trained on."""

    net: ConditionedLSTM
    path: Path
    styles_seen: tuple[str, ...]
    info: dict[str, Any] = field(default_factory=dict)
    style_names: tuple[str, ...] = mt.STYLES
    """The style vocabulary the model was trained with (its checkpoint's), index = style id."""

    def style_id(self, style: str) -> int:
        """The model's id of a style it knows (after :meth:`style`)."""
        return self.style_names.index(style) if style in self.style_names else 0

    def style(self, style: str) -> str:
        """``style`` if the model was trained on it, else its fallback; ControlError if unknown."""
        mt.check_style(style)
        if style in self.styles_seen or not self.styles_seen:
            return style
        for candidate in (*STYLE_FALLBACKS.get(style, ()), "folk"):
            if candidate in self.styles_seen:
                return candidate
        return self.styles_seen[0]


class GeneratedMelody(NamedTuple):
    notes: list[Note]
    """The generated notes (not the primer's), absolute ticks from the piece's start."""
    log_likelihood: float
    """Mean log-probability per generated step under the model (nats; closer to 0 = more typical)."""


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime: float, kind: str) -> LoadedModel:  # noqa: ARG001 (mtime: cache key)

    net, ckpt = load_checkpoint(path, kind)
    if not isinstance(net, ConditionedLSTM):
        raise ModelError(f"{path}: not an LSTM checkpoint")
    counts = ckpt.get("data", {}).get("styles", {})
    # A style seen in a handful of pieces (march: 3 in the chord corpus) has an untrained condition:
    # it borrows its fallback instead, unless it is all the model has seen.
    styles = tuple(s for s, count in counts.items() if count >= MIN_STYLE_PIECES) or tuple(
        s for s, count in counts.items() if count > 0
    )
    info = {k: ckpt.get(k) for k in ("epoch", "step", "best_val", "data")}
    names = tuple(ckpt.get("vocab", {}).get("styles", mt.STYLES))
    return LoadedModel(net, Path(path), styles, info, names)


def _resolve(path: str | Path | None, default: Path, kind: str) -> LoadedModel:
    file = Path(path) if path is not None else default
    if not file.is_file():
        hint = " (train one with `tunesmith train " + kind + "`)" if path is None else ""
        raise ModelError(f"{file}: {kind} model checkpoint not found{hint}")
    return _load(str(file.resolve()), file.stat().st_mtime, kind)


def tuned_melody_checkpoints(folder: Path | None = None) -> list[Path]:
    """Melody models fine-tuned from ratings (``tunesmith tune --from-feedback``), oldest first:
    ``melody-feedback-vNNN.pt`` in ``folder`` (default: <data dir>/checkpoints)."""
    if folder is None:
        folder = data_dir() / "checkpoints"
    return sorted(folder.glob("melody-feedback-v[0-9][0-9][0-9].pt")) if folder.is_dir() else []


def current_melody_checkpoint(folder: Path | None = None) -> Path:
    """The newest feedback-tuned melody model when there is one, else the shipped model."""
    tuned = tuned_melody_checkpoints(folder)
    return tuned[-1] if tuned else MELODY_CHECKPOINT


def load_melody_model(path: str | Path | None = None) -> LoadedModel:
    """The melody LSTM: ``path``, else the newest feedback-tuned one, else the shipped one."""
    return _resolve(path, current_melody_checkpoint() if path is None else MELODY_CHECKPOINT, "melody")


def load_chord_model(path: str | Path | None = None) -> LoadedModel:
    """The chord-progression LSTM (the shipped one when ``path`` is None)."""
    return _resolve(path, CHORD_CHECKPOINT, "chords")


# ----- argument normalisation ------------------------------------------------------------------
def as_key(key: Key | KeySignature | str) -> Key:
    if isinstance(key, Key):
        return key
    if isinstance(key, KeySignature):
        return key_from_signature(key)
    return Key.parse(str(key))


def as_meter(meter: str | TimeSignature) -> str:
    if isinstance(meter, TimeSignature):
        meter = f"{meter.numerator}/{meter.denominator}"
    return ct.check_meter(meter)


def layout_chords(
    chords: list[tuple[str, int]] | list[ChordSymbol], total_ticks: int
) -> list[ChordSymbol]:
    """ChordSymbols covering ``total_ticks``: (figure, duration) pairs are laid end to end from tick 0
    and repeated until the end; ChordSymbols are kept as they are. Figures are checked."""
    if not chords:
        raise ControlError("chords", "give at least one chord")
    out: list[ChordSymbol] = []
    if all(isinstance(c, ChordSymbol) for c in chords):
        out = sorted(chords, key=lambda c: c.tick)  # type: ignore[arg-type]
    else:
        pairs: list[tuple[str, int]] = []
        for item in chords:
            if isinstance(item, ChordSymbol) or len(item) != 2 or int(item[1]) <= 0:
                raise ControlError("chords", f"expected (figure, duration in ticks > 0) pairs, got {item!r}")
            pairs.append((str(item[0]), int(item[1])))
        tick = 0
        while tick < total_ticks:
            for figure, duration in pairs:
                if tick >= total_ticks:
                    break
                out.append(ChordSymbol(tick, figure))
                tick += duration
    for c in out:
        if c.figure.strip().upper().replace(".", "") not in ("NC", "N", ""):
            try:
                parse_chord(c.figure)
            except TunesmithError as err:
                raise ControlError("chords", f"bad chord symbol {c.figure!r}: {err}") from None
    return out


# ----- melody ----------------------------------------------------------------------------------
def _melody_conditions(
    chords: list[ChordSymbol], key: Key, meter: str, style: str | int, n_steps: int, *, bar_origin: int = 0
) -> dict[str, torch.Tensor]:
    """Step and sequence conditions (the lookbacks are filled in while sampling); ``style`` is a
    name or the model's style id."""
    first = ((-bar_origin) // ct.STEP_TICKS) % ct.STEPS_PER_BAR[meter]
    return {
        "chords": torch.from_numpy(ct.classes_per_step(chords, key.tonic, 0, n_steps))[None],
        "positions": torch.from_numpy(mt.positions_for(meter, n_steps, first))[None],
        "phrase": torch.from_numpy(mt.phrase_positions(meter, n_steps, first))[None],
        "meter": torch.tensor([ct.METERS.index(meter)]),
        "mode": torch.tensor([mt.mode_index(key)]),
        "style": torch.tensor([style if isinstance(style, int) else mt.STYLES.index(style)]),
    }


def allowed_pitch_mask(
    key: Key, pitch_range: tuple[int, int] | None, in_scale: bool
) -> npt.NDArray[np.float32]:
    """Additive mask over melody events: PAD and BOS are never drawn; note-ons outside
    ``pitch_range`` (absolute MIDI, inclusive) or, with ``in_scale``, outside the key's scale (minor
    keys also allow the raised 7th, the leading tone) are forbidden."""
    mask = np.zeros(mt.N_EVENTS, dtype=np.float32)
    mask[[mt.PAD, mt.BOS]] = -np.inf
    shift = mt.key_shift(key.tonic)
    scale = set(key.scale_pcs())
    if key.is_minor:
        scale.add((key.tonic + 11) % 12)
    lo, hi = pitch_range if pitch_range is not None else (0, 127)
    if pitch_range is not None and not (0 <= lo <= hi <= 127):
        raise ControlError("pitch-range", f"expected 0 <= low <= high <= 127, got {pitch_range}")
    for event in range(mt.NOTE_BASE, mt.N_EVENTS):
        pitch = event - mt.NOTE_BASE + mt.PITCH_LO - shift
        if not lo <= pitch <= hi or (in_scale and pitch % 12 not in scale):
            mask[event] = -np.inf
    if not np.isfinite(mask[mt.NOTE_BASE :]).any():
        raise ControlError("pitch-range", f"no {'scale ' if in_scale else ''}note of {key} lies in {lo}-{hi}")
    return mask


def rhythm_rule(meter: str, density: float | None, first_generated: int, origin: int = 0) -> DynamicMask:
    """Per-step masks: HOLD only right after a note or a HOLD (never as the first step after a
    primer, so the primer's notes stay as they were); with ``density`` (note onsets per beat),
    onsets at least round(steps_per_beat / density) steps apart and never more than four times that
    (a longer silence forces a note). In 6/8 a note that starts off the beat is not held across
    the next beat (step ``origin`` is a downbeat): jigs never tie an eighth into the next beat, and
    a bar that does reads as 3/4."""
    compound = meter == "6/8"
    beat_steps = ct.STEPS_PER_BEAT[meter]
    min_gap = max_gap = 0
    if density is not None:
        if not 0.125 <= density <= 4.0:
            raise ControlError("density", f"note onsets per beat must be between 0.125 and 4, got {density}")
        min_gap = max(1, round(ct.STEPS_PER_BEAT[meter] / density))
        max_gap = 4 * min_gap
    ban_hold = np.zeros(mt.N_EVENTS, dtype=np.float32)
    ban_hold[mt.HOLD] = -np.inf
    ban_notes = np.zeros(mt.N_EVENTS, dtype=np.float32)
    ban_notes[mt.NOTE_BASE :] = -np.inf
    only_notes = np.zeros(mt.N_EVENTS, dtype=np.float32)
    only_notes[[mt.HOLD, mt.REST]] = -np.inf
    last_onset = [-(10**9)]

    def rule(t: int, tokens: list[int]) -> npt.NDArray[np.float32] | None:
        prev = tokens[-1] if tokens else mt.BOS
        if prev >= mt.NOTE_BASE:
            last_onset[0] = t - 1
        elif t == first_generated:
            last_onset[0] = max((i for i, e in enumerate(tokens) if e >= mt.NOTE_BASE), default=-(10**9))
        hold_ok = (prev == mt.HOLD or prev >= mt.NOTE_BASE) and not (t == first_generated and t > 0)
        if compound and (t - origin) % beat_steps == 0 and (last_onset[0] - origin) % beat_steps:
            hold_ok = False
        extra = None if hold_ok else ban_hold
        if density is not None:
            gap = t - last_onset[0]
            if gap < min_gap:
                extra = ban_notes if extra is None else extra + ban_notes
            elif gap >= max_gap:
                extra = only_notes  # HOLD and REST banned: a note must start
        return extra

    return rule


REPEAT_RUN = 3
"""Strikes of one pitch in a row after which ``repeat_penalty`` applies."""


def repeat_rule(penalty: float, run: int = REPEAT_RUN) -> DynamicMask:
    """Per-step logit offsets: ``-penalty`` on striking a pitch that the last ``run`` notes all struck
    (rests and holds between them do not break the run)."""
    offsets: dict[int, npt.NDArray[np.float32]] = {}

    def rule(t: int, tokens: list[int]) -> npt.NDArray[np.float32] | None:  # noqa: ARG001
        onsets: list[int] = []
        for event in reversed(tokens):
            if event >= mt.NOTE_BASE:
                onsets.append(event)
                if len(onsets) == run or onsets[-1] != onsets[0]:
                    break
        if len(onsets) < run or len(set(onsets)) > 1:
            return None
        if onsets[0] not in offsets:
            offsets[onsets[0]] = np.zeros(mt.N_EVENTS, dtype=np.float32)
            offsets[onsets[0]][onsets[0]] = -penalty
        return offsets[onsets[0]]

    return rule


def leap_rule(forbidden: Sequence[int]) -> DynamicMask:
    """Per-step masks: no note-on at one of the ``forbidden`` distances (semitones) from the last note."""
    masks: dict[int, npt.NDArray[np.float32]] = {}
    sizes = sorted(set(forbidden))

    def rule(t: int, tokens: list[int]) -> npt.NDArray[np.float32] | None:  # noqa: ARG001
        last = next((e for e in reversed(tokens) if e >= mt.NOTE_BASE), None)
        if last is None:
            return None
        if last not in masks:
            mask = np.zeros(mt.N_EVENTS, dtype=np.float32)
            for size in sizes:
                for event in (last - size, last + size):
                    if mt.NOTE_BASE <= event < mt.N_EVENTS:
                        mask[event] = -np.inf
            masks[last] = mask
        return masks[last]

    return rule


def _both(first: DynamicMask, second: DynamicMask) -> DynamicMask:
    def rule(t: int, tokens: list[int]) -> npt.NDArray[np.float32] | None:
        a, b = first(t, tokens), second(t, tokens)
        return b if a is None else a if b is None else a + b

    return rule


def generate_melody(
    chords: list[tuple[str, int]] | list[ChordSymbol],
    key: Key | KeySignature | str,
    meter: str | TimeSignature = "4/4",
    bars: int = 8,
    style: str = "folk",
    *,
    temperature: float = 1.0,
    top_p: float = 0.9,
    seed: int = 0,
    primer: list[Note] | None = None,
    pitch_range: tuple[int, int] | None = None,
    in_scale: bool = False,
    density: float | None = None,
    onset_bias: float = 0.0,
    repeat_penalty: float = 0.0,
    forbidden_leaps: Sequence[int] = (),
    model: LoadedModel | None = None,
    bar_origin: int = 0,
) -> GeneratedMelody:
    """Generate ``bars`` bars of melody over ``chords`` in ``key`` and ``meter``.

    ``chords``: (figure, duration in ticks) pairs, repeated to fill the piece, or ChordSymbols at
    absolute ticks. ``primer``: notes (absolute ticks from a bar start at 0) to continue; the new
    bars follow the primer's last sixteenth step and the returned notes are the new ones only.
    ``pitch_range``: (low, high) MIDI pitches, inclusive. ``in_scale``: only scale tones.
    ``density``: note onsets per beat (0.125-4), enforced as minimum and maximum gaps.
    ``onset_bias``: added to every note-on's logit against holding and resting (> 0: more notes).
    ``repeat_penalty``: taken off the logit of a fourth strike of one pitch in a row (0-10).
    ``forbidden_leaps``: intervals (semitones, 1-24) the line never leaps (a chorale's tritone).
    ``bar_origin``: a tick where a bar begins, when tick 0 is not a downbeat (a primer with a pickup).
    """
    if not -3.0 <= onset_bias <= 3.0:
        raise ControlError("onset-bias", f"must be between -3 and 3, got {onset_bias}")
    if not 0.0 <= repeat_penalty <= 10.0:
        raise ControlError("repeat-penalty", f"must be between 0 and 10, got {repeat_penalty}")
    if any(isinstance(x, bool) or not isinstance(x, int) or not 1 <= x <= 24 for x in forbidden_leaps):
        raise ControlError("forbidden-leaps", f"need whole semitones 1-24, got {list(forbidden_leaps)}")
    loaded = model or load_melody_model()
    key_ = mt.model_key(as_key(key))
    meter_ = as_meter(meter)
    style_ = loaded.style(style)
    if not 1 <= bars <= 512:
        raise ControlError("bars", f"must be between 1 and 512, got {bars}")
    options = SamplingOptions(temperature, top_p, seed).check()
    primer_events: list[int] = []
    if primer:
        n_primer = -(-max(n.end for n in primer) // ct.STEP_TICKS)
        enc = mt.encode_melody(primer, [], key_, meter_, style_, start=0, end=n_primer * ct.STEP_TICKS)
        primer_events = [int(e) for e in enc.events]
    n_steps = len(primer_events) + bars * ct.STEPS_PER_BAR[meter_]
    symbols = layout_chords(chords, n_steps * ct.STEP_TICKS)
    conditions = _melody_conditions(
        symbols, key_, meter_, loaded.style_id(style_), n_steps, bar_origin=bar_origin
    )
    static = allowed_pitch_mask(key_, pitch_range, in_scale)
    rule = rhythm_rule(meter_, density, len(primer_events), bar_origin // ct.STEP_TICKS)
    if repeat_penalty:
        rule = _both(rule, repeat_rule(repeat_penalty))
    if forbidden_leaps:
        rule = _both(rule, leap_rule(forbidden_leaps))
    bias = None
    if onset_bias:
        bias = np.zeros(mt.N_EVENTS, dtype=np.float32)
        bias[mt.NOTE_BASE :] = onset_bias
    events, loglik = sample(
        loaded.net, conditions, n_steps, mt.BOS, options, primer=primer_events, static_mask=static,
        dynamic_mask=rule, steps_per_bar=ct.STEPS_PER_BAR[meter_], untrimmed=_RHYTHM_TOKENS, bias=bias,
    )  # fmt: skip
    notes = mt.decode_events(events, mt.key_shift(key_.tonic))
    first_tick = len(primer_events) * ct.STEP_TICKS
    return GeneratedMelody([n for n in notes if n.start >= first_tick], loglik)


def melody_log_likelihood(
    notes: list[Note],
    chords: list[tuple[str, int]] | list[ChordSymbol],
    key: Key | KeySignature | str,
    meter: str | TimeSignature = "4/4",
    style: str = "folk",
    *,
    model: LoadedModel | None = None,
) -> float:
    """Mean log-probability per sixteenth step of a melody (absolute ticks from a bar start at 0)
    under the melody model; higher (closer to 0) means more typical of the training corpus."""
    loaded = model or load_melody_model()
    key_ = mt.model_key(as_key(key))
    meter_ = as_meter(meter)
    style_ = loaded.style(style)
    if not notes:
        raise ControlError("melody", "no notes to score")
    n_steps = -(-max(n.end for n in notes) // ct.STEP_TICKS)
    symbols = layout_chords(chords, n_steps * ct.STEP_TICKS)
    enc = mt.encode_melody(notes, symbols, key_, meter_, style_, start=0, end=n_steps * ct.STEP_TICKS)
    conditions = _melody_conditions(symbols, key_, meter_, loaded.style_id(style_), n_steps)
    for bars in mt.LOOKBACK_BARS:
        conditions[mt.lookback_name(bars)] = torch.from_numpy(mt.lookback(enc.events, meter_, bars))[None]
    return sequence_log_likelihood(loaded.net, conditions, [int(e) for e in enc.events], mt.BOS)


# ----- chords ----------------------------------------------------------------------------------
def generate_chords(
    style: str = "folk",
    mode: str = "major",
    meter: str | TimeSignature = "4/4",
    bars: int = 8,
    seed: int = 0,
    *,
    temperature: float = 1.0,
    top_p: float = 0.9,
    key: Key | KeySignature | str | None = None,
    phrase_bars: int = 4,
    cadences: str = "alternate",
    model: LoadedModel | None = None,
    vocabulary: list[str] | tuple[str, ...] | None = None,
) -> list[tuple[str, int]]:
    """A chord progression of ``bars`` bars as (figure, duration in ticks), spelled in ``key``
    (default: C major or C minor by ``mode``; a given key sets the mode). ``cadences``: one of
    'alternate', 'authentic', 'none' (see tunesmith.models.rnn.chords). ``vocabulary``: Roman
    numerals (read in the key) the progression keeps to, written as they spell them."""
    loaded = model or load_chord_model()
    if key is not None:
        key_ = as_key(key)
        mode = "minor" if key_.is_minor else "major"
    else:
        if mode not in mt.MODES:
            raise ControlError("mode", f"unknown mode {mode!r}; choose one of {', '.join(mt.MODES)}")
        key_ = Key(0, mode)
    if cadences not in CADENCE_PLANS:
        raise ControlError("cadences", f"unknown plan {cadences!r}; choose one of {', '.join(CADENCE_PLANS)}")
    meter_ = as_meter(meter)
    figures = vocabulary_classes(list(vocabulary), key_) if vocabulary else None
    tokens, _ = generate_chord_tokens(
        loaded.net, loaded.style(style), mode, meter_, bars,
        options=SamplingOptions(temperature, top_p, seed), phrase_bars=phrase_bars, cadences=cadences,
        vocabulary=set(figures) if figures else None,
    )  # fmt: skip
    return ct.decode_beat_tokens(tokens, key_, meter_, figures)


def bars_of(progression: list[tuple[str, int]], meter: str) -> list[list[str]]:
    """Chord figures per bar (a chord spanning bars is repeated), for printing lead-sheet style."""
    bar = ct.STEPS_PER_BAR[ct.check_meter(meter)] * ct.STEP_TICKS
    out: list[list[str]] = []
    tick = 0
    for figure, duration in progression:
        for t in range(tick, tick + duration, ct.STEPS_PER_BEAT[meter] * ct.STEP_TICKS):
            index = t // bar
            while len(out) <= index:
                out.append([])
            if not (out[index] and out[index][-1] == figure):
                out[index].append(figure)
        tick += duration
    return out
