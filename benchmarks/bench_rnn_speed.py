"""Speed of the RNN melody model: generation latency and training throughput.

Usage:
    .venv/bin/python benchmarks/bench_rnn_speed.py [--threads 1] [--write benchmarks/results/rnn_speed.md]

1. Generation: 32 bars of 4/4 melody (512 sixteenth steps) with the shipped checkpoint loaded
   (src/tunesmith/data/checkpoints/melody.pt), plain and with every constraint on (pitch range,
   in-scale, rhythmic density). Goal: < 0.2 s. Also the same generation through torch's nn.LSTM
   called one step at a time (what the NumPy step runner replaces), for comparison.
2. Training throughput (tokens per second, forward + backward + AdamW step, batches of 64 x 128
   tokens) of the shipped melody model's architecture next to a plain nn.Embedding + nn.LSTM +
   nn.Linear language model of the same size (same input width, hidden size and layers), in the
   same run and process.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from tunesmith.models.rnn import api  # noqa: E402
from tunesmith.models.rnn.rnn import ConditionedLSTM  # noqa: E402
from tunesmith.tokens import melody as mt  # noqa: E402

CHORDS = [("C", 1920), ("Am", 1920), ("F", 1920), ("G", 1920)]


def time_generation(model: api.LoadedModel, repeats: int, **kw: object) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (process) seconds per 32-bar generation."""
    times, cpu = [], []
    for seed in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        mel = api.generate_melody(CHORDS, "C", "4/4", 32, "folk", seed=seed, model=model, **kw)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert mel.notes
    return times, cpu


