"""Adapters between the composer and the layers below it: the models (RNN melody and chords, VAE
variation, GAN critic), the chorale harmonizer, voicing, the originality index and the store.

Each adapter imports its layer inside the function and answers None (or False) when that layer or
its trained checkpoint is not installed, so the composer runs with whatever exists and uses the
models as soon as they land. Nothing here implements a model: it translates arguments and results.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.score import Note

if TYPE_CHECKING:
    from tunesmith.compose.harmony import Harmony
    from tunesmith.compose.melody import SectionMelody
    from tunesmith.compose.plan import Plan, SectionPlan
    from tunesmith.score import Score
    from tunesmith.theory.chord import Chord


# ----- availability ----------------------------------------------------------------------------------


def _api() -> Any | None:
    try:
        from tunesmith.models import api
    except ImportError:
        return None
    return api


def rnn_available() -> bool:
    """Whether the RNN melody model's checkpoint is installed."""
    api = _api()
    return api is not None and Path(api.MELODY_CHECKPOINT).is_file()


def chords_available() -> bool:
    """Whether the chord-progression model's checkpoint is installed."""
    api = _api()
    return api is not None and Path(api.CHORD_CHECKPOINT).is_file()


def family_available(name: str) -> bool:
    """Whether the VAE or GAN model is installed (module + checkpoint)."""
    try:
        module = importlib.import_module(f"tunesmith.models.{name}")
    except ImportError:
        return False
    check = getattr(module, "available", None)
    if check is None:
        return False
    try:
        return bool(check())
    except Exception:  # a broken checkpoint reads as "not available"
        return False


@functools.cache
def _file_version(path: str, mtime_ns: int) -> str:  # noqa: ARG001 (mtime: cache key)
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()[:16]


def checkpoint_version(path: str | Path) -> str:
    """A short content hash of a checkpoint file (which trained model made a piece)."""
    file = Path(path)
    return _file_version(str(file), file.stat().st_mtime_ns) if file.is_file() else "absent"


def model_versions(plan: Plan) -> dict[str, str]:
    """Versions of everything that made the piece: tunesmith, and each checkpoint it used."""
    import tunesmith

    out = {"tunesmith": tunesmith.__version__, "generator": plan.model}
    api = _api()
    if api is not None and plan.model != "rules":
        if rnn_available() and plan.model == "rnn":
            out["melody"] = checkpoint_version(api.current_melody_checkpoint())
        if chords_available() and plan.user_chords is None:
            out["chords"] = checkpoint_version(api.CHORD_CHECKPOINT)
    return out


# ----- chords and melody -------------------------------------------------------------------------------


def generate_chords(plan: Plan, bars: int, seed: int) -> list[tuple[str, int]] | None:
    """[(chord figure, ticks)] for ``bars`` bars from the chord model, or None when unavailable."""
    api = _api()
    if api is None or not chords_available():
        return None
    mode = "minor" if plan.key.is_minor else "major"
    events = api.generate_chords(
        style=plan.style.model_style,
        mode=mode,
        meter=str(plan.meter),
        bars=bars,
        seed=seed,
        # The model's whole distribution (inside the style's vocabulary): a nucleus cut drops the
        # rarer chords (ii, vi, secondary dominants), and the corpus uses them.
        top_p=1.0,
        key=plan.key,
        phrase_bars=plan.style.phrase_bars,
        cadences="none" if plan.style.cadence_scope == "final" else "alternate",
        vocabulary=plan.style.vocabulary(plan.key.is_minor) or None,
    )
    return [(str(f), int(t)) for f, t in events]


