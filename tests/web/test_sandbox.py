"""Work run in a sandbox child: stopped at its time limit, when the client leaves, within its memory."""

from __future__ import annotations

import time

import pytest

from tunesmith.errors import CorruptFileError, TunesmithError, WorkTimeoutError
from tunesmith.web.sandbox import ClientGoneError, run_limited

GIB = 1024**3


def _allocate(mib: int) -> int:
    return len(bytearray(mib * 1024 * 1024))


def _refuse(path: str) -> None:
    raise CorruptFileError(path, "not music")


def test_result_and_errors_cross_back() -> None:
    assert run_limited(sum, ([1, 2, 3],), seconds=30, memory_bytes=GIB, what="sum") == 6
    with pytest.raises(CorruptFileError, match=r"x\.mid: not music"):
        run_limited(_refuse, ("x.mid",), seconds=30, memory_bytes=GIB, what="read")


def test_time_limit_kills_the_work() -> None:
    started = time.monotonic()
    with pytest.raises(WorkTimeoutError, match=r"stopped after 0\.5 s"):
        run_limited(time.sleep, (60,), seconds=0.5, memory_bytes=GIB, what="sleeping")
    assert time.monotonic() - started < 30


def test_a_client_that_left_stops_the_work() -> None:
    with pytest.raises(ClientGoneError, match="the client has gone"):
        run_limited(time.sleep, (60,), seconds=60, memory_bytes=GIB, what="sleeping", gone=lambda: True)


def test_memory_cap_refuses_a_huge_allocation() -> None:
    with pytest.raises(TunesmithError, match="more than 1024 MiB"):
        run_limited(_allocate, (3000,), seconds=60, memory_bytes=GIB, what="allocating")
    assert run_limited(_allocate, (10,), seconds=60, memory_bytes=GIB, what="allocating") == 10 * 2**20


def test_errors_shown_to_clients_hold_no_server_paths() -> None:
    from tunesmith.web.errors import public

    assert public("/usr/lib/python3/site-packages/tunesmith/data/styles/x.toml: bad") == "x.toml: bad"
    assert public("could not read ~/.local/share/tunesmith/web/primers/5/primer.mid") == (
        "could not read primer.mid"
    )
    assert public("No such file: '/srv/web/generated/abc/c1/piece.wav'") == "No such file: 'piece.wav'"
    kept = "not signed in: POST /api/auth/login; allowed: 1/4 note, mid/musicxml, see /openapi.json"
    assert public(kept) == kept
