"""Work a request can make heavy (file conversion, drawing, audio) runs in a child process that is
killed when it runs past its time limit, when the client has gone, or when the server stops.

A thread cannot be stopped from outside, and a budget checked inside every loop of music21,
matplotlib and the synthesiser would be a patch on code we do not own; a process can be killed.
Children come from a fork server started once (its modules preloaded), so a conversion costs a
fork, not an interpreter start. Each child caps its own address space (RLIMIT_AS), so an input that
slips past the score limits fails with MemoryError instead of taking the server's memory.
"""

from __future__ import annotations

import multiprocessing
import resource
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from tunesmith.errors import TunesmithError, WorkTimeoutError

PRELOAD = [
    "numpy",
    "symusic",
    "music21",
    "tunesmith.io.midi",
    "tunesmith.io.musicxml",
    "tunesmith.io.abc",
    "tunesmith.web.service",
]
_context_lock = threading.Lock()
_contexts: list[Any] = []
_running: set[Any] = set()
_running_lock = threading.Lock()
_stopping = threading.Event()
peak_child_kib = [0]
"""The largest peak RSS (KiB) a finished child reported: what the memory test reads."""


class ClientGoneError(TunesmithError):
    """The client closed the connection; its work was stopped."""


def _ctx() -> Any:
    with _context_lock:
        if not _contexts:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _contexts.append(ctx)
        return _contexts[0]


def _child(conn: Connection, memory_bytes: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    def peak() -> int:
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)

    try:
        conn.send(("ok", fn(*args), peak()))
    except TunesmithError as err:
        conn.send(("error", err, peak()))
    except MemoryError:
        limit = f"needed more than {memory_bytes >> 20} MiB of memory"
        conn.send(("error", TunesmithError(limit), peak()))
    except Exception as err:  # a bug in the work: report it, the parent turns it into an error
        text = f"internal error: {type(err).__name__}: {str(err)[:200]}"
        conn.send(("error", TunesmithError(text), peak()))
    finally:
        conn.close()


def run_limited(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    *,
    seconds: float,
    memory_bytes: int,
    what: str,
    gone: Callable[[], bool] | None = None,
) -> Any:
    """``fn(*args)`` in a child process; its result, or its TunesmithError re-raised here.

    WorkTimeoutError after ``seconds``; ClientGoneError as soon as ``gone()`` says the client left;
    in both cases the child is killed. ``fn`` must be a module-level function (it is pickled).
    """
    ctx = _ctx()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, memory_bytes, fn, args), daemon=True)
    proc.start()
    child.close()
    with _running_lock:
        _running.add(proc)
    deadline = time.monotonic() + seconds
    try:
        while True:
            if parent.poll(0.1):
                try:
                    status, value, kib = parent.recv()
                    peak_child_kib[0] = max(peak_child_kib[0], kib)
                except EOFError:
                    status, value = "error", _died(what, proc)
                if status == "error":
                    raise value
                return value
            if not proc.is_alive() and not parent.poll(0):
                raise _died(what, proc)
            if gone is not None and gone():
                raise ClientGoneError(f"{what}: stopped, the client has gone")
            if time.monotonic() > deadline:
                raise WorkTimeoutError(f"{what}: stopped after {seconds:g} s; allowed: at most {seconds:g} s")
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
        with _running_lock:
            _running.discard(proc)


def _died(what: str, proc: Any) -> TunesmithError:
    if _stopping.is_set():
        return WorkTimeoutError(f"{what}: stopped, the server is shutting down")
    return TunesmithError(f"{what}: the worker died (exit {proc.exitcode})")


def stop_all() -> int:
    """Kill every child still working (server shutdown); returns how many there were."""
    _stopping.set()
    with _running_lock:
        procs = list(_running)
    for proc in procs:
        if proc.is_alive():
            proc.kill()
    return len(procs)
