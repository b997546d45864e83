"""The composer's one adapter to the layers below it that it does not own: the models (RNN melody
and chords, VAE variation, GAN critic, chorale four-part search), voicing and the originality index.

Nothing here knows the composer's types (plan, harmony, melody): each adapter takes plain values and
answers None (or False) when a trained checkpoint is not installed, so the composer runs with
whatever exists. Model imports stay inside the functions: they pull torch (~1 s), which a rules-only
compose and the CLI's start-up never need.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import tunesmith
from tunesmith.evaluate.originality import corpus_index, longest_copied_run
from tunesmith.evaluate.similarity import corpus_melody_index, melody_from_notes, search
from tunesmith.models import chorale
from tunesmith.score import Note, Score, TimeSignature
from tunesmith.theory.voicing import voice_chord

if TYPE_CHECKING:
    from tunesmith.models.chorale import ChoraleSetting
    from tunesmith.score import ChordSymbol
    from tunesmith.theory.chord import Chord
    from tunesmith.theory.key import Key
    from tunesmith.theory.meter import Meter


# ----- availability ----------------------------------------------------------------------------------


def rnn_available() -> bool:
    """Whether the RNN melody model's checkpoint is installed."""
    from tunesmith.models.rnn import api

    return Path(api.MELODY_CHECKPOINT).is_file()


def chords_available() -> bool:
    """Whether the chord-progression model's checkpoint is installed."""
    from tunesmith.models.rnn import api

    return Path(api.CHORD_CHECKPOINT).is_file()


def family_available(name: str) -> bool:
    """Whether the VAE or GAN model's checkpoint is installed."""
    if name == "vae":
        from tunesmith.models.vae import api as vae_api

        return vae_api.available()
    if name == "gan":
        from tunesmith.models.gan import api as gan_api

        return gan_api.available()
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


def model_versions(model: str, *, learned_chords: bool) -> dict[str, str]:
    """Versions of everything that made a piece: tunesmith, and each checkpoint it used (``model``
    the melody generator; ``learned_chords`` whether the chords came from the chord model)."""
    out = {"tunesmith": tunesmith.__version__, "generator": model}
    if model != "rules":
        from tunesmith.models.rnn import api

        if model == "rnn" and rnn_available():
            out["melody"] = checkpoint_version(api.current_melody_checkpoint())
        if learned_chords and chords_available():
            out["chords"] = checkpoint_version(api.CHORD_CHECKPOINT)
    return out


# ----- chords and melody -------------------------------------------------------------------------------


def generate_chords(
    *,
    style: str,
    key: Key,
    meter: str,
    bars: int,
    seed: int,
    phrase_bars: int,
    final_cadence_only: bool,
    vocabulary: tuple[str, ...] | list[str] | None,
) -> list[tuple[str, int]] | None:
    """[(chord figure, ticks)] for ``bars`` bars from the chord model, or None when unavailable."""
    if not chords_available():
        return None
    from tunesmith.models.rnn import api

    events = api.generate_chords(
        style=style,
        mode="minor" if key.is_minor else "major",
        meter=meter,
        bars=bars,
        seed=seed,
        # The model's whole distribution (inside the style's vocabulary): a nucleus cut drops the
        # rarer chords (ii, vi, secondary dominants), and the corpus uses them.
        top_p=1.0,
        key=key,
        phrase_bars=phrase_bars,
        cadences="none" if final_cadence_only else "alternate",
        vocabulary=vocabulary or None,
    )
    return [(str(f), int(t)) for f, t in events]


