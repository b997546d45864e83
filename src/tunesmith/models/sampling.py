"""Step-by-step sampling from a ConditionedLSTM: temperature, top-p, primers and logit masks.

Hard constraints are additive masks on the logits (0 = allowed, -inf = forbidden): a static mask
per step (shape (T, vocab)) plus an optional callback that returns a dynamic mask from the tokens
chosen so far (e.g. "no HOLD after a REST", rhythmic density). Sampling draws from a
``numpy.random.Generator`` seeded by the caller, and the LSTM runs on CPU in inference mode, so one
seed gives the same output every time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch
from scipy.special import expit
from threadpoolctl import ThreadpoolController

from tunesmith.errors import ControlError
from tunesmith.models.rnn.rnn import ConditionedLSTM

DynamicMask = Callable[[int, list[int]], "npt.NDArray[np.float32] | None"]
"""(step index, tokens so far) -> additive mask over the vocabulary, or None for no change."""


@dataclass(frozen=True)
class SamplingOptions:
    temperature: float = 1.0
    """Divides the logits: < 1 sharper, more predictable; > 1 flatter, more surprising."""
    top_p: float = 0.9
    """Nucleus sampling: draw only from the most likely tokens whose probabilities sum to top_p."""
    seed: int = 0

    def check(self) -> SamplingOptions:
        if not 0.05 <= self.temperature <= 5.0:
            raise ControlError("temperature", f"must be between 0.05 and 5, got {self.temperature}")
        if not 0.0 < self.top_p <= 1.0:
            raise ControlError("top-p", f"must be in (0, 1], got {self.top_p}")
        return self


def draw(
    logits: npt.NDArray[np.float64],
    options: SamplingOptions,
    rng: np.random.Generator,
    untrimmed: npt.NDArray[np.bool_] | None = None,
) -> int:
    """One token from masked logits (-inf = forbidden) with temperature and top-p.

    ``untrimmed``: tokens the nucleus never cuts; top-p trims only among the others and hands
    their cut mass back to the ones it keeps, so the two groups keep their shares. A melody's
    HOLD and REST are such tokens: a plain nucleus keeps the one likely HOLD and cuts the many
    unlikely pitches, so it thins the rhythm (fewer onsets than the model means)."""
    p = np.exp((logits - logits.max()) / options.temperature)
    if options.top_p < 1.0 and untrimmed is None:
        order = np.argsort(-p, kind="stable")
        cdf = np.cumsum(p[order])
        # The nucleus: the fewest most-likely tokens whose mass reaches top_p (at least one).
        keep = int(np.searchsorted(cdf, options.top_p * cdf[-1], side="left")) + 1
        index = int(np.searchsorted(cdf[:keep], rng.random() * cdf[keep - 1], side="right"))
        return int(order[min(index, keep - 1)])
    if options.top_p < 1.0 and untrimmed is not None:
        p = _nucleus_among(p, ~untrimmed, options.top_p)
    cdf = np.cumsum(p)
    return int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right").clip(max=len(p) - 1))


def _nucleus_among(p: npt.NDArray[np.float64], trimmed: npt.NDArray[np.bool_], top_p: float
                   ) -> npt.NDArray[np.float64]:
    """``p`` with the ``trimmed`` tokens cut to their nucleus (the fewest most likely whose mass
    reaches top_p of theirs, at least one), rescaled to the group's mass before the cut."""
    group = np.where(trimmed, p, 0.0)
    mass = group.sum()
    if mass <= 0.0:
        return p
    order = np.argsort(-group, kind="stable")
    cdf = np.cumsum(group[order])
    keep = int(np.searchsorted(cdf, top_p * mass, side="left")) + 1
    out = np.where(trimmed, 0.0, p)
    out[order[:keep]] = group[order[:keep]] * (mass / cdf[keep - 1])
    return out


def _logsumexp(x: npt.NDArray[np.float64]) -> float:
    """log(sum(exp(x))) of a non-empty 1-D array (scipy's general version cost a third of a
    melody's sampling time in its checks)."""
    top = float(x.max())
    if not np.isfinite(top):
        return top
    return top + float(np.log(np.exp(x - top).sum()))


