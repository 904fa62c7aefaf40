"""The store's house rules, read from its imports (ast, so imports inside functions and under
TYPE_CHECKING count too): no import cycle between store modules, nothing from the protocol
layer, and a vocabulary that anything may import without SQLAlchemy."""
from __future__ import annotations

import ast
from pathlib import Path

STORE = Path(__file__).resolve().parents[2] / "store"
# What the protocol layer, the crosswalks and the harvester import without pulling in SQLAlchemy.
VOCABULARY = ("store", "store.record_types", "store.harvest_types",
              "store.syntax", "store.errors")


def _modules() -> dict[str, Path]:
    found = {}
    for path in STORE.rglob("*.py"):
        parts = path.relative_to(STORE.parent).with_suffix("").parts
        if "migrations" in parts:
            continue
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(path: Path, lazy: bool = True) -> set[str]:
    """Absolute names of what *path* imports (``from a import b`` is ``a.b`` when that is a
    module of the store, else ``a``). *lazy*=False leaves out imports inside functions."""
    tree = ast.parse(path.read_text())
    nodes = ast.walk(tree) if lazy else iter(tree.body)
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            for alias in node.names:
                names.add(f"{node.module}.{alias.name}")
                names.add(node.module)
    return names


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {n for n in _imports(path) if n in modules and n != name}
            for name, path in modules.items()}


def test_no_import_cycle_between_store_modules():
    graph = _graph()
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for dep in sorted(graph[name]):
            assert state.get(dep) != "open", " -> ".join(trail + [name, dep])
            if dep not in state:
                visit(dep, trail + [name])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_the_store_imports_nothing_from_the_protocol_layer():
    for name, path in _modules().items():
        outside = {n for n in _imports(path) if n.split(".")[0] in ("oai", "schemas", "flask")}
        assert not outside, f"{name} imports {sorted(outside)}"


def test_the_vocabulary_needs_no_sqlalchemy():
    modules = _modules()
    # What importing each vocabulary module runs at once (the store package's RecordStore is
    # imported lazily, inside a function).
    seen, todo = set(), list(VOCABULARY)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        eager = _imports(modules[name], lazy=False)
        assert not any(n.split(".")[0] == "sqlalchemy" for n in eager), name
        todo.extend(n for n in eager if n in modules)
    assert {"store.record_types", "store.harvest_types", "store.syntax"} <= seen