def generate_melody(
    chords: list[tuple[str, int]],
    key: Key,
    meter: str,
    bars: int,
    style: str,
    *,
    temperature: float,
    seed: int,
    primer: list[Note] | None,
    pitch_range: tuple[int, int],
    in_scale: bool,
    density: float | None,
    top_p: float = 0.92,
    onset_bias: float = 0.0,
    repeat_penalty: float = 0.0,
    forbidden_leaps: tuple[int, ...] = (),
) -> tuple[list[Note], float | None] | None:
    """(notes from tick 0, mean log-likelihood) of ``bars`` bars from the RNN over ``chords``
    [(figure, ticks)], or None when the model is not installed."""
    if not rnn_available():
        return None
    from tunesmith.models.rnn import api

    result = api.generate_melody(
        chords, key, meter, bars, style, temperature=temperature, top_p=top_p, seed=seed, primer=primer,
        pitch_range=pitch_range, in_scale=in_scale, density=density, onset_bias=onset_bias,
        repeat_penalty=repeat_penalty, forbidden_leaps=forbidden_leaps,
    )  # fmt: skip
    return result.notes, None if result.log_likelihood is None else float(result.log_likelihood)


def vary_notes(
    notes: list[Note], *, key: Key, meter: str, chords: list[ChordSymbol], seed: int, phrase_bars: int
) -> list[Note] | None:
    """A small VAE variation of a passage (absolute ticks), or None when the VAE is not installed
    or varied nothing."""
    if not family_available("vae"):
        return None
    from tunesmith.models.vae import api as vae_api

    varied = vae_api.vary_notes(notes, key=key, meter=meter, amount=0.1, seed=seed, chords=chords,
                            phrase_bars=phrase_bars)  # fmt: skip
    return varied or None


def critic_score(score: Score) -> float | None:
    """The GAN critic's judgement of a piece (higher = more like the corpus), None when absent."""
    if not family_available("gan"):
        return None
    from tunesmith.models.gan import api as gan_api

    return float(gan_api.score(score))


# ----- voicing and four-part setting ---------------------------------------------------------------


def voice(chord: Chord, previous: list[int] | None, low: int, high: int, n_voices: int) -> list[int]:
    """A voice-led voicing of ``chord`` (MIDI pitches, low to high) near ``previous``, from
    theory.voicing; the register is widened downwards to the octave it needs."""
    low = max(0, min(low, high - 12))
    if previous is not None and len(previous) != n_voices:
        previous = None
    return sorted(voice_chord(chord, previous, low, high, n_voices))


def set_melody(
    melody: Sequence[Note], tonic: int, minor: bool, beat_ticks: int, **options: Any
) -> ChoraleSetting:
    """Alto, tenor and bass under ``melody`` by the chorale four-part search
    (:func:`tunesmith.models.chorale.set_melody`, whose keyword options pass through)."""
    return chorale.set_melody(melody, tonic, minor, beat_ticks, **options)


# ----- originality -------------------------------------------------------------------------------------


@functools.cache
def _originality_index() -> Any | None:
    try:
        return corpus_index()  # every built collection: the models' training corpora among them
    except Exception:  # no corpus cache here: the check is reported as skipped (None), never faked
        return None


@functools.cache
def _melody_index() -> Any | None:
    try:
        return corpus_melody_index()
    except Exception:  # no corpus cache here: the near-copy check is reported as skipped (None)
        return None


def near_copy(melody: list[Note], meter: Meter) -> tuple[float, str] | None:
    """(similarity, title) of the corpus work the melody most resembles — the same search as
    ``tunesmith check``, tolerant of changed notes, ornaments and rhythm — or None when no index."""
    if _originality_index() is None:
        return None  # no corpus here (or the check is switched off): skipped, like copied_run
    index = _melody_index()
    if index is None or len(melody) < 8:
        return None
    ordered = sorted(melody, key=lambda n: n.start)
    query = melody_from_notes(
        np.array([n.start for n in ordered]),
        np.array([n.pitch for n in ordered]),
        [TimeSignature(0, meter.numerator, meter.denominator)],
    )
    hits = search(index, query, top=1, explain_top=0)
    return (hits[0].similarity, hits[0].title) if hits else (0.0, "")


def copied_run(melody: list[Note]) -> tuple[int, str | None] | None:
    """(longest run of notes copied from a training piece, that piece), or None when no index."""
    index = _originality_index()
    if index is None or len(index.text) == 0:
        return None  # no corpus built here: unchecked, never reported as original
    run = longest_copied_run(melody, index)
    return run.length, run.piece
