"""`tunesmith train critic`: fit a style's critic on the user's tunes, refuse bad options clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tunesmith.cli import critic as critic_cli
from tunesmith.cli import groups
from tunesmith.compose import critic
from tunesmith.errors import ControlError
from tunesmith.paths import PACKAGE_DATA

pytestmark = pytest.mark.slow  # composes 20 pieces
WALTZES = PACKAGE_DATA / "nottingham" / "waltzes.abc"

app = typer.Typer()
groups.register(app)
critic_cli.register(app)


def test_fits_a_critic_on_the_users_tunes(private_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine.json"
    result = CliRunner().invoke(app, ["train", "critic", "--style", "folk", "--input", str(WALTZES),
                                      "--pieces", "20", "--output", str(out)])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    fitted = critic.read(out)["folk"]
    assert fitted.info["composed"] == 20 and fitted.info["real"] >= 20
    assert fitted.info["sources"] == [str(WALTZES)]
    assert "real tunes of folk" in result.output


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--pieces", "5"], "pieces"),
        (["--l2", "0"], "l2"),
        (["--style", "pop"], "corpus"),  # no corpus of its own and no --input
        (["--output", "/no/such/folder/c.json"], "output"),
    ],
)
def test_bad_options_are_refused(private_home: Path, args: list[str], field: str) -> None:
    result = CliRunner().invoke(app, ["train", "critic", *args])
    assert result.exit_code != 0
    assert isinstance(result.exception, ControlError) and result.exception.field == field


def test_too_few_tunes_are_refused_before_composing(private_home: Path) -> None:
    tunes = Path(__file__).resolve().parent.parent / "data" / "tunes.abc"  # three tunes
    result = CliRunner().invoke(app, ["train", "critic", "--input", str(tunes), "--pieces", "20"])
    assert isinstance(result.exception, ControlError) and result.exception.field == "input"
    assert "needs 20" in str(result.exception) and "composing" not in result.output


def test_an_unknown_style_is_refused(private_home: Path) -> None:
    result = CliRunner().invoke(app, ["train", "critic", "--style", "no-such-style"])
    assert result.exit_code != 0 and "no-such-style" in str(result.exception)


def test_fits_the_melody_critic_generate_melody_ranks_by(private_home: Path) -> None:
    result = CliRunner().invoke(app, ["train", "critic", "--melody", "--style", "chorale", "--pieces", "20"])
    assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
    fitted = critic.load_critic(critic.melody_critic_name("chorale"))
    assert fitted is not None and fitted.info["composed"] == 20 and fitted.info["real"] >= 100
    assert fitted.info["sources"] == ["corpus:bach"] and "drafting 20 melodies" in result.output
    assert critic.load_critic("chorale").info == critic.read(critic.SHIPPED_PATH)["chorale"].info  # type: ignore[union-attr]


@pytest.mark.parametrize(("args", "field"), [(["--style", "pop"], "style"), (["--pieces", "3"], "pieces")])
def test_bad_melody_critic_options_are_refused(private_home: Path, args: list[str], field: str) -> None:
    result = CliRunner().invoke(app, ["train", "critic", "--melody", *args])
    assert isinstance(result.exception, ControlError) and result.exception.field == field
