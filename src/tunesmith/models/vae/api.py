"""The phrase VAE's Python API, for the composer and the CLI: variations, morphs, attribute moves.

- :func:`vary_phrase` / :func:`variations`: melodies near a phrase in latent space. ``amount`` is
  the standard deviation of the Gaussian step from the phrase's posterior mean, in units of the
  prior's (0 gives the phrase back unchanged; 0.3 a close variation; 1 a loosely related phrase).
- :func:`interpolate_phrases`: a morph along the great circle between two phrases' latents (slerp);
  the first and last steps are the phrases themselves.
- :func:`vary_melody`: a whole melody of any length, varied phrase by phrase.
- Attribute vectors (:data:`ATTRIBUTES`): ``attributes={"density": +1}`` adds the density vector
  (mean latent of dense phrases minus that of sparse ones) to the latent, making the phrase denser.

Notes are absolute MIDI pitches at ticks from the phrase's first bar line (480 per quarter).
Phrases are 2 or 4 bars (what the shipped model was trained on; a checkpoint lists its lengths).
The key (detected from the notes when not given) only transposes to and from the models' C
tonic; ``chords`` (ChordSymbols from the phrase's start) condition the decoder.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from tunesmith.errors import ControlError, ModelError
from tunesmith.models.checkpoint import load_checkpoint
from tunesmith.models.vae import vae as _vae
from tunesmith.models.vae.phrases import SLOTS, from_slots, notes_to_slots
from tunesmith.paths import PACKAGE_DATA
from tunesmith.score import ChordSymbol, Note
from tunesmith.theory.key import Key
from tunesmith.theory.keydetect import detect_key
from tunesmith.tokens import chords as ct
from tunesmith.tokens import melody as mt

VAE_CHECKPOINT = PACKAGE_DATA / "checkpoints" / "vae.pt"
FloatArray = npt.NDArray[np.float64]


# ----- melodic features (for attribute vectors and their measurement) ------------------------------
def _density(events: np.ndarray, bars: int) -> float:
    return float((events >= mt.NOTE_BASE).sum()) / max(1, bars)


def _pitches(events: np.ndarray) -> np.ndarray:
    e = np.asarray(events).reshape(-1)
    return e[e >= mt.NOTE_BASE] - mt.NOTE_BASE + mt.PITCH_LO


def _range(events: np.ndarray, bars: int) -> float:  # noqa: ARG001
    p = _pitches(events)
    return float(p.max() - p.min()) if len(p) else 0.0


def _height(events: np.ndarray, bars: int) -> float:  # noqa: ARG001
    p = _pitches(events)
    return float(p.mean()) if len(p) else 0.0


def _rests(events: np.ndarray, bars: int) -> float:  # noqa: ARG001
    e = np.asarray(events).reshape(-1)
    used = e[e != mt.PAD]
    return float((used == mt.REST).mean()) if len(used) else 0.0


def _leaps(events: np.ndarray, bars: int) -> float:  # noqa: ARG001
    p = _pitches(events)
    return float(np.abs(np.diff(p)).mean()) if len(p) > 1 else 0.0


ATTRIBUTES: dict[str, tuple[Callable[[np.ndarray, int], float], str]] = {
    "density": (_density, "note onsets per bar"),
    "range": (_range, "semitones from lowest to highest note"),
    "height": (_height, "mean MIDI pitch"),
    "rests": (_rests, "share of steps that are rests"),
    "leaps": (_leaps, "mean interval between successive notes, semitones"),
}
"""Attribute name -> (feature of a phrase's events (bars, SLOTS) and bar count, what it measures)."""


def attribute_values(name: str) -> Callable[[np.ndarray, int], float]:
    return ATTRIBUTES[name][0]


def parse_attribute(text: str) -> tuple[str, float]:
    """'density=+1' -> ('density', 1.0); ControlError naming the problem otherwise."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or name not in ATTRIBUTES:
        raise ControlError(
            "attribute", f"expected NAME=AMOUNT with NAME one of {', '.join(ATTRIBUTES)}, got {text!r}"
        )
    try:
        amount = float(value)
    except ValueError:
        raise ControlError("attribute", f"{text!r}: amount {value!r} is not a number") from None
    if not -4.0 <= amount <= 4.0:
        raise ControlError("attribute", f"{text!r}: amount must be between -4 and +4")
    return name, amount


# ----- the model ---------------------------------------------------------------------------------
@dataclass
class LoadedVAE:
    net: _vae.PhraseVAE
    path: Path
    attributes: dict[str, FloatArray] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def phrase_bars(self) -> list[int]:
        return list(self.net.config.phrase_bars)


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> LoadedVAE:  # noqa: ARG001 (mtime: cache key)

    net, ckpt = load_checkpoint(path, "vae")
    if not isinstance(net, _vae.PhraseVAE):
        raise ModelError(f"{path}: not a phrase VAE checkpoint")
    attrs = {k: np.asarray(v, dtype=np.float64) for k, v in ckpt.get("attributes", {}).items()}
    info = {k: ckpt.get(k) for k in ("epoch", "step", "best_val", "data")}
    return LoadedVAE(net, Path(path), attrs, info)


def load_vae(path: str | Path | None = None) -> LoadedVAE:
    """The phrase VAE (the shipped one when ``path`` is None)."""
    file = Path(path) if path is not None else VAE_CHECKPOINT
    if not file.is_file():
        hint = " (train one with `tunesmith train vae`)" if path is None else ""
        raise ModelError(f"{file}: VAE checkpoint not found{hint}")
    return _load(str(file.resolve()), file.stat().st_mtime)


# ----- phrases in and out ------------------------------------------------------------------------
@dataclass
class Phrase:
    """A phrase as the model reads it: events and chord classes (bars, SLOTS), key-normalised."""

    events: npt.NDArray[np.int64]
    chords: npt.NDArray[np.int64]
    meter: str
    key: Key

    @property
    def bars(self) -> int:
        return len(self.events)


def _key_of(notes: Sequence[Note], key: Key | str | None) -> Key:
    if isinstance(key, Key):
        return key
    if isinstance(key, str):
        return Key.parse(key)

    return detect_key(list(notes))


def make_phrase(
    notes: Sequence[Note],
    bars: int,
    meter: str = "4/4",
    *,
    key: Key | str | None = None,
    chords: Sequence[ChordSymbol] = (),
    model: LoadedVAE | None = None,
) -> Phrase:
    """The phrase of ``notes`` over ``bars`` bars (notes past the last bar are dropped)."""
    meter = ct.check_meter(meter)
    if model is not None and bars not in model.phrase_bars:
        known = ", ".join(str(b) for b in model.phrase_bars)
        raise ControlError("bars", f"the VAE handles phrases of {known} bars, not {bars}")
    if not any(n.start < bars * ct.STEPS_PER_BAR[meter] * ct.STEP_TICKS for n in notes):
        raise ControlError("melody", "the phrase has no notes to encode")
    k = _key_of(notes, key)
    events, chord_ids = notes_to_slots(
        list(notes), list(chords), k.tonic, "minor" if k.is_minor else "major", meter, bars
    )
    return Phrase(events, chord_ids, meter, k)


def phrase_notes(phrase: Phrase, velocity: int = mt.DEFAULT_VELOCITY) -> list[Note]:
    return mt.decode_events(
        from_slots(phrase.events, phrase.meter), mt.key_shift(phrase.key.tonic), 0, velocity
    )


def _tensors(phrase: Phrase, max_bars: int) -> dict[str, torch.Tensor]:
    item = _vae.phrase_item(phrase.events, phrase.chords, phrase.meter, max_bars)
    return {k: torch.from_numpy(np.asarray(v))[None] for k, v in item.items()}


@torch.no_grad()
def encode(phrase: Phrase, model: LoadedVAE | None = None) -> FloatArray:
    """The posterior mean (z_dim,) of a phrase."""
    vae = model or load_vae()
    t = _tensors(phrase, vae.net.config.max_bars)
    mu, _ = vae.net.encode(t["targets"], t["chords"], t["bars"])
    return mu[0].double().numpy()


@torch.no_grad()
def decode(
    latents: FloatArray,
    like: Phrase,
    model: LoadedVAE | None = None,
    *,
    mask: npt.NDArray[np.float32] | None = None,
    forced: npt.NDArray[np.int64] | None = None,
) -> list[Phrase]:
    """Greedy decodings of latents (n, z_dim) with ``like``'s chords, meter, length and key;
    ``mask`` and ``forced`` constrain the events (see PhraseVAE.decode)."""
    vae = model or load_vae()
    z = torch.as_tensor(np.atleast_2d(latents), dtype=torch.float32)
    n = z.shape[0]
    chords = torch.from_numpy(like.chords)[None].expand(n, -1, -1)
    meter = torch.full((n,), ct.METERS.index(like.meter), dtype=torch.long)
    events = vae.net.decode(z, chords, meter, like.bars, mask=mask, forced=forced).numpy()
    return [Phrase(e, like.chords, like.meter, like.key) for e in events]


# ----- constraints that keep a variation close: key, rhythm, anchor bars -------------------------
RHYTHM_KEPT_BELOW = 0.5
"""Below this amount a variation keeps the phrase's rhythm (onsets, holds, rests): only pitches move."""
CANDIDATES = 8
"""Latents decoded per wanted variation; the one whose share of changed notes is nearest the amount
is kept (so 0.3 changes about 30% of the free notes)."""


def _note_pitches(key: Key) -> npt.NDArray[np.int64]:
    """Absolute MIDI pitch of every event id of ``key``'s normalised phrases (-1 for non-notes)."""
    out = np.full(mt.N_EVENTS, -1, dtype=np.int64)
    out[mt.NOTE_BASE :] = np.arange(mt.N_EVENTS - mt.NOTE_BASE) + mt.PITCH_LO - mt.key_shift(key.tonic)
    return out


def _allowed_events(phrase: Phrase) -> npt.NDArray[np.bool_]:
    """Note events in the key's scale (the raised 7th too in minor) or of a pitch class the phrase
    itself uses (its own chromatic notes), and every non-note event."""
    pitches = _note_pitches(phrase.key)
    pcs = set(phrase.key.scale_pcs())
    if phrase.key.is_minor:
        pcs.add((phrase.key.tonic + 11) % 12)
    used = phrase.events[phrase.events >= mt.NOTE_BASE]
    pcs |= {int(p) % 12 for p in pitches[used]}
    return np.array([p < 0 or p % 12 in pcs for p in pitches])


def phrase_mask(phrase: Phrase, keep_rhythm: bool) -> npt.NDArray[np.float32]:
    """(1, bars, SLOTS, vocab) logit mask: notes stay in the key (see :func:`_allowed_events`); with
    ``keep_rhythm`` every slot keeps its kind (a note where the phrase has an onset, a hold where
    it holds, a rest where it rests)."""
    allowed = _allowed_events(phrase)
    base = np.where(allowed, 0.0, -np.inf).astype(np.float32)
    mask = np.broadcast_to(base, (1, phrase.bars, SLOTS, mt.N_EVENTS)).copy()
    if keep_rhythm:
        ev = phrase.events
        onset = ev >= mt.NOTE_BASE
        mask[0, onset, : mt.NOTE_BASE] = -np.inf
        for kind in (mt.HOLD, mt.REST):
            where = ev == kind
            mask[0, where] = -np.inf
            mask[0, where, kind] = 0.0
    return mask


def anchor_events(phrase: Phrase, bars: Sequence[int]) -> npt.NDArray[np.int64]:
    """(1, bars, SLOTS) forced events: the phrase's own in the ``bars`` listed, -1 elsewhere."""
    forced = np.full((1, *phrase.events.shape), -1, dtype=np.int64)
    for b in bars:
        if 0 <= b < phrase.bars:
            forced[0, b] = phrase.events[b]
    return forced


def _heard_key(notes: Sequence[Note]) -> tuple[int, bool] | None:
    """(tonic, minor) that key detection hears in ``notes``; None for no notes."""
    if not notes:
        return None

    key = detect_key(list(notes))
    return key.tonic, key.is_minor


def notes_kept(original: npt.NDArray[np.int64], varied: npt.NDArray[np.int64]) -> float:
    """Share of the original's note onsets (slot and pitch) that the variation still has."""
    onsets = original >= mt.NOTE_BASE
    if not onsets.any():
        return 1.0
    return float((varied[onsets] == original[onsets]).mean())


def event_distance(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> float:
    """Share of used slots (not PAD) whose event differs (note, hold or rest, pitch included)."""
    keep = (a != mt.PAD) | (b != mt.PAD)
    return float((a[keep] != b[keep]).mean()) if keep.any() else 0.0


def _attribute_offset(vae: LoadedVAE, attributes: dict[str, float] | None) -> FloatArray:
    offset = np.zeros(vae.net.config.z_dim)
    for name, amount in (attributes or {}).items():
        if name not in vae.attributes:
            have = ", ".join(vae.attributes) or "none"
            raise ControlError("attribute", f"the VAE has no {name!r} attribute vector (it has: {have})")
        offset += amount * vae.attributes[name]
    return offset


def variations(  # noqa: PLR0917 (the composer calls it positionally)
    notes: Sequence[Note],
    bars: int,
    meter: str = "4/4",
    amount: float = 0.3,
    n: int = 4,
    seed: int = 0,
    *,
    key: Key | str | None = None,
    chords: Sequence[ChordSymbol] = (),
    attributes: dict[str, float] | None = None,
    model: LoadedVAE | None = None,
    anchors: Sequence[int] = (0,),
) -> list[list[Note]]:
    """``n`` variations of a phrase: decodings of its posterior mean moved by ``attributes`` and by
    Gaussian noise of standard deviation ``amount``. With amount 0 and no attributes every
    variation is the phrase itself (on the sixteenth grid).

    What keeps a variation close: its notes stay in the key (and the phrase's own chromatic
    notes); the bars in ``anchors`` (default: the first, the opening motif) are kept note for note;
    below :data:`RHYTHM_KEPT_BELOW` the rhythm is kept and only pitches move; and below 1 each
    variation is the one of :data:`CANDIDATES` decodings whose share of changed notes is nearest
    ``amount`` (so 0.3 changes about 30% of the notes outside the anchors), different from the
    phrase and from the variations before it, and heard in the phrase's key, where one is."""
    vae = model or load_vae()
    if not 0.0 <= amount <= 4.0:
        raise ControlError("amount", f"must be between 0 and 4, got {amount}")
    if not 1 <= n <= 256:
        raise ControlError("n", f"must be between 1 and 256, got {n}")
    phrase = make_phrase(notes, bars, meter, key=key, chords=chords, model=vae)
    if amount == 0 and not attributes:
        return [phrase_notes(phrase) for _ in range(n)]
    mu = encode(phrase, vae) + _attribute_offset(vae, attributes)
    k = CANDIDATES if amount < 1.0 else 1
    noise = np.random.default_rng(seed).standard_normal((n * k, len(mu)))
    decoded = decode(
        mu[None] + amount * noise, phrase, vae,
        mask=phrase_mask(phrase, keep_rhythm=amount < RHYTHM_KEPT_BELOW),
        forced=anchor_events(phrase, anchors),
    )  # fmt: skip
    free = np.ones(phrase.events.shape, dtype=bool)
    free[[b for b in anchors if 0 <= b < phrase.bars]] = False
    loose = np.where(free, phrase.events, mt.PAD)
    home = _heard_key(phrase_notes(phrase))
    chosen: list[Phrase] = []
    for i in range(n):
        seen = [phrase.events, *(c.events for c in chosen)]
        costs = [
            (
                any(np.array_equal(p.events, e) for e in seen),
                k > 1 and _heard_key(phrase_notes(p)) != home,  # a close variation stays in its key
                abs(1.0 - notes_kept(loose, p.events) - amount),
            )
            for p in decoded[i * k : (i + 1) * k]
        ]
        chosen.append(decoded[i * k + min(range(len(costs)), key=costs.__getitem__)])
    return [phrase_notes(p) for p in chosen]


def vary_phrase(
    notes: Sequence[Note],
    bars: int,
    meter: str = "4/4",
    amount: float = 0.3,
    seed: int = 0,
    *,
    key: Key | str | None = None,
    chords: Sequence[ChordSymbol] = (),
    attributes: dict[str, float] | None = None,
    model: LoadedVAE | None = None,
    anchors: Sequence[int] = (0,),
) -> list[Note]:
    """One variation of a phrase (see :func:`variations`); the same seed gives the same notes."""
    return variations(
        notes, bars, meter, amount, 1, seed,
        key=key, chords=chords, attributes=attributes, model=model, anchors=anchors,
    )[0]  # fmt: skip


def slerp(a: FloatArray, b: FloatArray, t: float) -> FloatArray:
    """Spherical interpolation (linear when the vectors are nearly parallel)."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na < 1e-9 or nb < 1e-9:
        return (1 - t) * a + t * b
    omega = np.arccos(np.clip(np.dot(a / na, b / nb), -1.0, 1.0))
    if omega < 1e-4:
        return (1 - t) * a + t * b
    return np.asarray((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega))


def interpolate_phrases(
    a: Sequence[Note],
    b: Sequence[Note],
    bars: int,
    meter: str = "4/4",
    steps: int = 5,
    *,
    key: Key | str | None = None,
    key_b: Key | str | None = None,
    chords: Sequence[ChordSymbol] = (),
    model: LoadedVAE | None = None,
) -> list[list[Note]]:
    """``steps`` phrases morphing from ``a`` to ``b``, written in ``a``'s key (``key``; ``key_b`` is
    ``b``'s, each detected when not given) over ``chords``; the first and last steps are ``a`` and
    ``b`` themselves. See :func:`morph_events` for how the middle steps are chosen."""
    vae = model or load_vae()
    if not 2 <= steps <= 64:
        raise ControlError("steps", f"must be between 2 and 64, got {steps}")
    pa = make_phrase(a, bars, meter, key=_key_of(a, key), chords=chords, model=vae)
    pb = make_phrase(b, bars, meter, key=_key_of(b, key_b), chords=chords, model=vae)
    pb = Phrase(pb.events, pa.chords, pa.meter, pa.key)  # b's melody, normalised, in a's key
    return [phrase_notes(p) for p in morph_events(pa, pb, steps, vae)]


def morph_events(pa: Phrase, pb: Phrase, steps: int, vae: LoadedVAE) -> list[Phrase]:
    """The morph's phrases: for every middle step several decodings near slerp(z_a, z_b, t) (with
    a's rhythm, with b's, free, choosing each moment from a or b (:func:`blend_mask`), and nudged
    along the path), then the one path through them whose
    distance to ``pa`` rises and to ``pb`` falls at every step (strictly) and stays nearest the even
    spacing t * d(a, b). Bar-wise splices of a and b (a's first bars, b's last) join the candidates
    at a cost, so a strictly monotone path exists even when the decodings bunch up."""
    if steps == 2:
        return [pa, pb]
    za, zb = encode(pa, vae), encode(pb, vae)
    ts = np.linspace(0.0, 1.0, steps)[1:-1]
    jitter = (-0.08, -0.04, 0.0, 0.04, 0.08)
    latents = np.stack([slerp(za, zb, float(np.clip(t + d, 0.0, 1.0))) for t in ts for d in jitter])
    per_step = len(jitter)
    free = decode(latents, pa, vae, mask=phrase_mask(pa, keep_rhythm=False))
    like_a = decode(latents, pa, vae, mask=phrase_mask(pa, keep_rhythm=True))
    like_b = decode(latents, pb, vae, mask=phrase_mask(pb, keep_rhythm=True))
    blends = decode(latents, pa, vae, mask=blend_mask(pa, pb))
    total = event_distance(pa.events, pb.events)
    splices = [
        np.concatenate([pa.events[: pa.bars - j], pb.events[pa.bars - j :]]) for j in range(1, pa.bars)
    ]
    layers: list[list[tuple[npt.NDArray[np.int64], float]]] = []
    for i, t in enumerate(ts):
        rows = slice(i * per_step, (i + 1) * per_step)
        cands = [(p.events, 0.0) for group in (free, like_a, like_b, blends) for p in group[rows]]
        cands += [(e, 0.5) for e in splices]  # a splice is less musical than a decoding
        unique: dict[bytes, tuple[npt.NDArray[np.int64], float]] = {}
        for events, penalty in cands:
            unique.setdefault(events.tobytes(), (events, penalty))
        layer = []
        for events, penalty in unique.values():
            da, db = event_distance(pa.events, events), event_distance(pb.events, events)
            off = abs(da - t * total) + abs(db - (1 - t) * total)
            layer.append((events, off + penalty))
        layers.append(layer)
    chosen = _monotone_path(pa.events, pb.events, layers)
    return [pa, *(Phrase(e, pa.chords, pa.meter, pa.key) for e in chosen), pb]


def blend_mask(pa: Phrase, pb: Phrase) -> npt.NDArray[np.float32]:
    """(1, bars, SLOTS, vocab) mask that lets the decoder take, at every slot, a's event or b's:
    the latent decides which phrase each moment follows, so the blend moves from a to b as the
    latent does while every note stays one of theirs."""
    mask = np.full((1, pa.bars, SLOTS, mt.N_EVENTS), -np.inf, dtype=np.float32)
    bars, slots = np.indices(pa.events.shape)
    for events in (pa.events, pb.events):
        mask[0, bars, slots, events] = 0.0
    mask[..., mt.PAD] = -np.inf  # a slot beyond a short meter's bar is never decoded
    return mask


def _monotone_path(
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    layers: list[list[tuple[npt.NDArray[np.int64], float]]],
) -> list[npt.NDArray[np.int64]]:
    """One candidate per layer, distance to ``a`` strictly rising and to ``b`` strictly falling
    along a -> candidates -> b, of least total cost (dynamic programming); where no such path
    exists, the cheapest candidate of each layer."""
    dist = [[(event_distance(a, e), event_distance(b, e), c) for e, c in layer] for layer in layers]
    start = (0.0, event_distance(a, b))
    best: list[list[tuple[float, int]]] = []  # per layer, per candidate: (cost, previous index)
    for i, layer in enumerate(dist):
        row = []
        for da, db, c in layer:
            if i == 0:
                ok = da > start[0] and db < start[1]
                row.append((c if ok else np.inf, -1))
                continue
            options = [
                (best[i - 1][j][0] + c, j)
                for j, (pa_, pb_, _) in enumerate(dist[i - 1])
                if da > pa_ and db < pb_
            ]
            row.append(min(options, default=(np.inf, -1)))
        best.append(row)
    last = [
        (cost, j)
        for j, (cost, _) in enumerate(best[-1])
        if dist[-1][j][0] < event_distance(a, b) and dist[-1][j][1] > 0.0
    ]
    cost, j = min(last, default=(np.inf, -1))
    if not np.isfinite(cost):
        return [min(layer, key=lambda item: item[1])[0] for layer in layers]
    path = []
    for i in range(len(layers) - 1, -1, -1):
        path.append(layers[i][j][0])
        j = best[i][j][1]
    return path[::-1]


def vary_melody(
    notes: Sequence[Note],
    total_bars: int,
    meter: str = "4/4",
    amount: float = 0.3,
    seed: int = 0,
    *,
    phrase_bars: int = 4,
    key: Key | str | None = None,
    chords: Sequence[ChordSymbol] = (),
    attributes: dict[str, float] | None = None,
    model: LoadedVAE | None = None,
) -> list[Note]:
    """A variation of a whole melody (bar 0 at tick 0), phrase by phrase of ``phrase_bars`` bars
    (a shorter last phrase is padded with rest and cut back). Below an amount of 1 a variation
    heard in another key than the melody (key detection on the whole line) is made again with
    the next seeds, up to :data:`KEY_RETRIES` times."""
    vae = model or load_vae()
    meter = ct.check_meter(meter)
    k = _key_of(notes, key)
    home = _heard_key(notes)
    tries = KEY_RETRIES + 1 if amount < 1.0 else 1
    first_try: list[Note] = []
    for attempt in range(tries):
        out = _vary_once(notes, total_bars, meter, amount, seed + 7919 * attempt, phrase_bars, k,
                         chords, attributes, vae)  # fmt: skip
        if attempt == 0:
            first_try = out
        if _heard_key(out) == home:
            return out
    return first_try


KEY_RETRIES = 3


def _vary_once(  # noqa: PLR0917 (private: vary_melody's arguments in order)
    notes: Sequence[Note],
    total_bars: int,
    meter: str,
    amount: float,
    seed: int,
    phrase_bars: int,
    k: Key,
    chords: Sequence[ChordSymbol],
    attributes: dict[str, float] | None,
    vae: LoadedVAE,
) -> list[Note]:
    bar_ticks = ct.STEPS_PER_BAR[meter] * ct.STEP_TICKS
    span = phrase_bars * bar_ticks
    out: list[Note] = []
    sounding = [n for n in notes if n.start < total_bars * bar_ticks]
    last_bar = max(n.start for n in sounding) // bar_ticks if sounding else 0
    for i, first in enumerate(range(0, total_bars * bar_ticks, span)):
        inside = [
            Note(n.pitch, n.start - first, min(n.end, first + span) - n.start, n.velocity)
            for n in notes
            if first <= n.start < first + span
        ]
        if not inside:
            continue
        # Chords before the phrase move to its start (the last of them, by stable order, wins).
        local = [
            ChordSymbol(max(0, c.tick - first), c.figure)
            for c in sorted(chords, key=lambda c: c.tick)
            if c.tick < first + span
        ]
        # The opening motif (the melody's first bar) and the cadence (its last bar) stay.
        anchors = [0] if i == 0 else []
        if first <= last_bar * bar_ticks < first + span:
            anchors.append(last_bar - first // bar_ticks)
        varied = vary_phrase(
            inside,
            phrase_bars,
            meter,
            amount,
            seed + i,
            key=k,
            chords=local,
            attributes=attributes,
            model=vae,
            anchors=anchors,
        )
        end = total_bars * bar_ticks
        # Anchor bars come back exactly as written (the decoder sees them on the sixteenth grid).
        fixed = {first // bar_ticks + b for b in anchors}
        out.extend(
            Note(n.pitch, n.start + first, min(n.end + first, end) - n.start - first, n.velocity)
            for n in varied
            if n.start + first < end and (n.start + first) // bar_ticks not in fixed
        )
        out.extend(n for n in notes if n.start // bar_ticks in fixed and first <= n.start < first + span)
    return sorted(out, key=lambda n: (n.start, n.pitch))


# ----- the composer's entry points (tunesmith.compose.engines) ----------------------------------------
def available() -> bool:
    """Whether the shipped VAE checkpoint is installed."""
    return VAE_CHECKPOINT.is_file()


def vary_notes(
    notes: list[Note],
    *,
    key: Key | str,
    meter: str,
    amount: float = 0.15,
    seed: int = 0,
    chords: list[ChordSymbol] | None = None,
    phrase_bars: int = 4,
) -> list[Note]:
    """A variation of a melody passage at absolute ticks (bar lines at multiples of the bar length
    from tick 0), phrase by phrase of ``phrase_bars`` bars (or the longest trained phrase length
    below it) with the shipped VAE; ``chords`` at absolute ticks too."""
    if not notes:
        return []
    # A style's phrase length the model was not trained on (8 bars) is varied in its longest
    # trained phrases that fit (4 bars).
    lengths = load_vae().phrase_bars
    phrase_bars = max((b for b in lengths if b <= phrase_bars), default=min(lengths))
    bar = ct.STEPS_PER_BAR[ct.check_meter(meter)] * ct.STEP_TICKS
    origin = min(n.start for n in notes) // bar * bar
    local = [Note(n.pitch, n.start - origin, n.duration, n.velocity) for n in notes]
    bars = -(-max(n.end for n in local) // bar)
    local_chords = [
        ChordSymbol(c.tick - origin, c.figure) for c in chords or [] if c.tick - origin < bars * bar
    ]
    varied = vary_melody(
        local, bars, meter, amount, seed, phrase_bars=phrase_bars, key=key, chords=local_chords
    )
    return [Note(n.pitch, n.start + origin, n.duration, n.velocity) for n in varied]
