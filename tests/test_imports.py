"""The modules of sim/ and viz/ import each other without a cycle.

Every import counts: module level, inside functions, and under ``if TYPE_CHECKING:``. A cycle
of type-only imports is still a cycle of knowledge (each module must know the other), and the
one that works today by the order of imports breaks when someone moves a line.
"""

from __future__ import annotations

import ast

from builders import ROOT

PACKAGES = ("sim", "viz")


def _modules() -> dict[str, ast.Module]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return out


def _resolve(name: str, modules: set[str]) -> str | None:
    """The project module ``name`` refers to (the longest prefix that is one), or None."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports, anywhere in its text."""
    trees = _modules()
    names = set(trees)
    graph: dict[str, set[str]] = {m: set() for m in trees}
    for module, tree in trees.items():
        is_package = (ROOT / module.replace(".", "/") / "__init__.py").exists()
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = module.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                # "from sim.scenario import schema" imports the submodule sim.scenario.schema
                targets = [f"{base}.{a.name}" for a in node.names] or [base]
                targets = [t if t in names else base for t in targets]
            for target in targets:
                found = _resolve(target, names)
                if found is not None and found != module:
                    graph[module].add(found)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search, sorted order)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_finder_sees_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_function_level_and_type_only_imports():
    graph = import_graph()
    assert "sim.scenario.loader" in graph["sim.scenario"]  # package __init__ re-exports
    assert "sim.model" in graph["sim.cli"]  # imported inside cmd_run


def test_no_import_cycle_among_sim_and_viz_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])
