from __future__ import annotations

from pathlib import Path

import pytest

from tunesmith.errors import SoundFontError
from tunesmith.render import soundfont as sf
from tunesmith.render.soundfont import ENV_VAR, INSTALL_HINT, check_soundfont, find_soundfont


def test_install_hint_is_the_debian_command():
    assert INSTALL_HINT == "sudo apt-get install fluid-soundfont-gm"


def test_finds_a_system_soundfont(soundfont, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    found = find_soundfont()
    assert found.is_file()
    with found.open("rb") as fh:
        assert fh.read(4) == b"RIFF"


def test_explicit_path_wins_over_environment(soundfont, tmp_path, monkeypatch):
    link = tmp_path / "mine.sf2"
    link.symlink_to(soundfont)
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing.sf2"))
    assert find_soundfont(link) == link


def test_environment_variable_is_used(soundfont, tmp_path, monkeypatch):
    link = tmp_path / "env.sf2"
    link.symlink_to(soundfont)
    monkeypatch.setenv(ENV_VAR, str(link))
    assert find_soundfont() == link


def test_missing_explicit_path_names_install_command(tmp_path):
    with pytest.raises(SoundFontError) as err:
        find_soundfont(tmp_path / "nope.sf2")
    assert "nope.sf2" in str(err.value)
    assert INSTALL_HINT in str(err.value)


def test_missing_environment_path_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "gone.sf2"))
    with pytest.raises(SoundFontError, match=ENV_VAR):
        find_soundfont()


def test_nothing_installed_gives_install_command(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(sf, "KNOWN_PATHS", (str(tmp_path / "a.sf2"),))
    monkeypatch.setattr(sf, "SEARCH_DIRS", (str(tmp_path),))
    with pytest.raises(SoundFontError) as err:
        find_soundfont()
    assert INSTALL_HINT in str(err.value)
    assert "--soundfont" in str(err.value)


def test_search_dir_fallback_finds_any_sf2(soundfont, tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    (tmp_path / "x.sf2").symlink_to(soundfont)
    monkeypatch.setattr(sf, "KNOWN_PATHS", ())
    monkeypatch.setattr(sf, "SEARCH_DIRS", (str(tmp_path),))
    assert find_soundfont() == tmp_path / "x.sf2"


@pytest.mark.parametrize("content", [b"", b"hello world, not a soundfont", b"RIFF\x00\x00\x00\x00WAVEfmt "])
def test_non_soundfont_file_is_rejected(tmp_path, content):
    bad = tmp_path / "bad.sf2"
    bad.write_bytes(content)
    with pytest.raises(SoundFontError, match="not a SoundFont"):
        check_soundfont(bad)


def test_folder_is_not_a_soundfont(tmp_path: Path):
    with pytest.raises(SoundFontError):
        check_soundfont(tmp_path)
