import subprocess
import sys

HEAVY = ("torch", "music21", "numpy", "scipy", "matplotlib", "sqlalchemy", "pedalboard", "symusic")


def test_help_lists_commands_without_importing_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from tunesmith.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "HEAVY []" in out.stdout, out.stdout
    for command in ("info", "convert"):
        assert command in out.stdout


def test_unknown_command_exits_2_without_traceback() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tunesmith", "no-such-command"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
