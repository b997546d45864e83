"""Training recipes for the melody and chord LSTMs: which data, which model, which loop.

Data come from the built-in corpus (default: the Nottingham tunes, the collection with chord
symbols) or from the user's own files and folders (MIDI, MusicXML, ABC with chord symbols).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from tunesmith.corpus.load import load_corpus
from tunesmith.errors import ControlError, InputFileError
from tunesmith.io import READ_SUFFIXES, load
from tunesmith.models.checkpoint import load_checkpoint
from tunesmith.models.rnn.chord_corpus import CHORD_CORPUS, labelled_scores
from tunesmith.models.rnn.chords import chord_config
from tunesmith.models.rnn.data import Dataset, chord_dataset, melody_dataset
from tunesmith.models.rnn.rnn import ConditionedLSTM, melody_config
from tunesmith.models.train import TrainConfig, TrainResult, train
from tunesmith.paths import data_dir
from tunesmith.score import Score
from tunesmith.theory.chordrec import chords_per_bar
from tunesmith.tokens import chords as ct
from tunesmith.tokens import melody as mt

DEFAULT_CORPUS = ("nottingham",)
MELODY_CORPUS = (
    "nottingham", "oneills1850", "ryansMammoth", "airdsAirs", "miscFolk", "chinese-folk", "bach", "essen",
)
"""The melody model learns every folk and song collection, each piece conditioned on its style
(tunesmith.tokens.melody.style_of); pieces without chord symbols get recognised ones."""
KINDS = ("melody", "chords")


def input_scores(paths: Sequence[str | Path]) -> Iterator[Score]:
    """Every piece in the given files and (recursively) folders, in sorted order."""
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputFileError(path, "no such file or folder")
        files = [path]
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in READ_SUFFIXES)
        for file in files:
            yield from load(file)


MELODY_THINNING = {"essen": 3}
"""Collections of which the melody model reads every n-th piece: Essen's 7,238 short German songs
would otherwise outnumber the dance tunes two to one and double the training time."""


def corpus_scores(
    names: Sequence[str] | None, limit: int | None = None, thinning: dict[str, int] | None = None
) -> Iterator[Score]:
    corpus = load_corpus(list(names or DEFAULT_CORPUS))
    every = thinning or {}
    seen: dict[str, int] = {}
    for i in range(len(corpus) if limit is None else min(limit, len(corpus))):
        collection = corpus.pieces[i].collection
        seen[collection] = seen.get(collection, 0) + 1
        if (seen[collection] - 1) % every.get(collection, 1) == 0:
            yield corpus[i]


def training_inputs(
    kind: str,
    *,
    epochs: int,
    out: Path | None,
    inputs: Sequence[Path] | None,
    corpus: Sequence[str] | None,
    limit: int | None,
) -> tuple[Path, list[Score], list[str]]:
    """Check the options shared by the `tunesmith train` commands and gather the pieces:
    (checkpoint path, scores, their sources). ``inputs`` win over ``corpus`` (default nottingham;
    for the chord model every collection that shows a style's harmony, labelled by
    tunesmith.models.rnn.chord_corpus)."""
    if epochs < 1:
        raise ControlError("epochs", f"must be at least 1, got {epochs}")
    target = out or (data_dir() / "checkpoints" / f"{kind}.pt")
    if not target.parent.is_dir():
        raise ControlError("out", f"{target}: folder {target.parent} does not exist")
    if inputs:
        scores = list(input_scores(inputs))
        sources = [str(p) for p in inputs]
    else:
        if corpus is None and kind == "chords":
            corpus = list(CHORD_CORPUS)
        names = list(corpus or (MELODY_CORPUS if kind == "melody" else DEFAULT_CORPUS))
        scores = list(corpus_scores(names, limit, MELODY_THINNING if kind == "melody" else None))
        sources = ["corpus:" + name for name in names]
    if kind == "chords":
        scores = list(labelled_scores(scores))
    return target, scores[:limit] if limit is not None else scores, sources


def label_missing_chords(scores: Sequence[Score] | Iterator[Score]) -> Iterator[Score]:
    """Pieces without chord symbols get one recognised chord per bar (tunesmith.theory.chordrec),
    so melody-only collections (Essen, O'Neill's) can train the chord-conditioned models."""
    for score in scores:
        if not score.chords and score.notes():
            score.chords = chords_per_bar(score)
        yield score


def build_dataset(kind: str, scores: Sequence[Score] | Iterator[Score], debug: bool = False) -> Dataset:
    if kind == "melody":
        labelled = label_missing_chords(scores)
        return melody_dataset(labelled, length=32 if debug else 256, stride=32 if debug else 192)
    return chord_dataset(scores, length=16 if debug else 64, stride=16 if debug else 48)


def build_model(kind: str, size: str) -> ConditionedLSTM:
    return ConditionedLSTM(melody_config(size) if kind == "melody" else chord_config(size))


def vocabulary(kind: str) -> dict[str, object]:
    vocab = mt.vocabulary()
    if kind == "chords":
        vocab = {
            "chord_tokens": {"PAD": ct.PAD, "BOS": ct.BOS, "NC": ct.NC, "base": ct.CHORD_TOKEN_BASE,
                             "n_tokens": ct.N_CHORD_TOKENS},
            "qualities": list(ct.QUALITY_CLASSES), "meters": list(ct.METERS),
            "modes": list(mt.MODES), "styles": list(mt.STYLES),
        }  # fmt: skip
    return vocab


def fit(
    kind: str,
    scores: Sequence[Score] | Iterator[Score],
    out: str | Path,
    *,
    size: str = "default",
    config: TrainConfig | None = None,
    resume: bool = False,
    sources: Sequence[str] = (),
    log: Callable[[str], None] | None = None,
    plot: str | Path | None = None,
) -> tuple[TrainResult, Dataset]:
    """Tokenise ``scores``, build the ``kind`` model of ``size`` and train it into ``out``."""
    data = build_dataset(kind, scores, debug=size == "debug")
    data.info["sources"] = list(sources)
    if log is not None:
        pieces, tokens = data.info["pieces"], data.info["tokens"]
        log(
            f"{kind}: {pieces['train']} training / {pieces['val']} validation pieces, "
            f"{tokens['train']} / {tokens['val']} tokens"
        )
    if resume and Path(out).is_file():
        loaded, _ = load_checkpoint(out, kind)  # the exact architecture the run started with
        assert isinstance(loaded, ConditionedLSTM)
        model = loaded
    else:
        model = build_model(kind, size)
    result = train(
        model, data.train, data.val, out, kind=kind, architecture="conditioned_lstm",
        vocab=vocabulary(kind), config=config, resume=resume, data_info=data.info, log=log, plot=plot,
    )  # fmt: skip
    return result, data
