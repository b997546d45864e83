import itertools
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import torch

from tunesmith.errors import ControlError, CorruptFileError, InputFileError, ModelError
from tunesmith.models.checkpoint import bare_checkpoint, save_checkpoint
from tunesmith.models.checkpoint import load_poly as load_model
from tunesmith.models.poly import harmonize as H
from tunesmith.models.poly.data import legal_shifts, load_mat, pad_batch, transpose_roll
from tunesmith.models.poly.poly import PolyConfig, PolyModel, frame_nll
from tunesmith.models.poly.train import (
    PolySteps,
    PolyTrainConfig,
    bench_nll,
    evaluate_mixture_nll,
    evaluate_nll,
    train_poly,
)
from tunesmith.score import Note, Score, Track

TINY = {"lstm_size": 12, "lstm_layers": 2, "made_size": 24, "made_layers": 2, "dropout": 0.1}


def _rolls(rng: np.random.Generator, n: int, keys: int) -> list[np.ndarray]:
    out = []
    for _ in range(n):
        T = int(rng.integers(5, 14))
        roll = np.zeros((T, keys), dtype=np.uint8)
        for t in range(T):  # a chord of 3 keys near the middle, like a chorale in miniature
            base = int(rng.integers(keys // 3, keys // 2))
            roll[t, [base, base + 4, base + 7]] = 1
        out.append(roll)
    return out


def write_mat(path: Path, keys: int = 88, seed: int = 0, sizes: tuple[int, int, int] = (6, 3, 3)) -> Path:
    rng = np.random.default_rng(seed)
    cells = {}
    for name, n in zip(("traindata", "validdata", "testdata"), sizes, strict=True):
        cell = np.empty((1, n), dtype=object)
        for i, r in enumerate(_rolls(rng, n, keys)):
            cell[0, i] = r
        cells[name] = cell
    scipy.io.savemat(path, cells)
    return path


def _seq_nll(model: PolyModel, roll: np.ndarray) -> torch.Tensor:
    frames = torch.tensor(roll, dtype=torch.float32)[None]
    logits, _ = model(frames)
    return frame_nll(logits, frames, None)[0]


def test_frame_distribution_sums_to_one_over_all_vectors() -> None:
    torch.manual_seed(0)
    model = PolyModel(PolyConfig(n_keys=6, **TINY)).eval()
    # Push the weights away from zero so the test is not passed by a near-uniform model.
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3.0)
    every = torch.tensor(list(itertools.product([0.0, 1.0], repeat=6)))  # (64, 6)
    history = (torch.rand(1, 4, 6) > 0.5).float()
    with torch.no_grad():
        for t in range(5):
            frames = torch.cat([history[:, :t].expand(64, -1, -1), every[:, None]], dim=1)
            logits, _ = model(frames)
            probs = torch.exp(-frame_nll(logits, frames, None)[:, -1].double())
            assert abs(float(probs.sum()) - 1.0) < 1e-5
            assert float(probs.max()) > 2 / 64  # not uniform


def test_frame_t_depends_only_on_earlier_frames() -> None:
    torch.manual_seed(1)
    model = PolyModel(PolyConfig(n_keys=10, **TINY)).eval()
    roll = (np.random.default_rng(1).random((7, 10)) > 0.6).astype(np.uint8)
    base = _seq_nll(model, roll)
    changed = roll.copy()
    changed[4] = 1 - changed[4]
    after = _seq_nll(model, changed)
    assert torch.allclose(base[:4], after[:4])
    assert not torch.allclose(base[4:], after[4:])


def test_padding_frames_are_not_counted() -> None:
    torch.manual_seed(2)
    model = PolyModel(PolyConfig(n_keys=10, **TINY)).eval()
    rng = np.random.default_rng(2)
    a = (rng.random((3, 10)) > 0.5).astype(np.uint8)
    b = (rng.random((8, 10)) > 0.5).astype(np.uint8)
    frames, mask = pad_batch([a, b])
    frames[0, 3:] = 1.0  # garbage in the padding must not matter
    with torch.no_grad():
        _, loss = model(frames, mask)
        expected = (_seq_nll(model, a).sum() + _seq_nll(model, b).sum()) / 11
        nll, count = evaluate_nll(model, [a, b])
    assert count == 11
    assert torch.allclose(loss, expected, atol=1e-5)
    assert nll == pytest.approx(float(expected), abs=1e-5)


def test_mixture_of_models_is_an_exact_distribution() -> None:
    torch.manual_seed(4)
    a = PolyModel(PolyConfig(n_keys=6, **TINY)).eval()
    b = PolyModel(PolyConfig(n_keys=6, **TINY)).eval()
    with torch.no_grad():
        for p in b.parameters():
            p.mul_(3.0)
    history = (np.random.default_rng(4).random((2, 6)) > 0.5).astype(np.uint8)
    total = 0.0
    for bits in itertools.product([0, 1], repeat=6):
        seq = np.vstack([history, np.array(bits, dtype=np.uint8)[None]])
        with_frame, _ = evaluate_mixture_nll([a, b], [seq])
        before, _ = evaluate_mixture_nll([a, b], [history])
        total += float(np.exp(-(with_frame * 3 - before * 2)))  # p(last frame | history)
    assert total == pytest.approx(1.0, abs=1e-5)
    rng = np.random.default_rng(5)
    seqs = [(rng.random((int(rng.integers(3, 9)), 6)) > 0.6).astype(np.uint8) for _ in range(4)]
    na, nb = evaluate_nll(a, seqs)[0], evaluate_nll(b, seqs)[0]
    assert evaluate_mixture_nll([a, a], seqs)[0] == pytest.approx(na, abs=1e-6)
    assert evaluate_mixture_nll([a, b], seqs)[0] <= (na + nb) / 2 + 1e-9  # Jensen


def test_load_mat_reads_the_layout(tmp_path: Path) -> None:
    data = load_mat(write_mat(tmp_path / "x.mat", keys=20))
    assert [len(data[s]) for s in ("traindata", "validdata", "testdata")] == [6, 3, 3]
    assert data["traindata"][0].shape[1] == 20
    assert data["traindata"][0].dtype == np.uint8


def test_load_mat_rejects_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        load_mat(tmp_path / "missing.mat")
    junk = tmp_path / "junk.mat"
    junk.write_text("not a matlab file")
    with pytest.raises(CorruptFileError, match=r"junk\.mat"):
        load_mat(junk)
    one = np.empty((1, 1), dtype=object)
    one[0, 0] = np.ones((3, 4), dtype=np.uint8)
    scipy.io.savemat(tmp_path / "nokey.mat", {"traindata": one, "validdata": one})
    with pytest.raises(CorruptFileError, match="missing 'testdata'"):
        load_mat(tmp_path / "nokey.mat")
    scipy.io.savemat(tmp_path / "flat.mat", {"traindata": np.ones((3, 4)), "validdata": one, "testdata": one})
    with pytest.raises(CorruptFileError, match="not a 1×N cell"):
        load_mat(tmp_path / "flat.mat")
    bad = np.empty((1, 1), dtype=object)
    bad[0, 0] = np.full((3, 4), 2, dtype=np.uint8)
    scipy.io.savemat(tmp_path / "values.mat", {"traindata": bad, "validdata": one, "testdata": one})
    with pytest.raises(CorruptFileError, match="other than 0 and 1"):
        load_mat(tmp_path / "values.mat")
    wide = np.empty((1, 1), dtype=object)
    wide[0, 0] = np.ones((3, 5), dtype=np.uint8)
    scipy.io.savemat(tmp_path / "keys.mat", {"traindata": one, "validdata": wide, "testdata": one})
    with pytest.raises(CorruptFileError, match="5 keys"):
        load_mat(tmp_path / "keys.mat")


def test_transposition_keeps_every_note() -> None:
    roll = np.zeros((2, 10), dtype=np.uint8)
    roll[0, 2] = roll[1, 7] = 1
    shifts = legal_shifts(roll, 4)
    assert shifts == [-2, -1, 0, 1, 2]
    moved = transpose_roll(roll, -2)
    assert moved[0, 0] == 1 and moved[1, 5] == 1 and moved.sum() == 2


def test_train_save_load_score_and_resume(tmp_path: Path) -> None:
    data = load_mat(write_mat(tmp_path / "tiny.mat", keys=16))
    torch.manual_seed(0)
    model = PolyModel(PolyConfig(n_keys=16, **TINY))
    ckpt = tmp_path / "m.pt"
    cfg = PolyTrainConfig(epochs=4, batch_size=2, bptt=4, max_transpose=1, lr=1e-2, progress=False)
    first, _ = evaluate_nll(model, data["validdata"])
    res = bench_nll(data, model, ckpt, cfg)
    assert res.valid_nll < first  # it learned something
    loaded, stored = load_model(ckpt)
    assert stored["format"] == 1 and stored["architecture"] == "poly" and "extra" not in stored
    assert stored["test_nll"] == pytest.approx(res.test_nll) and stored["epochs_run"] == 4
    assert stored["epoch"] == res.train.best_epoch and stored["best_val"] == pytest.approx(res.valid_nll)
    assert stored["train_config"]["bptt"] == 4 and stored["history"][0]["epoch"] == 1.0
    test, frames = evaluate_nll(loaded, data["testdata"])
    assert test == pytest.approx(res.test_nll, abs=1e-6)
    assert frames == sum(len(r) for r in data["testdata"])
    assert loaded.config == model.config
    assert (tmp_path / "m.loss.png").is_file()
    # Resume: the weights, the AdamW moments (stored as bfloat16), the step and epoch carry on.
    assert stored["optimizer"]["state"][0]["exp_avg"].dtype == torch.bfloat16
    more_cfg = PolyTrainConfig(epochs=res.train.best_epoch + 1, batch_size=2, bptt=4, progress=False)
    log: list[str] = []
    more = train_poly(PolyModel(PolyConfig(n_keys=16, **TINY)), data["traindata"], data["validdata"], ckpt,
                      more_cfg, resume=True, log=log.append)  # fmt: skip
    assert log[0].startswith(f"resumed from {ckpt} at epoch {res.train.best_epoch}, step {stored['step']}")
    assert [h["epoch"] for h in more.history][-1] == res.train.best_epoch + 1
    assert more.steps == stored["step"] + 3  # 6 pieces in batches of 2: one more epoch


def test_learning_rate_halves_after_a_plateau_and_never_below_min_lr() -> None:
    model = PolyModel(PolyConfig(n_keys=6, **TINY))
    steps = PolySteps(model, PolyTrainConfig(lr=1e-3, lr_patience=2, min_lr=3e-4))
    lrs = []
    for improved in (True, False, False, True, False, False, False, False):
        steps.judged(improved)
        lrs.append(steps.optimizer.param_groups[0]["lr"])
    assert lrs == pytest.approx([1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 3e-4, 3e-4, 3e-4])


def test_load_model_rejects_other_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "none.pt")
    other = tmp_path / "other.pt"
    torch.save({"kind": "melody"}, other)
    with pytest.raises(ModelError, match="not a tunesmith checkpoint"):
        load_model(other)
    torch.save({"kind": "melody", "model": {}, "config": {}}, other)
    with pytest.raises(ModelError, match="holds a 'melody' model, expected 'poly'"):
        load_model(other)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"garbage")
    with pytest.raises(ModelError, match="not a readable checkpoint"):
        load_model(junk)


