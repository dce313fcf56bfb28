"""The model's modules import each other one way: no cycle, type-only and local imports too."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SIM = Path(__file__).resolve().parent.parent / "sim"


def imports(path: Path) -> set[str]:
    """Every ``sim.*`` module a file imports, anywhere in it (TYPE_CHECKING, functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("sim")}
    return found


def module_name(path: Path) -> str:
    rel = path.relative_to(SIM.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def test_no_import_cycles_in_sim():
    files = sorted(SIM.rglob("*.py"))
    names = {module_name(p) for p in files}
    g = nx.DiGraph()
    for p in files:
        me = module_name(p)
        g.add_node(me)
        for target in imports(p):
            if target in names and target != me and not me.startswith(target + "."):
                g.add_edge(me, target)
    cycles = [c for c in nx.simple_cycles(g) if not any(m.endswith("__init__") for m in c)]
    model_modules = {"sim.model", "sim.agents", "sim.battle", "sim.combat", "sim.orders",
                     "sim.sense", "sim.sensenear", "sim.supply", "sim.world", "sim.record",
                     "sim.rules", "sim.state", "sim.constants", "sim.geo", "sim.context",
                     "sim.build", "sim.choice", "sim.routes", "sim.attrition", "sim.battlefield",
                     "sim.capture", "sim.buildcache", "sim.setevents"}
    assert [c for c in cycles if set(c) & model_modules] == []


def test_the_phase_modules_do_not_know_the_model():
    for name in ("agents", "battle", "orders", "sense", "sensenear", "supply", "record", "rules",
                 "state", "context", "build", "world", "geo", "constants", "combat", "choice",
                 "routes", "attrition", "battlefield", "capture", "buildcache", "setevents"):
        assert "sim.model" not in imports(SIM / f"{name}.py"), name
