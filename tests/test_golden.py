"""Golden runs: results must stay byte-identical through performance work.

Each case runs a scenario with its own seed and compares the result files (events, control,
faction series, final GeoJSON) and a dump of the end state (every unit, a digest of every
per-town array, the random generator's state) with the files in ``tests/data/golden_<case>/``.

The dump writes floats at 12 significant digits (magnitudes below 1e-9 as 0), not bit for bit:
numpy and scipy releases may change the last bits of a sum or a ``log`` (numpy 2.5.5 moved the
synthetic case by 1-2 ULPs), which is not a change of behaviour; any real change moves a value
by far more than 1e-12 relative, and the random generator's exact state catches a changed number
of draws. ``benchmarks/equivalence.py`` stays bit for bit, for before/after checks on one machine.

When a change to the mechanics is *meant* to change results, regenerate them with
``FRONTLINE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py`` and say so in the commit.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from builders import DATA, DEFAULT

from sim.model import TerritoryModel
from sim.output import write_outputs

FILES = ("events.csv", "control.csv", "factions.csv", "final_state.geojson", "state.txt")
UPDATE = os.environ.get("FRONTLINE_UPDATE_GOLDEN") == "1"
CASES = {
    "deir_ez_zor": DEFAULT,
    "line": DATA / "line.yaml",
    # written once by `frontline generate --towns 300 --factions 3 --units 40 --seed 5`
    # (stored, so that changes to the generator do not move this golden run)
    "synthetic": DATA / "golden_synthetic" / "scenario.yaml",
}


def _num(x: float) -> str:
    """A float at 12 significant digits; below 1e-9 in magnitude, 0 (see the module doc)."""
    x = float(x)
    return f"{x:.12g}" if abs(x) >= 1e-9 else "0"


def _digest(values: np.ndarray) -> str:
    """Shape and a hash of an array's values as text (floats through ``_num``)."""
    arr = np.asarray(values)
    fmt = _num if arr.dtype.kind == "f" else str
    text = ",".join(fmt(v) for v in arr.ravel().tolist())
    return f"{list(arr.shape)} {hashlib.sha256(text.encode()).hexdigest()}"


def state_arrays(model: TerritoryModel) -> list[tuple[str, np.ndarray]]:
    """Every per-town and per-faction array of the end state, by the name the dump gives it."""
    t, s = model.towns, model.supply
    return [("controller", t.controller), ("garrison", t.garrison),
            ("garrison_quality", t.garrison_quality), ("garrison_morale", t.garrison_morale),
            ("population", t.population), ("conscripts", t.conscripts),
            ("conscripted", t.conscripted), ("desert_rate", t.desert_rate),
            ("besieged", s.besieged), ("supplied", s.supplied), ("reach", s.reach),
            ("pocket_airlift", s.pocket_airlift), ("losses_by_faction", model.ledger.casualties),
            ("deserted_by_faction", model.ledger.deserted)]


def state_dump(model: TerritoryModel) -> str:
    """The end state: every unit, a digest of every array, the RNG state (see the module doc)."""
    lines = [f"day {model.day} events {len(model.events)} control_version "
             f"{model.towns.version}"]
    for u in sorted(model.unit_list, key=lambda u: u.key):
        lines.append(f"unit {u.key} node {u.node} dest {u.dest} progress {_num(u.progress)} "
                     f"fighters {_num(u.fighters)} morale {_num(u.morale)} "
                     f"order {u.order} besieging {u.besieging} came_from {u.came_from}")
    for name, arr in state_arrays(model):
        lines.append(f"{name} {_digest(arr)}")
    for f in model.factions:
        lines.append(f"faction {f.id} recruited {_num(model.ledger.recruited[f.index])} "
                     f"initial {_num(model.ledger.initial[f.index])}")
    lines.append(f"rng {model.rng.bit_generator.state['state']}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("case", sorted(CASES))
def test_results_are_byte_identical_to_the_golden_run(case: str, tmp_path: Path) -> None:
    model = TerritoryModel(CASES[case]).run()
    write_outputs(model, tmp_path, plots=False)
    (tmp_path / "state.txt").write_text(state_dump(model), encoding="utf-8")
    golden = DATA / f"golden_{case}"
    if UPDATE:
        golden.mkdir(exist_ok=True)
        for name in FILES:
            (golden / name).write_bytes((tmp_path / name).read_bytes())
    for name in FILES:
        expected = (golden / name).read_bytes()
        got = (tmp_path / name).read_bytes()
        assert got == expected, f"{case}: {name} differs from {golden / name}"


# ------------------------------------------------------------- fast paths = plain paths
@pytest.fixture(scope="module")
def busy_model() -> TerritoryModel:
    """A 2,000-town theatre after a few days: units on roads, contested fronts, captures."""
    from sim.generate import generate_scenario

    return TerritoryModel(generate_scenario(2000, 4, 300, seed=12), days=40).run(6)


def test_vectorised_unit_positions_are_bit_identical(busy_model: TerritoryModel) -> None:
    from sim.sense import _unit_xy

    m = busy_model
    assert any(u.dest >= 0 for u in m.unit_list)
    plain = np.array([m.world.project(*u.position()) for u in m.unit_list])
    assert _unit_xy(m.world, m.unit_list).tobytes() == plain.tobytes()


def test_edge_lookup_agrees_with_the_adjacency(busy_model: TerritoryModel) -> None:
    w = busy_model.world
    for k in range(0, w.m, 7):
        assert w.edge(int(w.eu[k]), int(w.ev[k])) == k == w.edge(int(w.ev[k]), int(w.eu[k]))
    assert w.edge(0, 0) == -1
    far = int(np.argmax(np.hypot(*(w.xy - w.xy[0]).T)))
    assert w.edge(0, far) == -1


def _plain_field(w, targets, offsets, mask):
    """World.field as first written: COO -> CSR with a super-source row."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n = w.n
    if mask is None:
        adj = w.adj_eff
    else:
        keep = mask[w.eu] & mask[w.ev]
        u, v, wt = w.eu[keep], w.ev[keep], w.eff_km[keep]
        adj = csr_matrix((np.concatenate((wt, wt)), (np.concatenate((u, v)),
                                                     np.concatenate((v, u)))), shape=(n, n))
    coo = adj.tocoo()
    rows = np.concatenate((coo.row, np.full(len(targets), n)))
    cols = np.concatenate((coo.col, targets))
    data = np.concatenate((coo.data, np.asarray(offsets, dtype=float) + 1e-9))
    big = csr_matrix((data, (rows, cols)), shape=(n + 1, n + 1))
    dist, pred = dijkstra(big, directed=True, indices=n, return_predecessors=True)
    hop = pred[:n].astype(np.int64)
    hop[hop == n] = -1
    hop[hop < 0] = -1
    return dist[:n], hop


@pytest.mark.parametrize("masked", [False, True])
def test_field_from_arrays_agrees_with_the_coo_construction(busy_model: TerritoryModel,
                                                            masked: bool) -> None:
    m = busy_model
    w = m.world
    rng = np.random.default_rng(3)
    mask = m.controller == 0 if masked else None
    pool = np.nonzero(mask)[0] if masked else np.arange(w.n)
    targets = rng.choice(pool, 25)
    targets = np.concatenate((targets, targets[:3], targets[:1]))  # listed twice, thrice
    offsets = rng.uniform(0, 200, len(targets)).round(0)
    fld = w.field(targets, offsets, mask)
    dist, hop = _plain_field(w, targets, offsets, mask)
    assert fld.dist.tobytes() == dist.tobytes()
    assert fld.next_hop.tobytes() == hop.tobytes()
