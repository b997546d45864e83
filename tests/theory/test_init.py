import subprocess
import sys

import tunesmith.theory as theory


def test_every_exported_name_resolves():
    for name in theory.__all__:
        assert getattr(theory, name) is not None, name


def test_package_import_is_light():
    code = (
        "import sys, tunesmith.theory as t; t.parse_chord('Am7'); t.Key.parse('D');"
        "t.roman_to_chord('V7', t.Key.parse('C'));"
        "assert 'numpy' not in sys.modules and 'music21' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
