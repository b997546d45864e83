"""What the editor page waits for: POST /api/pieces/{id}/revise, poll the job every 250 ms (as
editor.js does), then fetch the new version's WAV. With the splice (only the changed bars
re-rendered into the parent's audio) and, as the baseline in the same run, with the whole piece
rendered again.

    nice -n 15 .venv/bin/python benchmarks/bench_revise_page.py [--write benchmarks/results/revise_page.md]

The app runs in this process with the web app's default worker threads (2), on a temporary store;
pieces are default folk pieces (rnn melody), 8 bars of melody regenerated (9-16). The two modes
alternate per revision, so a busy moment on the machine hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

SEEDS = (1, 2, 3, 4, 5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    import torch
    from fastapi.testclient import TestClient

    from tunesmith.compose import engines
    from tunesmith.web import create_app, revise_job
    from tunesmith.web.settings import WebSettings

    torch.set_num_threads(1)
    engines._originality_index = lambda: None  # type: ignore[assignment]  # measured by compose's bench
    times: dict[str, list[float]] = {"splice": [], "whole render (baseline)": []}
    with tempfile.TemporaryDirectory() as tmp:
        settings = WebSettings(db_url=f"sqlite:///{tmp}/web.db", files_dir=Path(tmp) / "files",
                               preference_dir=Path(tmp) / "feedback", corpus_collections=(),
                               default_outputs=("wav",))  # fmt: skip
        app = create_app(settings)
        with TestClient(app, base_url="http://127.0.0.1") as client:  # local sign-in is loopback only
            assert client.post("/api/auth/local").status_code == 200

            def wait(job_id: str) -> dict[str, object]:
                while True:
                    job = client.get(f"/api/jobs/{job_id}").json()
                    if job["status"] in ("done", "failed"):
                        return dict(job)
                    time.sleep(0.25)

            for seed in SEEDS:
                r = client.post("/api/compose", json={"style": "folk", "seed": seed, "candidates": 1})
                job = wait(r.json()["job_id"])
                assert job["status"] == "done", job
                piece = job["pieces"][0]["piece_id"]  # type: ignore[index]
                for mode in ("splice", "whole render (baseline)"):
                    revise_job.SPLICE = mode == "splice"
                    t = time.perf_counter()
                    body = {"bars": "9-16", "track": "melody", "seed": seed, "outputs": ["wav"]}
                    r = client.post(f"/api/pieces/{piece}/revise", json=body)
                    done = wait(r.json()["job_id"])
                    assert done["status"] == "done", done
                    wav = client.get(done["pieces"][0]["files"]["wav"])  # type: ignore[index]
                    assert wav.status_code == 200 and len(wav.content) > 44
                    times[mode].append(time.perf_counter() - t)
        app.state.ctx.jobs.shutdown()
    lines = [
        "# The editor's wait for a new version with audio",
        "",
        "Command: `nice -n 15 .venv/bin/python benchmarks/bench_revise_page.py "
        "--write benchmarks/results/revise_page.md`",
        "",
        f"Default folk pieces (rnn melody), seeds {', '.join(map(str, SEEDS))}; melody bars 9-16 "
        "regenerated; POST revise, poll every 250 ms, GET the WAV; one revision at a time, one torch thread.",
        "",
        "| audio | median s | max s | per revision s |",
        "|---|---|---|---|",
    ]
    for mode, values in times.items():
        lines.append(f"| {mode} | {statistics.median(values):.3f} | {max(values):.3f} | "
                     f"{', '.join(f'{v:.2f}' for v in values)} |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
