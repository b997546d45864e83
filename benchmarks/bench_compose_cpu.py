"""CPU time per symbolic compose (32-bar pop, 1 candidate, models loaded), the mean of 10 pieces: a
figure that the load of a shared machine disturbs far less than wall-clock time. Run it on two source
trees in turn to compare them (PYTHONPATH=<other tree>/src for the other).

    TUNESMITH_HOME=/tmp/bench-home python benchmarks/bench_compose_cpu.py
"""

from __future__ import annotations

import time

from tunesmith.compose.api import compose
from tunesmith.compose.request import ComposeRequest


def req(seed: int) -> ComposeRequest:
    return ComposeRequest(style="pop", bars=32, seed=seed, candidates=1)


def main() -> None:
    compose(req(1))  # load the models
    c = time.process_time()
    for seed in range(2, 12):
        compose(req(seed))
    print(f"CPU per piece {(time.process_time() - c) / 10:.3f} s")


if __name__ == "__main__":
    main()
