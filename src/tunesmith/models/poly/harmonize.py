"""Four-part chorale harmonisation of a melody with the polyphonic model (LSTM over frames + MADE).

The model is trained on the Bach chorales of music21's corpus as piano rolls on an eighth-note grid
(never on the polyphonic benchmark's test split). Its autoregressive order runs from the highest key
down, so fixing the soprano note and every key above it (off) is exact conditioning; the keys below are
then sampled one by one from the model's conditionals, masked so that exactly three notes appear, one
in each of the alto, tenor and bass ranges, in that order downwards.
"""

from __future__ import annotations

import copy
import functools
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tunesmith.errors import ControlError, InputFileError, ModelError
from tunesmith.fileutil import atomic_path
from tunesmith.models.checkpoint import load_poly
from tunesmith.models.chorale import set_melody
from tunesmith.models.poly.data import Roll, load_mat
from tunesmith.models.poly.poly import PolyConfig, PolyModel
from tunesmith.paths import PACKAGE_DATA, data_dir
from tunesmith.score import TICKS_PER_QUARTER, ChordSymbol, Note, Score, Track
from tunesmith.theory.key import key_from_signature
from tunesmith.theory.keydetect import detect_key
from tunesmith.theory.melodyline import melody_track, top_line
from tunesmith.theory.meter import Meter

FRAME_TICKS = TICKS_PER_QUARTER // 2  # eighth-note frames
FRAME_QL = 0.5
N_KEYS = 88
LOWEST = 21

HARMONIZER_CONFIG = PolyConfig(n_keys=N_KEYS, lowest_pitch=LOWEST, lstm_size=192, lstm_layers=2,
                               made_size=384, made_layers=2, dropout=0.3)
HARMONIZER_TRAIN: dict[str, Any] = {"batch_size": 8, "lr": 2e-3, "weight_decay": 1e-4, "max_transpose": 5,
                                    "patience": 6}
DEFAULT_CHECKPOINT = PACKAGE_DATA / "checkpoints" / "harmonizer.pt"

# Voice ranges (MIDI, inclusive) and the widest gap allowed to the voice above.
VOICES = (("Alto", 53, 74, 12), ("Tenor", 46, 69, 12), ("Bass", 36, 62, 19))
CHOIR_PROGRAM = 52  # General MIDI "Choir Aahs"
CANDIDATES = 2  # frames sampled per step; the more likely under the model is kept
TEMPERATURE = 0.8  # < 1 sharpens each key's conditional a little: fewer stray notes


# ---- training data: the chorales as piano rolls ----------------------------------------------------

def chorale_rolls(cache: Path | None = None) -> list[tuple[str, Roll]]:
    """(name, roll) of every Bach chorale in music21's corpus, on the eighth-note grid; parsed once and
    cached in the user data dir (parsing takes about a minute)."""
    path = cache or data_dir() / "cache" / "bach-chorales-eighths.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            names = [str(n) for n in z["names"]]
            flat, lengths = z["frames"], z["lengths"]
        rolls = np.split(flat, np.cumsum(lengths)[:-1])
        return list(zip(names, rolls, strict=True))
    from music21 import corpus  # heavy (seconds): only when the chorales are parsed

    out: list[tuple[str, Roll]] = []
    for name in corpus.chorales.Iterator(returnType="filename"):
        roll = _stream_roll(corpus.parse(name))
        if roll is not None:
            out.append((str(name), roll))
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        np.savez_compressed(fh, names=np.array([n for n, _ in out]),
                            frames=np.concatenate([r for _, r in out]),
                            lengths=np.array([len(r) for _, r in out]))
    return out


def _stream_roll(stream: Any) -> Roll | None:
    """An eighth-note piano roll of a music21 score: a key is on in a frame when a note sounds at the
    frame's start."""
    end = float(stream.highestTime)
    n_frames = int(np.ceil(end / FRAME_QL - 1e-6))
    if n_frames < 4:
        return None
    roll = np.zeros((n_frames, N_KEYS), dtype=np.uint8)
    for part in stream.parts:
        for el in part.flatten().notes:
            start = float(el.offset)
            stop = start + float(el.quarterLength)
            first = int(np.ceil(start / FRAME_QL - 1e-6))
            last = int(np.ceil(stop / FRAME_QL - 1e-6))
            for p in el.pitches:
                k = int(p.midi) - LOWEST
                if 0 <= k < N_KEYS and last > first:
                    roll[first:last, k] = 1
    return roll


def training_rolls(corpus: Sequence[str]) -> tuple[list[Roll], list[Roll], list[str]]:
    """Train and validation rolls of the named corpora: 'bach' (music21's chorales; one in ten held out
    for validation, chosen by a hash of the name) or .mat files in the benchmark layout (their train and
    valid splits; the test split is never used for training)."""
    train: list[Roll] = []
    valid: list[Roll] = []
    sources: list[str] = []
    for item in corpus:
        if item == "bach":
            for name, roll in chorale_rolls():
                digest = int(hashlib.sha1(name.encode()).hexdigest(), 16)
                (valid if digest % 10 == 0 else train).append(roll)
            sources.append("music21 Bach chorales")
        elif item.endswith(".mat"):
            splits = load_mat(item)
            if splits["traindata"][0].shape[1] != N_KEYS:
                keys = splits["traindata"][0].shape[1]
                raise InputFileError(item, f"has {keys} keys; the harmonizer uses 88")
            train += splits["traindata"]
            valid += splits["validdata"]
            sources.append(Path(item).name)
        else:
            raise ControlError("corpus", f"unknown corpus {item!r}; use 'bach' or a .mat file")
    return train, valid, sources


