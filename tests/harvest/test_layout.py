"""The harvester's two halves, read from the import graph: the protocol client knows nothing
of the store, and no two modules of oai/harvest import each other in a circle."""
from __future__ import annotations

from tests.test_import_cycles import cycles, import_graph

PROTOCOL = ["oai.harvest." + name for name in (
    "errors", "policy", "http", "xmlread", "parse", "models", "dates", "paging", "client",
    "ahead")]
# The project's syntax rules (datestamp forms) live in store.syntax, which is pure and is
# shared by the protocol layer (oai.datestamps); nothing else of the store may be reached.
SHARED_RULES = {"store.syntax"}


def _reached(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_protocol_client_imports_nothing_from_the_store():
    graph = import_graph()
    for module in PROTOCOL:
        assert module in graph, f"{module} is gone: update PROTOCOL"
        direct = {m for m in graph[module] if m.split(".")[0] == "store"}
        assert not direct, f"{module} imports {sorted(direct)}"
        reached = {m for m in _reached(graph, module) if m.split(".")[0] == "store"}
        assert reached <= SHARED_RULES, f"{module} reaches {sorted(reached - SHARED_RULES)}"


def test_the_store_facing_half_is_what_imports_the_store():
    graph = import_graph()
    for module in ("oai.harvest.run", "oai.harvest.walk"):
        assert any(m.split(".")[0] == "store" for m in graph[module])


def test_no_import_cycle_within_the_harvester():
    graph = import_graph()
    harvest = {m: {t for t in targets if t.startswith("oai.harvest")}
               for m, targets in graph.items() if m.startswith("oai.harvest")}
    assert cycles(harvest) == []
    assert "oai.harvest.run" not in _reached(graph, "oai.harvest.walk")
