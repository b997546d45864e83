"""Imports sit at the top of their module. An import may wait inside a function only when it is
(a) a heavy third-party library in HEAVY, which whoever imports the module (the CLI, the web app, the
Python API) should not pay for until the function runs; or (b) a tunesmith module that pulls one of
them at import time, imported from a module on one of the LIGHT_PATHS (`tunesmith --help` < 1 s, the
web app's start-up, composing with rules only) that may not hold it; or (c) named in LAZY_EXCEPTIONS
with its reason. Each light path itself must hold no HEAVY library beyond those it names."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "tunesmith"

# Third-party libraries too slow to import on a light path: seconds to run `python -c "import X"` (the
# bare interpreter: 0.01 s), measured unniced on the shared 2-core machine; whoever imports a module
# that names one at its top pays this.
HEAVY: dict[str, str] = {
    "torch": "the models: 1.5 s",
    "numpy": "every numeric module: 0.13 s, and the start of the scientific stack",
    "scipy": "signal processing and statistics: scipy.signal 0.85 s",
    "matplotlib": "training and evaluation plots: pyplot 0.5 s",
    "music21": "MusicXML, ABC and analysis: 0.4 s (its parsers more)",
    "symusic": "fast MIDI parsing: 0.1 s",
    "pedalboard": "audio effects and files: 0.12 s",
    "pyloudnorm": "loudness measurement: 0.9 s (pulls scipy.signal)",
    "fluidsynth": "the synthesiser: loads libfluidsynth, which may be missing (a SoundFontError then)",
    "sqlalchemy": "the store: 0.22 s",
    "fastapi": "the web app: 0.3 s",
    "starlette": "the web app's ASGI layer (with fastapi)",
    "pydantic": "the web schemas: BaseModel 0.1 s",
    "uvicorn": "the web server: 0.1 s",
    "huey": "the job queue: 0.24 s",
    "redis": "the optional redis job queue (an extra): 0.14 s",
    "psycopg": "the optional PostgreSQL driver (an extra): 0.15 s",
}

# Imports allowed inside a function for another reason: (module, imported module) -> why.
_FORMAT = "a format module: ~0.1 s of pure Python that `import tunesmith` and --help do not need"
LAZY_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("tunesmith.io", "tunesmith.io.abc"): _FORMAT,
    ("tunesmith.io", "tunesmith.io.midi"): _FORMAT,
    ("tunesmith.io", "tunesmith.io.musicxml"): _FORMAT,
}

def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import statement runs: for `from a import b`, a.b when b is a submodule."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level or not node.module:
        return []
    subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES]
    return [node.module, *subs]


def _statements(path: Path) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import that runs (TYPE_CHECKING blocks left out), and whether it is inside a function."""

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                yield from walk(ast.Module(body=child.orelse, type_ignores=[]), in_function)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_function
            else:
                inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                yield from walk(child, inside)

    yield from walk(ast.parse(path.read_text(encoding="utf-8")), False)


def _loaded_modules(name: str) -> list[str]:
    """`import a.b.c` runs a, a.b and a.b.c."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _direct(module: str, cache: dict[str, set[str]] = {}) -> set[str]:  # noqa: B006 (a cache)
    """What the top of `module` imports: tunesmith modules and third-party top-level packages."""
    if module not in cache:
        out: set[str] = set()
        for node, in_function in _statements(MODULES[module]):
            if not in_function:
                for name in _imported(node):
                    for loaded in _loaded_modules(name):
                        if loaded in MODULES:
                            out.add(loaded)
                        elif not loaded.startswith("tunesmith"):
                            out.add(loaded.split(".")[0])
        cache[module] = out
    return cache[module]


def _pulls(module: str) -> set[str]:
    """Everything importing `module` runs, directly or not (its packages' __init__ included)."""
    out = set(_loaded_modules(module)[:-1])
    todo = [*out, module]
    while todo:
        for name in _direct(todo.pop()):
            if name not in out:
                out.add(name)
                if name in MODULES:
                    todo.append(name)
    return out


def _command_modules() -> list[str]:
    """The subcommand modules cli/main.py imports on every run (its COMMAND_MODULES)."""
    tree = ast.parse(MODULES["tunesmith.cli.main"].read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "COMMAND_MODULES":
            return list(ast.literal_eval(node.value))
    raise AssertionError("cli/main.py has no COMMAND_MODULES")


# Paths that must stay light: what they import (entry modules and everything those pull at import time)
# may hold only the HEAVY libraries named beside them.
_WEB_STACK = {"fastapi", "starlette", "pydantic", "sqlalchemy"}
LIGHT_PATHS: dict[str, tuple[tuple[str, ...], set[str]]] = {
    "`tunesmith --help` (< 1 s) and `import tunesmith`": (
        ("tunesmith", "tunesmith.__main__", "tunesmith.cli.main"), set()),
    "the web app's start-up: torch and the rest load with the first job that needs them": (
        ("tunesmith.web.app",), _WEB_STACK),
    "composing with rules only: torch loads when a model runs": (
        ("tunesmith.compose.api", "tunesmith.render.piece"), {"numpy"}),
}


def _entries(entries: tuple[str, ...]) -> list[str]:
    # cli/main.py imports its subcommand modules by name on every run
    return [*entries, *(_command_modules() if "tunesmith.cli.main" in entries else [])]


def _light_paths() -> list[tuple[str, set[str], set[str]]]:
    """(name, modules it imports, HEAVY libraries it may import) of each light path."""
    out = []
    for name, (entries, allowed) in LIGHT_PATHS.items():
        modules = set(_entries(entries))
        for entry in _entries(entries):
            modules |= _pulls(entry)
        out.append((name, modules, allowed))
    return out


def test_the_light_paths_import_nothing_heavy() -> None:
    wrong = [
        f"{name} would import {sorted(modules & set(HEAVY) - allowed)}"
        for name, modules, allowed in _light_paths()
        if modules & set(HEAVY) - allowed
    ]
    assert not wrong, "\n".join(wrong) + "\nimport them in the functions that use them"


def misplaced(module: str, paths: list[tuple[str, set[str], set[str]]]) -> list[ast.Import | ast.ImportFrom]:
    """The imports inside `module`'s functions that belong at its top."""
    out = []
    for node, in_function in _statements(MODULES[module]):
        imported = _imported(node)
        if not in_function or not imported:
            continue
        if len(imported) > 1:
            imported = imported[1:]  # `from package import submodule`: judged by the submodules
        for name in imported:
            if name.split(".")[0] in HEAVY or (module, name) in LAZY_EXCEPTIONS:
                continue
            if name in MODULES and any(
                module in modules and (_pulls(name) & set(HEAVY)) - allowed for _, modules, allowed in paths
            ):
                continue  # keeps a heavy library off a light path
            out.append(node)
            break
    return out


def test_imports_inside_functions_are_only_the_allowed_ones() -> None:
    paths = _light_paths()
    wrong = [
        f"{path.relative_to(PACKAGE)}:{node.lineno} {ast.unparse(node)}"
        for module, path in MODULES.items()
        for node in misplaced(module, paths)
    ]
    assert not wrong, "move these imports to the top of their module:\n" + "\n".join(wrong)


def test_the_allowed_lists_are_current() -> None:
    for module, imported in LAZY_EXCEPTIONS:
        assert module in MODULES, module
        found = {n for node, inner in _statements(MODULES[module]) if inner for n in _imported(node)}
        assert imported in found, f"{module} no longer imports {imported} inside a function"