# ---- harmonisation ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def _cached_model(path: str, _mtime: float) -> PolyModel:
    model, _ = load_poly(path)
    if model.config.n_keys != N_KEYS or model.config.lowest_pitch != LOWEST:
        raise ModelError(f"{path}: not an 88-key model, cannot harmonise")
    return model


def load_harmonizer(checkpoint: str | Path | None = None) -> PolyModel:
    path = Path(checkpoint) if checkpoint is not None else DEFAULT_CHECKPOINT
    if not path.is_file():
        raise ModelError(f"{path}: harmonizer checkpoint not found (train one with `tunesmith train poly`)")
    return _cached_model(str(path), path.stat().st_mtime)


def soprano_frames(melody: Sequence[Note]) -> tuple[np.ndarray, np.ndarray]:
    """Per eighth-note frame: the soprano pitch (-1 for rest) and whether a melody note starts there."""
    end = max(n.end for n in melody)
    n_frames = max(1, -(-end // FRAME_TICKS))
    pitch = np.full(n_frames, -1, dtype=np.int64)
    onset = np.zeros(n_frames, dtype=bool)
    for n in melody:  # notes sounding at a frame's start
        first = -(-n.start // FRAME_TICKS)
        last = -(-n.end // FRAME_TICKS)
        pitch[first:last] = n.pitch
        if first < n_frames and first < last:
            onset[first] = True
    for n in melody:  # short notes that start and end between two frame starts
        f = n.start // FRAME_TICKS
        if f < n_frames and pitch[f] < 0:
            pitch[f] = n.pitch
            onset[f] = True
    return pitch, onset


Ranges = tuple[tuple[int, int, int], ...]  # (low, high, max gap to the voice above) per lower voice


def _voice_ranges(soprano: int) -> Ranges:
    """The lower voices' ranges, moved down by octaves for a melody too low for them."""
    for shift in (0, 12, 24):
        ranges = tuple((lo - shift, hi - shift, gap) for _, lo, hi, gap in VOICES)
        if _can_place(ranges, 0, soprano, soprano - 1):
            return ranges
    raise ControlError("melody", f"cannot place three voices below the melody note {soprano}")


@functools.lru_cache(maxsize=65536)
def _can_place(ranges: Ranges, v: int, above: int, ceiling: int) -> bool:
    """Whether voices v.. can all be placed: voice v at or below ``ceiling``, within its range and its
    gap to ``above`` (the voice over it), each later voice strictly below the one before."""
    if v == len(ranges):
        return True
    lo, hi, gap = ranges[v]
    return any(_can_place(ranges, v + 1, q, q - 1)
               for q in range(min(hi, ceiling), max(lo, above - gap, LOWEST) - 1, -1))


def _sample_frame(
    model: PolyModel, ctx: torch.Tensor, soprano: int, gen: torch.Generator
) -> tuple[torch.Tensor, list[int]]:
    """Sample CANDIDATES frames below ``soprano`` under the voice constraints and keep the most likely.

    ctx: (H,) the model's conditioning for this frame. Returns the frame (K,) and its three lower
    pitches, alto first."""
    ranges = _voice_ranges(soprano)
    N = CANDIDATES
    x = torch.zeros(N, N_KEYS)
    top = soprano - LOWEST
    x[:, top] = 1.0
    c = ctx.expand(N, -1)
    placed = [[soprano] for _ in range(N)]
    logp = torch.zeros(N)
    for k in range(top - 1, -1, -1):
        pitch = k + LOWEST
        logits = model.made(x, c)[:, k]
        probs = torch.sigmoid(logits).tolist()
        sharp = torch.sigmoid(logits / TEMPERATURE).tolist()
        draws = torch.rand(N, generator=gen).tolist()
        for i in range(N):
            v = len(placed[i]) - 1  # index of the next voice to place
            if v >= len(ranges):
                on_ok, off_ok = False, True
            else:
                lo, hi, gap = ranges[v]
                above = placed[i][-1]
                on_ok = (lo <= pitch <= hi and above - pitch <= gap
                         and _can_place(ranges, v + 1, pitch, pitch - 1))
                off_ok = _can_place(ranges, v, above, pitch - 1)
            p_on = probs[i]
            on = draws[i] < sharp[i] if on_ok and off_ok else on_ok
            logp[i] += float(np.log(max(p_on if on else 1.0 - p_on, 1e-12)))
            if on:
                x[i, k] = 1.0
                placed[i].append(pitch)
        if all(len(p) > len(ranges) for p in placed):
            # Keys below are all off: add their probability so candidates compare on whole frames.
            rest = torch.sigmoid(model.made(x, c))[:, :k]
            logp += torch.log((1 - rest).clamp_min(1e-12)).sum(-1)
            break
    best = int(torch.argmax(logp))
    return x[best], placed[best][1:]


ENGINES = ("search", "model")


def harmonize(score: Score, seed: int = 0, checkpoint: str | Path | None = None,
              engine: str = "search") -> Score:
    """A four-part setting of the melody of ``score``, the melody's notes kept exactly as the soprano.

    engine "search" (default): one chord per beat by tunesmith.models.chorale's voice-leading search
    (rules for the part-writing, Bach's chord transitions as the prior; deterministic). engine
    "model": alto, tenor and bass sampled from the neural chorale model frame by frame (an eighth-note
    grid, reproducible for a given ``seed``; it knows no part-writing rules)."""
    if engine not in ENGINES:
        raise ControlError("engine", f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")
    melody = [copy.copy(n) for n in top_line(melody_track(score).notes)]
    if engine == "search":
        return _search(score, melody)
    return _harmonize_with_model(score, melody, seed, checkpoint)


def _search(score: Score, melody: list[Note]) -> Score:
    if score.key_signatures:
        key = key_from_signature(score.key_signatures[0])
    else:
        key = detect_key(Score(tracks=[Track("melody", 0, False, melody)]))
    ts = score.time_signatures[0] if score.time_signatures else None
    beat = TICKS_PER_QUARTER
    if ts is not None:
        beat = Meter.of(ts).beat_ticks
    for n in melody:
        if not 40 <= n.pitch <= 96:
            raise ControlError("melody", f"note {n.pitch} is outside a soprano's reach (40-96)")
    setting = set_melody(melody, key.tonic, key.is_minor, beat)
    tracks = [Track(name="Soprano", program=CHOIR_PROGRAM, notes=melody)]
    for name, line in zip(("Alto", "Tenor", "Bass"), setting.voices, strict=True):
        tracks.append(Track(name=name, program=CHOIR_PROGRAM, notes=line))
    meta = copy.deepcopy(score.metadata)
    meta.title = f"{meta.title} (harmonized)" if meta.title else "harmonized"
    meta.source = "tunesmith harmonize (four-part search)"
    return Score(tracks=tracks, tempos=list(score.tempos), time_signatures=list(score.time_signatures),
                 key_signatures=list(score.key_signatures) or [key.to_signature(0)],
                 chords=[ChordSymbol(start, chord.figure) for _, chord, start, _ in setting.chords],
                 sections=list(score.sections), metadata=meta)


@torch.no_grad()
def _harmonize_with_model(score: Score, melody: list[Note], seed: int,
                          checkpoint: str | Path | None) -> Score:
    model = load_harmonizer(checkpoint)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny per-key steps: extra threads only add synchronisation
    try:
        return _harmonize(model, score, melody, seed)
    finally:
        torch.set_num_threads(threads)


def _harmonize(model: PolyModel, score: Score, melody: list[Note], seed: int) -> Score:
    pitches, onsets = soprano_frames(melody)
    gen = torch.Generator().manual_seed(seed)
    voices = np.full((len(pitches), len(VOICES)), -1, dtype=np.int64)
    prev = torch.zeros(1, 1, N_KEYS)
    state: tuple[torch.Tensor, torch.Tensor] | None = None
    for t, s in enumerate(pitches):
        ctx, state = model.context_from_previous(prev, state)
        frame = torch.zeros(N_KEYS)
        if s >= 0:
            if not LOWEST <= s < LOWEST + N_KEYS:
                raise ControlError("melody", f"note {s} is outside the piano's 88 keys")
            frame, lower = _sample_frame(model, ctx[0, 0], int(s), gen)
            voices[t] = lower
        prev = frame.view(1, 1, N_KEYS)
    return _build_score(score, melody, voices, onsets)


def _build_score(source: Score, melody: list[Note], voices: np.ndarray, onsets: np.ndarray) -> Score:
    """Soprano = the melody's own notes; each lower voice's frames merged into notes, re-sounded where
    the melody starts a note (so the harmony moves with the melody's rhythm)."""
    tracks = [Track(name="Soprano", program=CHOIR_PROGRAM, notes=melody)]
    for v, (name, *_rest) in enumerate(VOICES):
        notes: list[Note] = []
        for t, p in enumerate(voices[:, v]):
            if p < 0:
                continue
            last = notes[-1] if notes else None
            if last is not None and last.pitch == p and last.end == t * FRAME_TICKS and not onsets[t]:
                last.duration += FRAME_TICKS
            else:
                notes.append(Note(int(p), t * FRAME_TICKS, FRAME_TICKS, 70))
        tracks.append(Track(name=name, program=CHOIR_PROGRAM, notes=notes))
    meta = copy.deepcopy(source.metadata)
    meta.title = f"{meta.title} (harmonized)" if meta.title else "harmonized"
    meta.source = "tunesmith harmonize"
    return Score(tracks=tracks, tempos=list(source.tempos), time_signatures=list(source.time_signatures),
                 key_signatures=list(source.key_signatures), sections=list(source.sections), metadata=meta)
