"""The layers are one-way (DESIGN.md): a package imports only from its own layer or those below it,
and no module imports itself round a cycle. Every import counts: at the top, inside functions and
under TYPE_CHECKING (a lower layer should not even name a higher one's types)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "tunesmith"

LAYERS: list[set[str]] = [
    {"errors", "paths", "fileutil", "limits", "score", "store"},  # store: persistence, knows only Score
    {"io", "theory"},
    {"corpus", "tokens"},
    {"models", "evaluate"},
    {"compose"},
    {"render"},
    {"feedback", "recommend", "originality", "education", "therapy", "cocreate"},  # applications
    {"cli", "web", "__main__", "(root)"},  # interfaces
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(root)"


def _imports(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line, imported tunesmith module or name, whether only for type checking) of every import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only |= {id(n) for child in node.body for n in ast.walk(child)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.startswith("tunesmith"):
                yield node.lineno, name, id(node) in typing_only


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_layer_table_names_every_package() -> None:
    packages = {_top(_module_name(p)) for p in _sources()}
    assert packages <= set(LAYER_OF), sorted(packages - set(LAYER_OF))


def test_no_package_imports_a_higher_layer() -> None:
    wrong = []
    for path in _sources():
        here = _module_name(path)
        for line, name, _ in _imports(path):
            target = _top(name)
            if name in ("tunesmith", "tunesmith.__version__"):
                continue  # the version number: every layer may report it
            if LAYER_OF[target] > LAYER_OF[_top(here)]:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} {here} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles_between_modules() -> None:
    modules = {_module_name(p): p for p in _sources()}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for _, name, typing_only in _imports(path):
            if typing_only:
                continue  # annotations only: nothing runs
            while name and name not in modules:
                name = name.rpartition(".")[0]
            # a package's own __init__ runs before its modules: not a cycle edge
            if name and name != module and not module.startswith(name + "."):
                graph[module].add(name)
    cycles = _cycles(graph)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out
