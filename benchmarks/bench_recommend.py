"""Recommendation quality on simulated listeners: precision@10 of the hybrid vs. popularity.

    .venv/bin/python benchmarks/bench_recommend.py --write benchmarks/results/recommend.md

The catalogue: --corpus pieces sampled from the shipped corpus (Nottingham and Essen folk tunes,
Bach chorales) plus --generated pieces composed with random styles and moods; each piece's musical
features are tunesmith.feedback.features.piece_features. Listeners come in --groups taste groups:
a group likes a random direction in feature space (e.g. fast and dense, or slow, minor, low) and
also shares hidden likes and dislikes of individual pieces that no feature shows (what only other
listeners' ratings reveal); each listener adds their own noise. Each listener rates --rated random
pieces (1-5 stars from their utility); the relevant pieces are the unrated ones in the top 10% of
their utility. Precision@10 of tunesmith.recommend.hybrid.recommend is compared with the
popularity baseline (the same function's cold-start ranking: shrunk mean stars).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=int, default=450)
    parser.add_argument("--generated", type=int, default=60)
    parser.add_argument("--listeners", type=int, default=60)
    parser.add_argument("--groups", type=int, default=4)
    parser.add_argument("--rated", type=int, default=25)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("TUNESMITH_HOME", tempfile.mkdtemp(prefix="tunesmith-bench-recommend-"))

    from tunesmith.compose.api import compose
    from tunesmith.compose.request import ComposeRequest
    from tunesmith.corpus import load_corpus
    from tunesmith.feedback.features import FEATURES, piece_features
    from tunesmith.recommend.hybrid import popularity, precision_at, recommend, standardise

    rng = random.Random(args.seed)
    started = time.perf_counter()
    features: dict[str, list[float]] = {}
    per = args.corpus // 3
    for name in ("nottingham", "essen", "bach"):
        corpus = load_corpus([name])
        for i in rng.sample(range(len(corpus)), min(per, len(corpus))):
            try:
                values = piece_features(corpus[i])
            except Exception:  # a corpus piece the metrics cannot read is left out of the catalogue
                continue
            features[f"{name}:{i}"] = [values[n] for n in FEATURES]
    styles = ("folk", "waltz", "march", "ballad", "pop", "lullaby", "celtic", "chorale")
    for k in range(args.generated):
        request = ComposeRequest(
            style=rng.choice(styles),
            bars=8,
            form="AB",
            candidates=1,
            model="rules",
            seed=rng.randrange(1 << 30),
            valence=round(rng.uniform(-1, 1), 2),
            arousal=round(rng.uniform(-1, 1), 2),
        )
        score = compose(request).score
        values = piece_features(score, {"request": request.to_dict()})
        features[f"generated:{k}"] = [values[n] for n in FEATURES]
    items = sorted(features)
    z = standardise(features)
    nrng = np.random.default_rng(args.seed)
    dims = len(FEATURES)
    groups = []
    for _ in range(args.groups):
        direction = nrng.normal(size=dims)
        groups.append((direction / np.linalg.norm(direction), {i: float(nrng.normal()) for i in items}))
    listeners = [rng.randrange(args.groups) for _ in range(args.listeners)]
    utility = {}
    for u, g in enumerate(listeners):
        direction, hidden = groups[g]
        own = direction + 0.3 * nrng.normal(size=dims)
        utility[u] = {i: float(z[i] @ own) + hidden[i] + 0.3 * float(nrng.normal()) for i in items}
    ratings: dict[int, dict[str, float]] = {}
    for u, liking in utility.items():
        values = sorted(liking.values())
        cuts = [values[int(len(values) * q)] for q in (0.2, 0.4, 0.6, 0.8)]
        rated = rng.sample(items, args.rated)
        ratings[u] = {i: float(1 + sum(liking[i] > c for c in cuts)) for i in rated}
    hybrid_p, popular_p = [], []
    for u in utility:
        unrated = [i for i in items if i not in ratings[u]]
        ranked = sorted(unrated, key=lambda i: -utility[u][i])
        relevant = set(ranked[: max(1, len(items) // 10)])
        recs = [s.item for s in recommend(u, ratings, features, items, limit=10)]
        pop = popularity(ratings, unrated)
        pop_recs = sorted(unrated, key=lambda i: -pop[i])[:10]
        hybrid_p.append(precision_at(recs, relevant))
        popular_p.append(precision_at(pop_recs, relevant))
    h, p = statistics.mean(hybrid_p), statistics.mean(popular_p)
    elapsed = time.perf_counter() - started
    lines = [
        "# Recommendations: precision@10 on simulated listeners",
        "",
        "Command: `.venv/bin/python benchmarks/bench_recommend.py --write benchmarks/results/recommend.md`",
        "",
        f"Catalogue: {len(items)} pieces ({len(items) - args.generated} sampled from the nottingham, essen "
        f"and bach corpora, {args.generated} generated with random styles and moods). {args.listeners} "
        f"listeners in {args.groups} taste groups, {args.rated} ratings each; relevant = the unrated pieces "
        f"in the top 10% of a listener's hidden utility (feature taste + group-shared likes no feature "
        f"shows + noise). {elapsed:.0f} s on this machine.",
        "",
        "| ranking | precision@10 |",
        "|---|---|",
        f"| popularity baseline (shrunk mean stars) | {p:.3f} |",
        f"| hybrid (content + collaborative) | {h:.3f} |",
        "",
        f"Ratio hybrid / popularity: {h / p:.1f}x." if p > 0 else "Popularity found no relevant piece.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