# ---- harmonizer -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_harmonizer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(3)
    model = PolyModel(PolyConfig(n_keys=88, **TINY))
    path = tmp_path_factory.mktemp("h") / "harmonizer.pt"
    save_checkpoint(path, bare_checkpoint("poly", "poly", model))
    return path


def _melody() -> Score:
    spec = [(67, 0, 480), (69, 480, 480), (71, 960, 240),
            (72, 1300, 100),  # a short note starting between two frame starts, after a rest
            (74, 1440, 960),  # then a rest of two frames
            (72, 2880, 480), (71, 3360, 480), (69, 3840, 240), (67, 4080, 720)]
    return Score(tracks=[Track("melody", 73, False, [Note(p, s, d, 90) for p, s, d in spec])])


def _check_voices(out: Score, melody: Score) -> None:
    assert [t.name for t in out.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    sop = [(n.pitch, n.start, n.duration, n.velocity) for n in out.tracks[0].notes]
    assert sop == [(n.pitch, n.start, n.duration, n.velocity) for n in melody.tracks[0].notes]
    for track, (_, lo, hi, _gap) in zip(out.tracks[1:], H.VOICES, strict=True):
        assert track.notes
        assert all(lo <= n.pitch <= hi for n in track.notes)

    def at(track: Track, tick: int) -> int | None:
        return next((n.pitch for n in track.notes if n.start <= tick < n.end), None)

    # At every eighth-note frame the lower voices sound below the soprano's frame pitch, in order.
    pitches, _ = H.soprano_frames(melody.tracks[0].notes)
    assert list(pitches[5:13]) == [72, 74, 74, 74, 74, -1, -1, 72]
    for f, s in enumerate(pitches):
        lower = [at(t, f * H.FRAME_TICKS) for t in out.tracks[1:]]
        if s < 0:
            assert lower == [None, None, None]
        else:
            assert None not in lower
            assert s > lower[0] > lower[1] > lower[2]  # type: ignore[operator]


def test_harmonize_keeps_soprano_and_fills_three_voices(tiny_harmonizer: Path) -> None:
    melody = _melody()
    out = H.harmonize(melody, seed=1, checkpoint=tiny_harmonizer, engine="model")
    _check_voices(out, melody)
    again = H.harmonize(melody, seed=1, checkpoint=tiny_harmonizer, engine="model")
    assert [[(n.pitch, n.start) for n in t.notes] for t in again.tracks] == \
        [[(n.pitch, n.start) for n in t.notes] for t in out.tracks]
    other = H.harmonize(melody, seed=2, checkpoint=tiny_harmonizer, engine="model")
    lower = [[n.pitch for n in t.notes] for t in out.tracks[1:]]
    assert [[n.pitch for n in t.notes] for t in other.tracks[1:]] != lower


def test_voice_ranges_move_down_for_a_low_melody_and_refuse_an_impossible_one() -> None:
    assert H._voice_ranges(72)[0] == (53, 74, 12)
    low = H._voice_ranges(50)
    assert low[0][0] < 50
    with pytest.raises(ControlError, match="cannot place"):
        H._voice_ranges(24)


def test_harmonize_needs_a_checkpoint_and_notes(tmp_path: Path, tiny_harmonizer: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        H.harmonize(_melody(), checkpoint=tmp_path / "nope.pt", engine="model")
    with pytest.raises(ControlError, match="no pitched notes"):
        H.harmonize(Score(tracks=[Track("empty")]), checkpoint=tiny_harmonizer, engine="model")


@pytest.mark.slow
def test_shipped_harmonizer_writes_a_chorale() -> None:
    assert H.DEFAULT_CHECKPOINT.is_file()
    melody = _melody()
    out = H.harmonize(melody, seed=0, engine="model")
    _check_voices(out, melody)


def test_a_shipped_config_reads_into_the_one_train_config() -> None:
    # Written before the configs were unified: 'clip', and max_minutes 0.0 for 'no limit'.
    old = {"epochs": 150, "batch_size": 8, "clip": 5.0, "bptt": 0, "max_minutes": 0.0, "eval_batch_size": 32}
    cfg = PolyTrainConfig.from_saved(old)
    assert (cfg.grad_clip, cfg.max_minutes, cfg.epochs, cfg.batch_size) == (5.0, None, 150, 8)
    assert PolyTrainConfig.from_saved({"clip": 1.0, "max_minutes": 44.0}).max_minutes == 44.0
    assert PolyTrainConfig.from_saved(asdict(cfg)) == cfg  # a new one reads back as written
    _, ckpt = load_model(H.DEFAULT_CHECKPOINT)
    assert "clip" in ckpt["train_config"] and ckpt["optimizer"]["state"]


def test_a_shipped_checkpoint_resumes_in_the_one_loop(tmp_path: Path) -> None:
    """The shipped harmonizer (converted to the loop's layout) continues training from its epoch
    with its optimiser state."""
    shipped = tmp_path / "harmonizer.pt"
    shipped.write_bytes(H.DEFAULT_CHECKPOINT.read_bytes())
    _, ckpt = load_model(shipped)
    rng = np.random.default_rng(0)
    rolls = [r.astype(np.uint8) for r in _rolls(rng, 3, 88)]
    cfg = PolyTrainConfig(epochs=int(ckpt["epoch"]) + 1, batch_size=4, bptt=4, progress=False)
    log: list[str] = []
    res = train_poly(load_model(shipped)[0], rolls[:2], rolls[2:], shipped, cfg, resume=True, log=log.append)
    assert log[0].startswith(f"resumed from {shipped} at epoch {ckpt['epoch']}")
    assert res.history[:-1] == ckpt.get("history", []) and res.history[-1]["epoch"] == ckpt["epoch"] + 1
