"""Load on real processes: two web processes and two worker processes over one store and queue;
100 compose jobs, then 1,000 reads and 100 rating writes at once. Every request must succeed, every
job end done, every rating be stored. (Timings: benchmarks/bench_jobs.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.web.procs import run_load

pytestmark = pytest.mark.slow


def test_100_jobs_1000_reads_100_ratings_with_2_workers(tmp_path: Path) -> None:
    result = run_load(tmp_path, worker_processes=2, jobs=100, reads=1000, ratings=100)
    assert result["pieces"] == 100
