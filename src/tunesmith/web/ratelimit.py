"""Sign-in and sign-up attempts limited per user name and per client address (sliding window).

Guessing a password, or probing which names exist, costs an attacker one attempt each; after
``limit`` attempts within ``window`` seconds the key is refused with HTTP 429 and a Retry-After
saying when the oldest attempt leaves the window. Counts live in this process's memory: a server
with several processes allows each of them the limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque


class RateLimitedError(Exception):
    """Too many attempts; ``retry_after`` whole seconds until the next one is allowed (HTTP 429)."""

    def __init__(self, what: str, retry_after: int) -> None:
        super().__init__(f"too many {what}; try again in {retry_after} s")
        self.retry_after = retry_after


class RateLimiter:
    def __init__(self, window: float, max_keys: int = 100_000) -> None:
        self.window = window
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, what: str, now: float | None = None) -> None:
        """Count one attempt for ``key``; RateLimitedError when it is over ``limit`` in the window."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self.max_keys:
                    self._prune(now)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= limit:
                raise RateLimitedError(what, max(1, math.ceil(hits[0] + self.window - now)))
            hits.append(now)

    def _prune(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]
        if len(self._hits) >= self.max_keys:  # still full of live keys: drop the oldest half
            for key in sorted(self._hits, key=lambda k: self._hits[k][-1])[: self.max_keys // 2]:
                del self._hits[key]