@torch.inference_mode()
def time_torch_steps(net: ConditionedLSTM, steps: int = 512) -> float:
    """512 single-step calls of the model's own nn.LSTM with greedy decoding (no sampling)."""
    T = steps
    conds = {"chords": torch.zeros(1, T, dtype=torch.long), "positions": (torch.arange(T) % 16)[None],
             "phrase": (torch.arange(T) // 16 % mt.PHRASE_BARS)[None],
             "meter": torch.tensor([0]), "mode": torch.tensor([0]), "style": torch.tensor([0]),
             **{mt.lookback_name(k): torch.zeros(1, T, dtype=torch.long) for k in mt.LOOKBACK_BARS}}
    cond = net.condition_inputs(conds)
    state = None
    token = torch.tensor([[mt.BOS]])
    start = time.perf_counter()
    for t in range(T):
        logits, state = net.run(token, cond[:, t : t + 1], state)
        token = logits[:, -1].argmax(-1, keepdim=True)
    return time.perf_counter() - start


class PlainLSTM(nn.Module):
    """The baseline: embedding -> nn.LSTM -> linear, same widths as the conditioned model."""

    def __init__(self, vocab: int, d_in: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, d_in)
        self.lstm = nn.LSTM(d_in, hidden, layers, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.emb(inputs))
        logits = self.head(out)
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def throughput(step_fn: object, batches: int, tokens_per_batch: int) -> float:
    fn = step_fn  # callable without arguments
    for _ in range(2):
        fn()  # type: ignore[operator]
    start = time.perf_counter()
    for _ in range(batches):
        fn()  # type: ignore[operator]
    return batches * tokens_per_batch / (time.perf_counter() - start)


def training_throughput(net: ConditionedLSTM, batches: int) -> tuple[float, float]:
    cfg = net.config
    B, T = 64, 128
    g = torch.Generator().manual_seed(0)
    batch = {
        "inputs": torch.randint(2, cfg.vocab_size, (B, T), generator=g),
        "targets": torch.randint(2, cfg.vocab_size, (B, T), generator=g),
        "chords": torch.randint(0, 73, (B, T), generator=g),
        "positions": torch.randint(0, 16, (B, T), generator=g),
        "phrase": torch.randint(0, mt.PHRASE_BARS, (B, T), generator=g),
        "meter": torch.zeros(B, dtype=torch.long), "mode": torch.zeros(B, dtype=torch.long),
        "style": torch.zeros(B, dtype=torch.long),
        **{mt.lookback_name(k): torch.randint(0, cfg.vocab_size, (B, T), generator=g)
           for k in mt.LOOKBACK_BARS},
    }
    ours = ConditionedLSTM(cfg).train()
    opt = torch.optim.AdamW(ours.parameters(), lr=1e-3)

    def ours_step() -> None:
        _, loss = ours(**batch)
        opt.zero_grad()
        loss.backward()
        opt.step()

    d_in = ours.lstm.input_size
    plain = PlainLSTM(cfg.vocab_size, d_in, cfg.hidden, cfg.layers).train()
    opt2 = torch.optim.AdamW(plain.parameters(), lr=1e-3)

    def plain_step() -> None:
        loss = plain(batch["inputs"], batch["targets"])
        opt2.zero_grad()
        loss.backward()
        opt2.step()

    # Interleave the two so that load from other processes hits both alike.
    a, b = [], []
    for _ in range(3):
        a.append(throughput(ours_step, batches, B * T))
        b.append(throughput(plain_step, batches, B * T))
    return statistics.median(a), statistics.median(b)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    start = time.perf_counter()
    model = api.load_melody_model()
    load_s = time.perf_counter() - start
    api.generate_melody(CHORDS, "C", "4/4", 1, model=model)  # builds the step runner once
    plain, plain_cpu = time_generation(model, args.repeats)
    constrained, constrained_cpu = time_generation(
        model, args.repeats, pitch_range=(60, 84), in_scale=True, density=2.0
    )
    torch_steps = statistics.median(time_torch_steps(model.net) for _ in range(3))
    ours_tps, plain_tps = training_throughput(model.net, args.batches)
    cfg = model.net.config
    lines = [
        "# RNN speed",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_rnn_speed.py --threads {args.threads} "
        f"--repeats {args.repeats} --batches {args.batches} --write benchmarks/results/rnn_speed.md`",
        "",
        f"Machine: {platform.machine()}, {torch.get_num_threads()} torch thread(s), "
        f"torch {torch.__version__}, "
        f"load average at the end {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        "(the 2 cores are shared with other jobs, so timings carry noise).",
        f"Model: shipped melody.pt, LSTM {cfg.layers} x {cfg.hidden}, "
        f"{model.net.num_parameters():,} parameters; checkpoint loaded in {load_s:.2f} s.",
        "",
        "## Generation: 32 bars of 4/4 (512 steps), goal < 0.2 s",
        "",
        "| run | median s | min s | max s | median CPU s |",
        "|---|---|---|---|---|",
        f"| generate_melody, temperature 1, top-p 0.9 | {statistics.median(plain):.3f} | {min(plain):.3f} | "
        f"{max(plain):.3f} | {statistics.median(plain_cpu):.3f} |",
        f"| + pitch range, in-scale, density 2 | {statistics.median(constrained):.3f} | "
        f"{min(constrained):.3f} | {max(constrained):.3f} | {statistics.median(constrained_cpu):.3f} |",
        f"| (reference) nn.LSTM called step by step, greedy, no sampling | {torch_steps:.3f} | | | |",
        "",
        f"{args.repeats} seeds each; wall-clock time (perf_counter) and this process's CPU time "
        "(process_time, less sensitive to other jobs on the shared cores). The NumPy step runner "
        "(tunesmith.models.sampling.StepLSTM) replaces per-step nn.LSTM calls, whose per-call overhead "
        "dominates at batch 1.",
        "",
        "## Training throughput (forward + backward + AdamW, batch 64 x 128 tokens)",
        "",
        "| model | tokens/s |",
        "|---|---|",
        f"| tunesmith ConditionedLSTM (chord/position/meter/mode/style embeddings) | {ours_tps:,.0f} |",
        f"| plain nn.Embedding + nn.LSTM + nn.Linear, same sizes | {plain_tps:,.0f} |",
        f"| ratio | {ours_tps / plain_tps:.2f} |",
        "",
        f"Median of 3 interleaved rounds of {args.batches} batches each.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        from tunesmith.fileutil import write_text_atomic

        write_text_atomic(args.write, text)
    assert np.isfinite(ours_tps)


if __name__ == "__main__":
    main()
