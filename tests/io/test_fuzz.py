"""Fuzz the readers with 10,000 mutated copies of the real fixtures (8,500 MIDI, 1,000 ABC,
500 MusicXML; seeded, so reproducible).

Each input is read under a 5-second alarm. A reader may accept the input (then the Score must
pass score.validate) or refuse it with a TunesmithError; any other exception, or a hang, fails.
"""

from __future__ import annotations

import random
import re
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tunesmith.errors import TunesmithError
from tunesmith.io import loads
from tunesmith.score import validate

DATA = Path(__file__).resolve().parent.parent / "data"
LIMIT_S = 5.0
ABC_ALPHABET = b"|:[]()\"'^_=/,<>-{}!+~.0123456789ABCDEFGabcdefgxzZKLMPQV: \n%\\&"


class HangError(Exception):
    pass


@contextmanager
def alarm(seconds: float) -> Iterator[None]:
    def fire(signum: int, frame: object) -> None:
        raise HangError(f"read took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _flip_bits(rng: random.Random, data: bytearray) -> None:
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)


def _truncate(rng: random.Random, data: bytearray) -> None:
    del data[rng.randrange(len(data)):]


def _insert(rng: random.Random, data: bytearray) -> None:
    i = rng.randrange(len(data) + 1)
    data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))


def _duplicate_chunk(rng: random.Random, data: bytearray) -> None:
    a = rng.randrange(len(data))
    b = min(len(data), a + rng.randint(1, 64))
    i = rng.randrange(len(data) + 1)
    data[i:i] = data[a:b] * rng.randint(1, 4)


def _delete_chunk(rng: random.Random, data: bytearray) -> None:
    a = rng.randrange(len(data))
    del data[a : a + rng.randint(1, 32)]


def _interesting_values(rng: random.Random, data: bytearray) -> None:
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.choice((0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE))


def _abc_symbols(rng: random.Random, data: bytearray) -> None:
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(data) + 1)
        data[i:i] = bytes([rng.choice(ABC_ALPHABET)])


def _seven_bit_values(rng: random.Random, data: bytearray) -> None:
    """MIDI data bytes are 0-127: changing them within that range gets past the parser's checks."""
    for _ in range(rng.randint(1, 6)):
        data[rng.randrange(len(data))] = rng.randrange(128)


_XML_LEAF = re.compile(rb"^[ \t]*<([\w-]+)[^>]*>[^<]*</\1>[ \t]*\n|^[ \t]*<[\w-]+[^>]*/>[ \t]*\n", re.M)
_XML_NUMBER = re.compile(rb">(-?\d+(?:\.\d+)?)<")


def _xml_numbers(rng: random.Random, data: bytearray) -> None:
    """Replace numbers between tags (durations, pitches, divisions...) keeping the XML well-formed."""
    spans = [m.span(1) for m in _XML_NUMBER.finditer(data)]
    for a, b in rng.sample(spans, min(len(spans), rng.randint(1, 4))) if spans else []:
        value = rng.choice([0, -1, 1, 2, 7, 127, 128, 99999, 2**31, -(2**40), rng.randint(-50, 500)])
        data[a:b] = str(value).encode().rjust(b - a)[: max(b - a, len(str(value)))]


def _xml_drop_or_copy_element(rng: random.Random, data: bytearray) -> None:
    """Delete or duplicate one leaf element line (<pitch> parts, <duration>, <tie/>, <harmony> kids)."""
    leaves = [m.span() for m in _XML_LEAF.finditer(data)]
    if leaves:
        a, b = rng.choice(leaves)
        data[a:b] = b"" if rng.random() < 0.5 else data[a:b] * 2


BYTE_MUTATIONS: list[Callable[[random.Random, bytearray], None]] = [
    _flip_bits, _truncate, _insert, _duplicate_chunk, _delete_chunk, _interesting_values,
]


def mutants(seeds: list[bytes], count: int, seed: int, extra: list[Callable[..., None]]) -> Iterator[bytes]:
    rng = random.Random(seed)
    mutations = BYTE_MUTATIONS + extra
    for _ in range(count):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):  # stacked mutations reach deeper states
            if data:
                rng.choice(mutations)(rng, data)
        yield bytes(data)


def fuzz(suffix: str, seeds: list[bytes], count: int, seed: int, extra: list[Callable[..., None]]) -> int:
    """Read every mutant; returns how many were accepted (the rest were refused properly)."""
    failures: list[str] = []
    accepted = 0
    for n, data in enumerate(mutants(seeds, count, seed, extra)):
        start = time.perf_counter()
        try:
            with alarm(LIMIT_S):
                scores = loads(data, suffix, f"fuzz{n}{suffix}")
                for score in scores:  # what every caller does next must not hang either
                    score.bar_count()
                    score.duration_seconds()
        except TunesmithError as err:
            assert str(err).startswith(f"fuzz{n}{suffix}: ") and "\n" not in str(err)
        except Exception as err:  # what this test hunts for: reproduce with mutants(..., seed)[n]
            failures.append(f"input {n}: {type(err).__name__}: {err}")
        else:
            accepted += 1
            for score in scores:
                problems = validate(score)
                if problems:
                    failures.append(f"input {n}: accepted an invalid score: {problems[:3]}")
        elapsed = time.perf_counter() - start
        if elapsed > LIMIT_S:
            failures.append(f"input {n}: took {elapsed:.1f} s")
    assert not failures, f"{len(failures)} of {count} inputs failed, e.g.:\n" + "\n".join(failures[:10])
    return accepted


def test_fuzz_midi_8500_inputs() -> None:
    seeds = [(DATA / name).read_bytes() for name in
             ("melody_chords.mid", "changes.mid", "drums_bass.mid", "waltz_96ppq.mid")]
    accepted = fuzz(".mid", seeds, 8500, seed=1, extra=[_seven_bit_values] * 4)
    assert 0 < accepted < 8500  # both paths exercised: some mutants still parse, some are refused


def test_fuzz_abc_1000_inputs() -> None:
    seeds = [(DATA / "tunes.abc").read_bytes()]
    accepted = fuzz(".abc", seeds, 1000, seed=2, extra=[_abc_symbols, _abc_symbols])
    assert 0 < accepted < 1000


@pytest.mark.slow
def test_fuzz_musicxml_500_inputs() -> None:
    seeds = [(DATA / "two_parts.musicxml").read_bytes()]
    accepted = fuzz(".musicxml", seeds, 500, seed=3, extra=[_xml_numbers, _xml_drop_or_copy_element] * 5)
    assert 0 < accepted < 500
