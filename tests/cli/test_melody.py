"""`tunesmith train melody|chords`, `generate melody|chords` and `continue` with debug-size models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tunesmith.cli import groups, melody
from tunesmith.io import load_one

DATA = Path(__file__).resolve().parent.parent / "data"

app = typer.Typer()
groups.register(app)
melody.register(app)


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    return result.output


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("ckpt")
    for kind in ("melody", "chords"):
        out = invoke("train", kind, "--input", str(DATA / "tunes.abc"),
                     "--input", str(DATA / "melody_chords.mid"), "--size", "debug", "--epochs", "2",
                     "--batch-size", "4", "--output", str(folder / f"{kind}.pt"), "--no-progress")
        assert "epoch 2:" in out and "best validation loss" in out
        assert (folder / f"{kind}.loss.png").is_file()
    return folder / "melody.pt", folder / "chords.pt"


def test_generate_melody_writes_a_reproducible_midi_file(
    checkpoints: tuple[Path, Path], tmp_path: Path
) -> None:
    mel, _ = checkpoints
    args = ["generate", "melody", "--chords", "C Am F G", "--bars", "8", "--style", "folk", "--key", "G",
            "--seed", "1", "--checkpoint", str(mel), "--low", "60", "--high", "84"]
    invoke(*args, "-o", str(tmp_path / "a.mid"))
    invoke(*args, "-o", str(tmp_path / "b.mid"))
    assert (tmp_path / "a.mid").read_bytes() == (tmp_path / "b.mid").read_bytes()
    score = load_one(tmp_path / "a.mid")
    notes = score.tracks[0].notes
    assert notes and all(60 <= n.pitch <= 84 for n in notes)
    assert max(n.end for n in notes) <= 8 * 1920
    assert [c.figure for c in score.chords[:5]] == ["C", "Am", "F", "G", "C"]  # the chords cycle
    assert score.key_signatures[0].fifths == 1
    invoke(*args[:-6], "--seed", "2", "--checkpoint", str(mel), "-o", str(tmp_path / "c.mid"))
    assert (tmp_path / "c.mid").read_bytes() != (tmp_path / "a.mid").read_bytes()


def test_generate_chords_prints_bars_with_cadences(checkpoints: tuple[Path, Path], tmp_path: Path) -> None:
    _, chords = checkpoints
    out = invoke("generate", "chords", "--style", "folk", "--mode", "minor", "--bars", "16", "--key", "Am",
                 "--checkpoint", str(chords))
    bars = [b.split() for b in out.strip().strip("|").split("|")]
    assert len(bars) == 16
    assert bars[0][0] == "Am" and bars[-1] == ["Am"] and bars[7] == ["Am"]
    assert set(bars[3]) <= {"E", "E7"} and set(bars[11]) <= {"E", "E7"}  # half cadences on V
    invoke("generate", "chords", "--bars", "4", "--meter", "6/8", "--checkpoint", str(chords),
           "-o", str(tmp_path / "ch.mid"))
    score = load_one(tmp_path / "ch.mid")
    assert score.chords and score.tracks[0].notes


def test_continue_keeps_the_primer_and_adds_bars(checkpoints: tuple[Path, Path], tmp_path: Path) -> None:
    mel, chords = checkpoints
    primer = load_one(DATA / "melody_chords.mid")
    invoke("continue", str(DATA / "melody_chords.mid"), "--bars", "4", "--seed", "3",
           "--checkpoint", str(mel), "--chord-checkpoint", str(chords), "-o", str(tmp_path / "out.mid"))
    out = load_one(tmp_path / "out.mid")
    original = [(n.pitch, n.start, n.duration) for n in primer.tracks[0].notes]
    merged = [(n.pitch, n.start, n.duration) for n in out.tracks[0].notes]
    assert merged[: len(original)] == original
    assert len(merged) > len(original)
    assert max(n.end for n in out.tracks[0].notes) <= primer.tracks[0].notes[-1].end + 4 * 1920


def run(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "tunesmith", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
def test_bad_input_exits_1_with_a_clear_message(checkpoints: tuple[Path, Path]) -> None:
    mel, chords = checkpoints
    bad_chord = run("generate", "melody", "--chords", "C Xm7", "--checkpoint", str(mel))
    assert bad_chord.returncode == 1 and "bad chord symbol 'Xm7'" in bad_chord.stderr
    assert "Traceback" not in bad_chord.stderr
    bad_model = run("generate", "melody", "--model", "transformer", "--checkpoint", str(mel))
    assert bad_model.returncode == 1 and "unknown melody model 'transformer'" in bad_model.stderr
    assert "rnn" in bad_model.stderr
    bad = run("generate", "chords", "--style", "metal", "--checkpoint", str(chords))
    assert bad.returncode == 1 and "unknown style 'metal'" in bad.stderr and "folk" in bad.stderr


def test_generate_melody_never_hands_back_a_copied_run(
    checkpoints: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The raw model's output passes the composer's copy guard: here the "corpus" holds the very
    melody seed 1 draws, so that draw is rejected and another seed's melody is written."""
    from tunesmith.compose import engines
    from tunesmith.evaluate.originality import OriginalityIndex, longest_copied_run
    from tunesmith.score import Score, Track

    mel, _ = checkpoints
    args = ["generate", "melody", "--bars", "16", "--seed", "1", "--candidates", "1",
            "--checkpoint", str(mel)]
    invoke(*args, "-o", str(tmp_path / "free.mid"))
    drawn = load_one(tmp_path / "free.mid").tracks[0].notes
    corpus = OriginalityIndex.from_scores([Score(tracks=[Track("melody", notes=list(drawn))])], ["tune"])
    monkeypatch.setattr(engines, "copied_run", lambda notes: tuple(longest_copied_run(notes, corpus)))
    out = invoke(*args, "-o", str(tmp_path / "guarded.mid"))
    guarded = load_one(tmp_path / "guarded.mid").tracks[0].notes
    assert len(drawn) > 12
    assert "earlier draws copied the corpus" in out or "copied runs broken" in out
    assert longest_copied_run(guarded, corpus).length <= 11


