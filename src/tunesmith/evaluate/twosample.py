"""Two ways to say how far apart two sets of per-piece features are.

- :func:`overlap_area`: the overlapping area of one feature's two distributions (Yang & Lerch 2019):
  the integral of min(p, q) of their Gaussian kernel density estimates (for features with at most
  three distinct values, of their histograms). 1 = the same distribution, 0 = disjoint.
- :func:`c2st`: a classifier two-sample test: k-fold cross-validated accuracy of an L2-regularised
  logistic regression telling the sets apart on all features (equal numbers of each). 0.5 =
  indistinguishable, 1.0 = always told apart.

Plain NumPy, seeded: the same inputs give the same numbers.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _kde(samples: FloatArray, grid: FloatArray, floor: float) -> FloatArray:
    n = len(samples)
    spread = min(
        float(np.std(samples)), float(np.subtract(*np.percentile(samples, [75, 25]))) / 1.34 or np.inf
    )
    h = max(0.9 * (spread if np.isfinite(spread) else 0.0) * n ** (-0.2), floor)  # Silverman's rule
    z = (grid[:, None] - samples[None, :]) / h
    return np.exp(-0.5 * z * z).sum(axis=1) / (n * h * np.sqrt(2 * np.pi))


def overlap_area(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Overlapping area of the distributions of samples ``a`` and ``b`` of one feature."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(x) == 0 or len(y) == 0:
        raise ValueError("both samples need at least one value")
    values = np.unique(np.concatenate([x, y]))
    if len(values) <= 3:
        p = np.array([(x == v).mean() for v in values])
        q = np.array([(y == v).mean() for v in values])
        return float(np.minimum(p, q).sum())
    width = float(values[-1] - values[0])
    floor = width / 50
    grid = np.linspace(values[0] - 0.25 * width, values[-1] + 0.25 * width, 801)
    p, q = _kde(x, grid, floor), _kde(y, grid, floor)
    return float(min(1.0, np.minimum(p, q).sum() * (grid[1] - grid[0])))


def fit_logistic(x: FloatArray, y: FloatArray, l2: float, iterations: int = 30) -> FloatArray:
    """Weights (with the bias last) by Newton's method on the L2-penalised log-loss."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    penalty = np.full(xb.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + penalty * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def c2st(real: npt.ArrayLike, fake: npt.ArrayLike, folds: int = 5, seed: int = 0, l2: float = 1.0) -> float:
    """Cross-validated accuracy of logistic regression telling ``real`` rows from ``fake`` rows
    (feature matrices of the same width). Both sets are cut to the smaller one's size, drawn at
    random; features are standardised on each training fold."""
    r, f = np.asarray(real, dtype=np.float64), np.asarray(fake, dtype=np.float64)
    rng = np.random.default_rng(seed)
    n = min(len(r), len(f))
    if n < folds:
        raise ValueError(f"need at least {folds} rows of each set, got {n}")
    x = np.vstack([r[rng.permutation(len(r))[:n]], f[rng.permutation(len(f))[:n]]])
    y = np.concatenate([np.ones(n), np.zeros(n)])
    order = rng.permutation(2 * n)
    correct = 0
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        mean, std = x[train].mean(axis=0), x[train].std(axis=0)
        std[std == 0] = 1.0
        w = fit_logistic((x[train] - mean) / std, y[train], l2)
        logits = np.hstack([(x[test] - mean) / std, np.ones((len(test), 1))]) @ w
        correct += int(((logits > 0) == (y[test] == 1)).sum())
    return correct / (2 * n)