def _keep_group_mass(raw: npt.NDArray[np.float64], masked: npt.NDArray[np.float64],
                     group: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """``masked`` with the ``group``'s tokens scaled back to the group's probability before the
    mask (a pitch-range mask then moves the mass of the pitches it forbids onto the pitches it
    allows, not onto HOLD and REST); unchanged when the mask forbids the whole group."""
    allowed = masked[group]
    if not np.isfinite(allowed).any():
        return masked
    out = masked.copy()
    out[group] += _logsumexp(raw[group]) - _logsumexp(allowed)
    return out


def _param(module: torch.nn.Module, name: str) -> torch.Tensor:
    value = getattr(module, name)
    assert isinstance(value, torch.Tensor)
    return value.detach().float()


class StepLSTM:
    """The model's LSTM as NumPy arrays for one-step-at-a-time inference.

    ``nn.LSTM`` called on one step costs milliseconds on CPU (per-call overhead), so generation
    runs the same equations here: the first layer's input projection is folded into a table
    (vocab, 4H) for the token part and one matrix product for all steps' conditions, and deeper
    layers multiply [x, h] by one stacked matrix. The cell-gate rows are pre-scaled by 2 so that
    one logistic call gives all four gates (tanh(z) = 2 * sigmoid(2z) - 1).
    """

    def __init__(self, model: ConditionedLSTM) -> None:
        cfg = model.config
        lstm = model.lstm
        H = cfg.hidden
        scale = torch.ones(4 * H)
        scale[2 * H : 3 * H] = 2.0  # the cell-gate rows (PyTorch gate order: i, f, g, o)
        with torch.inference_mode():
            w_ih0 = _param(lstm, "weight_ih_l0") * scale[:, None]
            bias0 = (_param(lstm, "bias_ih_l0") + _param(lstm, "bias_hh_l0")) * scale
            emb = model.token_emb.weight.detach().float()
            self.token_table = (emb @ w_ih0[:, : cfg.d_token].T + bias0).numpy()
            self.cond_weight = w_ih0[:, cfg.d_token :].T.contiguous()  # (d_cond, 4H), torch for one matmul
            self.w_hh0 = (_param(lstm, "weight_hh_l0") * scale[:, None]).T.contiguous().numpy()
            self.w_stack = [
                (torch.cat([_param(lstm, f"weight_ih_l{k}"), _param(lstm, f"weight_hh_l{k}")], dim=1)
                 * scale[:, None]).T.contiguous().numpy()
                for k in range(1, cfg.layers)
            ]  # (2H, 4H) each
            self.bias = [((_param(lstm, f"bias_ih_l{k}") + _param(lstm, f"bias_hh_l{k}")) * scale).numpy()
                         for k in range(1, cfg.layers)]
            self.head_w = model.head.weight.detach().float().T.contiguous().numpy()
            self.head_b = model.head.bias.detach().float().numpy()
            # Lookback conditions: one (vocab, 4H) table each, indexed by the token that many bars back.
            self.lookback_tables: list[tuple[int, npt.NDArray[np.float32]]] = []
            offset = cfg.static_dim
            for name, bars, dim in cfg.lookback_conditions:
                emb_w = _param(model.cond_embs[name], "weight")
                self.lookback_tables.append((bars, (emb_w @ self.cond_weight[offset : offset + dim]).numpy()))
                offset += dim
        self.static_dim = cfg.static_dim
        self.hidden = H
        self.layers = cfg.layers

    def condition_projection(self, cond: torch.Tensor) -> npt.NDArray[np.float32]:
        """First-layer gate contributions (T, 4H) of condition inputs (1, T, d): all of them, or only
        the static part (d = static_dim) when the lookbacks are added per step."""
        with torch.inference_mode():
            return (cond[0].float() @ self.cond_weight[: cond.shape[-1]]).numpy()

    def lookback_row(
        self, t: int, tokens: list[int], steps_per_bar: int, pad: int
    ) -> npt.NDArray[np.float32] | float:
        """Gate contribution of the lookback conditions at step ``t`` given the tokens so far."""
        total: npt.NDArray[np.float32] | float = 0.0
        for bars, table in self.lookback_tables:
            back = t - bars * steps_per_bar
            total = total + table[tokens[back] if back >= 0 else pad]
        return total

    def initial_state(self) -> list[npt.NDArray[np.float32]]:
        return [np.zeros(self.hidden, dtype=np.float32) for _ in range(2 * self.layers)]

    def step(self, token: int, cond_row: npt.NDArray[np.float32], state: list[npt.NDArray[np.float32]]
             ) -> npt.NDArray[np.float32]:
        """Logits of the next token; ``state`` ([h0, c0, h1, c1, ...]) is updated in place."""
        H = self.hidden
        gates = self.token_table[token] + cond_row + state[0] @ self.w_hh0
        x = state[0]
        for k in range(self.layers):
            if k > 0:
                gates = np.concatenate((x, state[2 * k])) @ self.w_stack[k - 1] + self.bias[k - 1]
            s = expit(gates)
            c = s[H : 2 * H] * state[2 * k + 1] + s[:H] * (2.0 * s[2 * H : 3 * H] - 1.0)
            x = s[3 * H :] * np.tanh(c)
            state[2 * k], state[2 * k + 1] = x, c
        return x @ self.head_w + self.head_b


@torch.inference_mode()
def sample(
    model: ConditionedLSTM,
    conditions: dict[str, torch.Tensor],
    n_steps: int,
    bos: int,
    options: SamplingOptions,
    *,
    primer: list[int] | None = None,
    static_mask: npt.NDArray[np.float32] | None = None,
    dynamic_mask: DynamicMask | None = None,
    steps_per_bar: int = 16,
    untrimmed: npt.NDArray[np.bool_] | None = None,
    bias: npt.NDArray[np.float32] | None = None,
) -> tuple[list[int], float]:
    """Tokens for steps 0..n_steps-1 (the primer's tokens first) and the mean log-likelihood per
    generated step under the model's own distribution (no temperature, no masks, no bias).

    ``conditions`` hold (1, n_steps) step tensors and (1,) sequence tensors; ``static_mask`` has
    shape (n_steps, vocab) or (vocab,). A model with lookback conditions reads the tokens
    ``steps_per_bar`` x its bars back as it goes (they need not be in ``conditions``).
    ``untrimmed``: tokens top-p never cuts (see :func:`draw`); the static mask, a pitch constraint,
    then leaves the other tokens' total probability as it was. ``bias``: added to every step's
    logits before the masks (shape (vocab,)), a soft preference where a mask is a hard one.
    """
    with _blas_controller().limit(limits=1, user_api="blas"):
        return _sample(
            model, conditions, n_steps, bos, options, primer=primer, static_mask=static_mask,
            dynamic_mask=dynamic_mask, steps_per_bar=steps_per_bar, untrimmed=untrimmed, bias=bias,
        )  # fmt: skip


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """The BLAS thread pools, found once. Sampling multiplies one step's small vectors at a time:
    a second BLAS thread only adds hand-over cost (the 256-unit model: twice the CPU, no faster)."""
    return ThreadpoolController()


def _sample(
    model: ConditionedLSTM,
    conditions: dict[str, torch.Tensor],
    n_steps: int,
    bos: int,
    options: SamplingOptions,
    *,
    primer: list[int] | None,
    static_mask: npt.NDArray[np.float32] | None,
    dynamic_mask: DynamicMask | None,
    steps_per_bar: int,
    untrimmed: npt.NDArray[np.bool_] | None,
    bias: npt.NDArray[np.float32] | None,
) -> tuple[list[int], float]:
    model.eval()
    rng = np.random.default_rng(options.seed)
    runner = step_runner(model)
    cond = runner.condition_projection(model.condition_inputs(conditions, lookbacks=False))  # (n_steps, 4H)
    pad = model.config.pad_id
    tokens = list(primer or [])
    if len(tokens) > n_steps:
        raise ControlError("primer", f"the primer ({len(tokens)} steps) is longer than the piece ({n_steps})")
    state = runner.initial_state()
    prev = bos
    for t, token in enumerate(tokens):
        runner.step(prev, cond[t] + runner.lookback_row(t, tokens, steps_per_bar, pad), state)
        prev = token
    total_logp = 0.0
    generated = 0
    for t in range(len(tokens), n_steps):
        row = cond[t] + runner.lookback_row(t, tokens, steps_per_bar, pad)
        raw = runner.step(prev, row, state).astype(np.float64)
        preferred = raw if bias is None else raw + bias
        masked = preferred
        if static_mask is not None:
            masked = masked + (static_mask[t] if static_mask.ndim == 2 else static_mask)
            if untrimmed is not None:
                masked = _keep_group_mass(preferred, masked, ~untrimmed)
        if dynamic_mask is not None:
            extra = dynamic_mask(t, tokens)
            if extra is not None:
                masked = masked + extra
        if not np.isfinite(masked).any():
            raise ControlError("constraints", f"the constraints leave no possible token at step {t}")
        token = draw(masked, options, rng, untrimmed)
        top = raw.max()
        total_logp += raw[token] - top - np.log(np.exp(raw - top).sum())
        generated += 1
        tokens.append(token)
        prev = token
    return tokens, (total_logp / generated if generated else 0.0)


def step_runner(model: ConditionedLSTM) -> StepLSTM:
    """The model's StepLSTM, built once and cached on the model (rebuilt if weights change)."""
    version = sum(p._version for p in model.parameters())
    cached: tuple[int, StepLSTM] | None = getattr(model, "_step_runner", None)
    if cached is None or cached[0] != version:
        cached = (version, StepLSTM(model))
        object.__setattr__(model, "_step_runner", cached)
    return cached[1]


@torch.inference_mode()
def sequence_log_likelihood(
    model: ConditionedLSTM, conditions: dict[str, torch.Tensor], tokens: list[int], bos: int, skip: int = 0
) -> float:
    """Mean log-probability per step of ``tokens`` (teacher forcing), ignoring the first ``skip``."""
    model.eval()
    if len(tokens) <= skip:
        return 0.0
    inputs = torch.tensor([[bos, *tokens[:-1]]], dtype=torch.long)
    logits, _ = model.run(inputs, model.condition_inputs(conditions))
    logp = torch.log_softmax(logits[0].double(), dim=-1)
    picked = logp[torch.arange(len(tokens)), torch.tensor(tokens)]
    return float(picked[skip:].mean())