def test_generate_melody_keeps_the_draft_the_style_critic_likes(
    checkpoints: tuple[Path, Path], tmp_path: Path, private_home: Path
) -> None:
    """--candidates N draws N guarded drafts; the style's melody critic (tunesmith.compose.critic,
    entry "melody:<style>") keeps the one it rates highest; without a critic, the first draft."""
    from tunesmith.compose.critic import SHIPPED_PATH, melody_critic_name, read

    assert melody_critic_name("waltz") not in read(SHIPPED_PATH)
    import numpy as np

    from tunesmith.compose import critic
    from tunesmith.evaluate.line_features import FEATURES

    mel, _ = checkpoints
    # waltz: no melody critic is shipped for it (folk's would rank the drafts already)
    args = ["generate", "melody", "--chords", "C Am F G", "--bars", "8", "--style", "waltz", "--key", "G",
            "--seed", "3", "--checkpoint", str(mel)]
    counts = []
    for k in range(4):  # the drafts ranked: seeds 3, 4, 5, 6 one at a time
        invoke(*args[:-4], "--seed", str(3 + k), "--checkpoint", str(mel), "--candidates", "1",
               "-o", str(tmp_path / f"d{k}.mid"))
        counts.append(len(load_one(tmp_path / f"d{k}.mid").tracks[0].notes))
    invoke(*args, "--candidates", "4", "-o", str(tmp_path / "first.mid"))  # no critic yet: the first
    assert (tmp_path / "first.mid").read_bytes() == (tmp_path / "d0.mid").read_bytes()
    assert len(set(counts)) > 1
    density = FEATURES.index("notes_per_quarter")
    size = 2 * len(FEATURES)
    for sign, pick in ((1.0, max), (-1.0, min)):
        weights = np.zeros(size + 1)
        weights[density] = sign
        liked = critic.StyleCritic(critic.melody_critic_name("waltz"), np.zeros(size), np.ones(size), weights,
                                   0.0, {})  # fmt: skip
        critic.save_critic(liked)  # the data dir's critic file
        out = invoke(*args, "--candidates", "4", "-o", str(tmp_path / "best.mid"))
        assert len(load_one(tmp_path / "best.mid").tracks[0].notes) == pick(counts), out
    result = CliRunner().invoke(app, [*args, "--candidates", "11"])
    assert result.exit_code != 0 and "candidates" in str(result.exception)
