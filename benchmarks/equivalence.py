"""Check that optimisations keep results identical on more than the golden runs.

Runs a set of scenarios (the default one and its variants, and synthetic theatres of several
sizes, faction counts and seeds), and records a digest of each run's events, series, control
history and exact end state. ``--save FILE`` records; ``--check FILE`` compares and lists the
runs that differ.

Usage:
    .venv/bin/python benchmarks/equivalence.py --save /tmp/before.json
    ... change the code ...
    .venv/bin/python benchmarks/equivalence.py --check /tmp/before.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from sim.generate import generate_scenario
from sim.model import TerritoryModel

ROOT = Path(__file__).resolve().parent.parent
SYNTHETIC = [(300, 2, 1, 120), (800, 3, 2, 120), (2000, 4, 3, 60), (3000, 6, 4, 40),
             (5000, 3, 5, 30), (20000, 3, 6, 10)]


def digest(model: TerritoryModel) -> str:
    """A hash of everything a run produces, floats bit for bit."""
    h = hashlib.sha256()
    rec = model.record
    for e in rec.events:
        h.update(repr((e.day, e.kind, e.faction, e.town, e.other_faction, e.detail,
                       e.text)).encode())
    h.update(repr(rec.series).encode())
    for row in rec.control_history:
        h.update(row.tobytes())
    for u in sorted(model.forces, key=lambda u: u.key):
        h.update(repr((u.key, u.node, u.dest, u.progress.hex(), u.fighters.hex(),
                       float(u.morale).hex(), u.order, u.besieging, u.came_from)).encode())
    t, s, led = model.towns, model.supply, model.ledger
    for arr in (t.controller, t.garrison, t.garrison_quality, t.garrison_morale, t.population,
                t.conscripts, t.conscripted, t.desert_rate, s.besieged, s.supplied, s.reach,
                s.pocket_airlift, led.casualties, led.deserted):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(repr(model.rng.bit_generator.state).encode())
    return h.hexdigest()


def runs() -> dict[str, str]:
    """Digest of every run in the set."""
    out: dict[str, str] = {}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        for seed in (None, 1, 2):
            out[f"{path.name} seed {seed}"] = digest(TerritoryModel(path, seed=seed).run())
    for towns, factions, seed, days in SYNTHETIC:
        data = generate_scenario(towns, factions, None, seed)
        out[f"synthetic {towns} x {factions} seed {seed}"] = digest(
            TerritoryModel(data, days=days).run())
    return out


def main() -> int:
    """Save or check the digests."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--save", metavar="FILE")
    g.add_argument("--check", metavar="FILE")
    args = p.parse_args()
    got = runs()
    if args.save:
        Path(args.save).write_text(json.dumps(got, indent=1) + "\n")
        print(f"saved {len(got)} digests to {args.save}")
        return 0
    want: dict[str, Any] = json.loads(Path(args.check).read_text())
    bad = [k for k in want if got.get(k) != want[k]]
    for k in bad:
        print(f"DIFFERS: {k}")
    print(f"{len(want) - len(bad)}/{len(want)} runs identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