def generate_section_melody(
    plan: Plan,
    harmony: Harmony,
    section: SectionPlan,
    seed: int,
    *,
    register_shift: int,
    primer: list[Note] | None,
) -> SectionMelody | None:
    """One section's melody from the RNN over its chords, or None when the model is unavailable."""
    from tunesmith.compose.melody import SectionMelody

    api = _api()
    if plan.model not in ("rnn", "vae", "gan") or api is None or not rnn_available():
        return None
    start = section.start_bar * plan.bar_ticks
    end = start + section.bars * plan.bar_ticks
    chords = [(s.figure, s.duration) for s in harmony.spans() if start <= s.start < end]
    low, high = plan.melody_range
    # No scale constraint and, at a neutral mood, no density constraint: the style-conditioned
    # model writes its corpus's rhythm and its chromatic neighbour and passing tones (the style's
    # density forced on it made 6/8 bars of 2 notes). A clearly calm or excited mood still sets
    # the onsets per beat; pentatonic styles keep to the key's scale.
    density = None
    if abs(plan.arousal) >= 0.3:
        per_bar = 1 + plan.melody_density * (plan.bar_ticks // 240 - 1)
        density = max(0.125, min(4.0, per_bar / plan.meter.beats))
    result = api.generate_melody(
        chords,
        plan.key,
        str(plan.meter),
        section.bars,
        plan.style.model_style,
        temperature=plan.request.temperature,
        top_p=0.92,
        seed=seed,
        primer=primer,
        pitch_range=(low + max(0, register_shift), high),
        in_scale=plan.style.scale == "pentatonic",
        density=density,
    )
    notes, ll = result.notes, result.log_likelihood
    if primer:
        notes = [*primer, *notes]
    placed = [
        Note(n.pitch, n.start + start, n.duration, n.velocity)
        for n in notes
        if n.start < section.bars * plan.bar_ticks
    ]
    return SectionMelody(placed, "rnn", None if ll is None else float(ll))


def vary_section(plan: Plan, harmony: Harmony, notes: list[Note], seed: int) -> list[Note] | None:
    """A returning section varied by the VAE (small amount) when the request chose model="vae"
    and the VAE is installed, else None (the rule-based light variation is used: it is ~100x
    cheaper, which keeps the default compose under a second)."""
    if plan.model != "vae" or not family_available("vae"):
        return None
    vae = importlib.import_module("tunesmith.models.vae")

    fn = getattr(vae, "vary_notes", None)
    if fn is None:
        return None
    from tunesmith.compose.arrange import fold_into
    from tunesmith.compose.melody import shape_section

    bar = plan.bar_ticks
    section = next(
        s for s in plan.sections if s.start_bar * bar <= notes[0].start < (s.start_bar + s.bars) * bar
    )
    chords = [
        c
        for c in harmony.symbols()
        if section.start_bar * bar <= c.tick < (section.start_bar + section.bars) * bar
    ]
    varied = fn(notes, key=plan.key, meter=str(plan.meter), amount=0.1, seed=seed, chords=chords,
                phrase_bars=plan.style.phrase_bars)  # fmt: skip
    if not varied:
        return None
    # The variation is for the second half of each phrase: every phrase opens as it did and the
    # cadence stays, so the return is recognisable; varied notes stay in the melody's range.
    fixed: set[int] = {section.start_bar + section.bars - 1}
    start = section.start_bar
    for length in section.phrases:
        fixed |= set(range(start, start + max(1, length // 2)))
        start += length
    low, high = plan.melody_range
    middle = [
        Note(fold_into(n.pitch, low, high), n.start, n.duration, n.velocity)
        for n in varied
        if n.start // bar not in fixed
    ]
    kept = [Note(n.pitch, n.start, n.duration, n.velocity) for n in notes if n.start // bar in fixed]
    return shape_section(kept + middle, plan, harmony, section)


def critic_score(score: Score) -> float | None:
    """The GAN critic's judgement of a piece (higher = more like the corpus), None when absent."""
    if not family_available("gan"):
        return None
    gan = importlib.import_module("tunesmith.models.gan")

    fn = getattr(gan, "score", None)
    return None if fn is None else float(fn(score))


# ----- voicing and harmonisation ----------------------------------------------------------------------


def voice(chord: Chord, previous: list[int] | None, low: int, high: int, n_voices: int) -> list[int]:
    """A voice-led voicing of ``chord`` (MIDI pitches, low to high) near ``previous``, from
    theory.voicing; the register is widened downwards to the octave it needs."""
    from tunesmith.theory.voicing import voice_chord

    low = max(0, min(low, high - 12))
    if previous is not None and len(previous) != n_voices:
        previous = None
    return sorted(voice_chord(chord, previous, low, high, n_voices))


def harmonizer_available() -> bool:
    """Whether the chorale harmonizer and its checkpoint are installed."""
    try:
        harm = importlib.import_module("tunesmith.models.harmonize")
    except ImportError:
        return False
    return Path(harm.DEFAULT_CHECKPOINT).is_file()


def harmonize(melody: list[Note], plan: Plan, seed: int) -> list[list[Note]] | None:
    """Alto, tenor and bass under a soprano from the chorale harmonizer (tunesmith.models.harmonize),
    or None when it or its checkpoint is not installed."""
    try:
        harm = importlib.import_module("tunesmith.models.harmonize")
    except ImportError:
        return None
    if not Path(harm.DEFAULT_CHECKPOINT).is_file():
        return None
    from tunesmith.score import Score, TempoChange, TimeSignature, Track

    source = Score(
        tracks=[Track("melody", plan.parts["melody"].program, False, list(melody))],
        tempos=[TempoChange(0, plan.tempo)],
        time_signatures=[TimeSignature(0, plan.meter.numerator, plan.meter.denominator)],
        key_signatures=[plan.key.to_signature(0)],
    )
    result = harm.harmonize(source, seed=seed)
    voices = [list(t.notes) for t in result.tracks[1:4]]
    return voices if len(voices) == 3 and all(voices) else None


# ----- originality -------------------------------------------------------------------------------------


@functools.cache
def _originality_index() -> Any | None:
    try:
        from tunesmith.evaluate.originality import corpus_index
    except ImportError:
        return None
    try:
        return corpus_index()  # every built collection: the models' training corpora among them
    except Exception:  # no corpus cache here: the check is reported as skipped (None), never faked
        return None


@functools.cache
def _melody_index() -> Any | None:
    try:
        from tunesmith.evaluate.similarity import corpus_melody_index

        return corpus_melody_index()
    except Exception:  # no corpus cache here: the near-copy check is reported as skipped (None)
        return None


def near_copy(melody: list[Note], meter: Any) -> tuple[float, str] | None:
    """(similarity, title) of the corpus work the melody most resembles — the same search as
    ``tunesmith check``, tolerant of changed notes, ornaments and rhythm — or None when no index."""
    if _originality_index() is None:
        return None  # no corpus here (or the check is switched off): skipped, like copied_run
    index = _melody_index()
    if index is None or len(melody) < 8:
        return None
    import numpy as np

    from tunesmith.evaluate.similarity import melody_from_notes, search
    from tunesmith.score import TimeSignature

    ordered = sorted(melody, key=lambda n: n.start)
    query = melody_from_notes(np.array([n.start for n in ordered]), np.array([n.pitch for n in ordered]),
                              [TimeSignature(0, meter.numerator, meter.denominator)])
    hits = search(index, query, top=1, explain_top=0)
    return (hits[0].similarity, hits[0].title) if hits else (0.0, "")


def copied_run(melody: list[Note]) -> tuple[int, str | None] | None:
    """(longest run of notes copied from a training piece, that piece), or None when no index."""
    index = _originality_index()
    if index is None or len(index.text) == 0:
        return None  # no corpus built here: unchecked, never reported as original
    from tunesmith.evaluate.originality import longest_copied_run

    run = longest_copied_run(melody, index)
    return run.length, run.piece
