"""Adapters between the composer and the layers below it: the models (RNN melody and chords, VAE
variation, GAN critic), the chorale harmonizer, voicing, the originality index and the store.

Each adapter imports its layer inside the function and answers None (or False) when that layer or
its trained checkpoint is not installed, so the composer runs with whatever exists and uses the
models as soon as they land. Nothing here implements a model: it translates arguments and results.
"""

from __future__ import annotations

import functools
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
    """Whether the RNN melody model and its checkpoint are installed."""
    api = _api()
    if api is None or not hasattr(api, "generate_melody"):
        return False
    check = getattr(api, "melody_available", None) or getattr(api, "available", None)
    if check is None:
        return True
    try:
        return bool(check("melody")) if check.__name__ == "available" else bool(check())
    except Exception:  # a broken checkpoint reads as "not available"; generation reports the detail
        return False


def family_available(name: str) -> bool:
    """Whether the VAE or GAN model is installed (module + checkpoint)."""
    try:
        module = __import__(f"tunesmith.models.{name}", fromlist=["_"])
    except ImportError:
        return False
    check = getattr(module, "available", None)
    if check is None:
        return False
    try:
        return bool(check())
    except Exception:  # a broken checkpoint reads as "not available"
        return False


def model_versions(plan: Plan) -> dict[str, str]:
    """Version strings of every model the plan uses (checkpoint hashes where the models say)."""
    import tunesmith

    out = {"tunesmith": tunesmith.__version__, "generator": plan.model}
    api = _api()
    versions = getattr(api, "model_versions", None) if api is not None else None
    if versions is not None:
        try:
            out.update({str(k): str(v) for k, v in versions().items()})
        except Exception as err:  # recorded, not fatal: the piece is still made
            out["models"] = f"unknown ({err})"
    return out


# ----- chords and melody -------------------------------------------------------------------------------


def generate_chords(plan: Plan, bars: int, seed: int) -> list[tuple[str, int]] | None:
    """[(chord figure, ticks)] for ``bars`` bars from the chord model, or None when unavailable."""
    api = _api()
    if api is None or not hasattr(api, "generate_chords") or not rnn_available():
        return None
    mode = "minor" if plan.key.is_minor else "major"
    events = api.generate_chords(style=plan.style.model_style, mode=mode, meter=str(plan.meter), bars=bars,
                                 seed=seed, key=plan.key)  # fmt: skip
    return [(str(f), int(t)) for f, t in events]


def generate_section_melody(plan: Plan, harmony: Harmony, section: SectionPlan, seed: int,
                            register_shift: int, primer: list[Note] | None) -> SectionMelody | None:  # fmt: skip
    """One section's melody from the RNN over its chords, or None when the model is unavailable."""
    from tunesmith.compose.melody import SectionMelody

    api = _api()
    if plan.model != "rnn" or api is None or not rnn_available():
        return None
    start = section.start_bar * plan.bar_ticks
    end = start + section.bars * plan.bar_ticks
    chords = [(s.figure, s.duration) for s in harmony.spans() if start <= s.start < end]
    low, high = plan.melody_range
    result = api.generate_melody(
        chords=chords, key=plan.key, meter=str(plan.meter), bars=section.bars, style=plan.style.model_style,
        temperature=plan.request.temperature, top_p=0.92, seed=seed, primer=primer,
        pitch_range=(low + max(0, register_shift), high), in_scale=plan.style.scale == "pentatonic",
        density=plan.melody_density,
    )  # fmt: skip
    notes, ll = (
        result if isinstance(result, tuple) else (result.notes, getattr(result, "log_likelihood", None))
    )
    placed = [
        Note(n.pitch, n.start + start, n.duration, n.velocity)
        for n in notes
        if n.start < section.bars * plan.bar_ticks
    ]
    return SectionMelody(placed, "rnn", None if ll is None else float(ll))


def vary_section(plan: Plan, harmony: Harmony, notes: list[Note], seed: int) -> list[Note] | None:
    """A returning section varied by the VAE (small amount) when it is installed, else None."""
    if not family_available("vae"):
        return None
    from tunesmith.models import vae

    fn = getattr(vae, "vary_notes", None)
    if fn is None:
        return None
    varied = fn(notes, key=plan.key, meter=str(plan.meter), amount=0.15, seed=seed)
    if not varied:
        return None
    # Keep bar 1 and the cadence: the variation is for the middle, the return must be recognisable.
    from tunesmith.compose.melody import shape_section

    section = next(
        s
        for s in plan.sections
        if s.start_bar * plan.bar_ticks <= notes[0].start < (s.start_bar + s.bars) * plan.bar_ticks
    )
    return shape_section(list(varied), plan, harmony, section)


def critic_score(score: Score) -> float | None:
    """The GAN critic's judgement of a piece (higher = more like the corpus), None when absent."""
    if not family_available("gan"):
        return None
    from tunesmith.models import gan

    fn = getattr(gan, "score", None)
    return None if fn is None else float(fn(score))


# ----- voicing and harmonisation ----------------------------------------------------------------------


def voice(chord: Chord, previous: list[int] | None, low: int, high: int, n_voices: int) -> list[int]:
    """A voice-led voicing of ``chord`` (MIDI pitches, low to high) near ``previous``."""
    try:
        from tunesmith.theory.voicing import voice_chord
    except ImportError:
        return _close_voicing(chord, previous, low, high, n_voices)
    return sorted(voice_chord(chord, previous, low, high, n_voices))


def _close_voicing(chord: Chord, previous: list[int] | None, low: int, high: int, n: int) -> list[int]:
    # Stop-gap until theory.voicing lands: close position, inversion nearest the previous voicing.
    pcs = list(chord.pitch_classes())
    centre = sum(previous) / len(previous) if previous else (low + high) / 2
    best: list[int] = []
    for base in range(low, high - 5):
        if base % 12 not in pcs:
            continue
        notes = [base]
        i = pcs.index(base % 12)
        while len(notes) < n:
            i += 1
            pc = pcs[i % len(pcs)]
            p = notes[-1] + 1
            while p % 12 != pc:
                p += 1
            notes.append(p)
        if notes[-1] <= high and (not best or abs(sum(notes) / n - centre) < abs(sum(best) / n - centre)):
            best = notes
    return best or [low + (pcs[0] - low) % 12]


def harmonize(melody: list[Note], plan: Plan) -> list[list[Note]] | None:
    """Alto, tenor and bass under a soprano from the chorale harmonizer, or None when absent."""
    try:
        from tunesmith.models import harmonize as harm
    except ImportError:
        return None
    fn = getattr(harm, "harmonize_notes", None)
    if fn is None or not getattr(harm, "available", lambda: False)():
        return None
    voices = fn(melody, key=plan.key, meter=str(plan.meter))
    return [list(v) for v in voices] if voices else None


# ----- originality -------------------------------------------------------------------------------------


@functools.cache
def _originality_index() -> Any | None:
    try:
        from tunesmith.evaluate.originality import corpus_index
    except ImportError:
        return None
    try:
        return corpus_index(["nottingham"])
    except Exception:  # no corpus cache here: the check is reported as skipped, never faked
        return None


def copied_run(melody: list[Note]) -> tuple[int, str | None] | None:
    """(longest run of notes copied from a training piece, that piece), or None when no index."""
    index = _originality_index()
    if index is None:
        return None
    from tunesmith.evaluate.originality import longest_copied_run

    run = longest_copied_run(melody, index)
    return run.length, run.piece
