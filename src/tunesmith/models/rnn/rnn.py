"""A conditioned LSTM language model: the melody model and the chord-progression model.

One small model, two configurations. At step t the LSTM reads the previous token's embedding
concatenated with embeddings of the step's conditions (for melodies: the chord sounding, the
position in the bar, the bar in the strain; for chords: the beat in the bar and the bar in the
phrase), of the sequence's conditions (meter, mode, style) and of its lookbacks (for melodies: its
own tokens 1, 2, 4 and 8 bars earlier, which carry the tune's form), and predicts token t.

Batches are dicts of int64 tensors: ``inputs`` (B, T) = BOS + tokens[:-1], ``targets`` (B, T)
(PAD = 0 is ignored by the loss), one (B, T) tensor per step condition and one (B,) tensor per
sequence condition, named as in the config.

Generation runs the LSTM one step at a time with its cached (h, c) state; the condition
embeddings of all steps are computed once up front (:meth:`ConditionedLSTM.condition_inputs`), so a
step costs one embedding lookup, one LSTM step and one linear layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from tunesmith.tokens import chords as chord_tokens
from tunesmith.tokens import melody as melody_tokens

State = tuple[torch.Tensor, torch.Tensor]


@dataclass
class LSTMConfig:
    """Sizes of a ConditionedLSTM. Conditions are (name, vocabulary size, embedding size)."""

    vocab_size: int
    step_conditions: list[tuple[str, int, int]] = field(default_factory=list)
    sequence_conditions: list[tuple[str, int, int]] = field(default_factory=list)
    lookback_conditions: list[tuple[str, int, int]] = field(default_factory=list)
    """(name, bars back, embedding size): the model's own token that many bars earlier, embedded
    with a table of ``vocab_size`` rows (PAD before the start). Generation fills them in as it goes."""
    d_token: int = 64
    hidden: int = 256
    layers: int = 2
    dropout: float = 0.1
    pad_id: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> LSTMConfig:
        """Rebuild from ``dataclasses.asdict`` output (checkpoints store lists, not tuples)."""
        values = dict(data)
        for key in ("step_conditions", "sequence_conditions", "lookback_conditions"):
            values[key] = [tuple(c) for c in values.get(key, [])]  # type: ignore[attr-defined]
        return cls(**values)  # type: ignore[arg-type]

    @property
    def static_dim(self) -> int:
        """Width of the step and sequence condition embeddings (the lookbacks follow them)."""
        return sum(dim for _, _, dim in self.step_conditions + self.sequence_conditions)


def melody_config(size: str = "default") -> LSTMConfig:
    """The melody model: events of :mod:`tunesmith.tokens.melody` given chord, bar position,
    bar in the strain, the events 1/2/4/8 bars back, meter, mode and style. ``size`` 'debug' builds
    a tiny model for tests."""
    # 'default' is sized to learn the whole folk/song corpus in about 40 minutes on 2 CPU cores.
    hidden, layers, d_token = {"default": (128, 2, 48), "large": (256, 2, 64), "debug": (24, 1, 8)}[size]
    cond = 8 if size == "debug" else 16
    return LSTMConfig(
        vocab_size=melody_tokens.N_EVENTS,
        step_conditions=[
            ("chords", chord_tokens.N_CHORD_CLASSES, 2 * cond),
            ("positions", melody_tokens.MAX_STEPS_PER_BAR, cond),
            ("phrase", melody_tokens.PHRASE_BARS, cond // 2),
        ],
        lookback_conditions=[
            (melody_tokens.lookback_name(bars), bars, cond) for bars in melody_tokens.LOOKBACK_BARS
        ],
        sequence_conditions=[
            ("meter", len(chord_tokens.METERS), cond // 2),
            ("mode", len(melody_tokens.MODES), cond // 2),
            ("style", len(melody_tokens.STYLES), cond // 2),
        ],
        d_token=d_token,
        hidden=hidden,
        layers=layers,
        dropout=0.0 if size == "debug" else 0.1,
        pad_id=melody_tokens.PAD,
    )


class ConditionedLSTM(nn.Module):
    """Token LSTM with categorical per-step and per-sequence conditions (nanoGPT-style)."""

    def __init__(self, config: LSTMConfig) -> None:
        super().__init__()
        self.config = config
        self.token_emb = nn.Embedding(config.vocab_size, config.d_token)
        conds = config.step_conditions + config.sequence_conditions
        self.cond_embs = nn.ModuleDict({name: nn.Embedding(size, dim) for name, size, dim in conds})
        for name, _, dim in config.lookback_conditions:
            self.cond_embs[name] = nn.Embedding(config.vocab_size, dim)
        d_cond = config.static_dim + sum(dim for _, _, dim in config.lookback_conditions)
        self.lstm = nn.LSTM(
            config.d_token + d_cond,
            config.hidden,
            config.layers,
            batch_first=True,
            dropout=config.dropout if config.layers > 1 else 0.0,
        )
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden, config.vocab_size)

    def condition_inputs(self, conditions: dict[str, torch.Tensor], lookbacks: bool = True) -> torch.Tensor:
        """Concatenated condition embeddings (B, T, d_cond) from step tensors (B, T) and sequence
        tensors (B,); with ``lookbacks`` False only the static part (B, T, static_dim), which
        generation completes step by step."""
        step = [self.cond_embs[name](conditions[name]) for name, _, _ in self.config.step_conditions]
        T = step[0].shape[1]
        seq = [
            self.cond_embs[name](conditions[name]).unsqueeze(1).expand(-1, T, -1)
            for name, _, _ in self.config.sequence_conditions
        ]
        back = (
            [self.cond_embs[name](conditions[name]) for name, _, _ in self.config.lookback_conditions]
            if lookbacks
            else []
        )
        return torch.cat(step + seq + back, dim=-1)

    def forward(
        self,
        inputs: torch.Tensor,
        targets: torch.Tensor | None = None,
        state: State | None = None,
        **conditions: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(logits (B, T, vocab), mean cross-entropy over non-PAD targets or None)."""
        x = torch.cat([self.token_emb(inputs), self.condition_inputs(conditions)], dim=-1)  # (B, T, d_in)
        out, _ = self.lstm(self.drop(x), state)  # (B, T, hidden)
        logits = self.head(self.drop(out))  # (B, T, vocab)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=self.config.pad_id
            )
        return logits, loss

    def run(
        self, inputs: torch.Tensor, cond: torch.Tensor, state: State | None = None
    ) -> tuple[torch.Tensor, State]:
        """Logits (B, T, vocab) and the final state, given precomputed condition inputs (B, T, d_cond)."""
        x = torch.cat([self.token_emb(inputs), cond], dim=-1)
        out, new_state = self.lstm(x, state)
        return self.head(out), new_state

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
