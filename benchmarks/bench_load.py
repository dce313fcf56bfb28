"""Loading a big scenario, from YAML and from tables, against a reference commit, in one run.

Usage (from the repository root)::

    python benchmarks/bench_load.py                       # 100,000 towns, 3 rounds
    python benchmarks/bench_load.py --towns 20000 --rounds 5 --ref 5a206ff --json out.json
    python benchmarks/bench_load.py --ref main --ref-forms all --forms csv,yaml --rounds 5 \
        --dir /tmp/theatre                                # each form: reference vs current

Writes one generated theatre (``frontline generate --towns N --seed 1``) as a YAML file and as
YAML + tables (CSV, Parquet, GeoJSON; ``--tables``), then times ``load_scenario(path)`` in fresh
worker processes, alternating round by round between the cases (so load on a shared machine
hits all alike): the reference commit (default ``5a206ff``, the code before lazy line numbers;
checked out as a detached git worktree under /tmp and removed afterwards) on the YAML file (or
on every form of ``--ref-forms``; ``5a206ff`` reads no tables), and the current tree on the YAML
file and on each table form (``--forms``). With ``--dir`` the theatre is written there once
and reused by later runs. Each worker reports wall time, CPU time (``time.process_time``) and
its peak resident memory (``ru_maxrss``, the process's whole life: the interpreter and imports
included); the table gives medians and each case's ratio to the reference's load of the same
form (or of the YAML file), and, where the reference read the same form, the ratio of each
round's two workers (reference / current CPU, timed one after the other) as a median with its
range.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FORMS = ("yaml", "csv", "parquet", "geojson")


def _worker_main(path: str) -> int:
    import gc

    from sim.scenario.loader import load_scenario

    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    loaded = load_scenario(path)
    out = {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "towns": len(loaded.scenario.towns), "highways": len(loaded.scenario.highways)}
    print(json.dumps(out))
    return 0


def _worker(tree: Path, path: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run([sys.executable, __file__, "--worker", str(path)], capture_output=True,
                          text=True, env=env, cwd=tree, timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"worker {path} in {tree} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _generate(folder: Path, towns: int, forms: tuple[str, ...]) -> dict[str, Path]:
    paths = {}
    for form in forms:
        path = folder / f"theatre_{towns}_{form}.yaml"
        paths[form] = path
        if path.exists():
            continue
        extra = [] if form == "yaml" else ["--tables", form]
        subprocess.run([sys.executable, "-m", "sim", "generate", "--towns", str(towns),
                        "--seed", "1", "-o", str(path), *extra], check=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True)
    return paths


def _forms(text: str) -> tuple[str, ...]:
    forms = FORMS if text == "all" else tuple(f for f in text.split(",") if f)
    unknown = [f for f in forms if f not in FORMS]
    if unknown:
        raise SystemExit(f"unknown form {unknown[0]!r} (valid: {', '.join(FORMS)}, all)")
    return forms


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Every case, ``args.rounds`` workers each, interleaved; returns the samples."""
    forms, ref_forms = _forms(args.forms), _forms(args.ref_forms)
    res: dict[str, Any] = {"ref": args.ref, "towns": args.towns,
                           "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="frontline-load-") as tmp:
        folder = Path(args.dir) if args.dir else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        paths = _generate(folder, args.towns, tuple(dict.fromkeys((*forms, *ref_forms))))
        ref = Path(tmp) / "ref"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet",
                        str(ref), args.ref], check=True)
        try:
            cases: dict[str, tuple[Path, Path]] = {}
            for form in dict.fromkeys((*forms, *ref_forms)):
                if form in ref_forms:
                    cases[f"reference, {form}"] = (ref, paths[form])
                if form in forms:
                    cases[f"current, {form}"] = (ROOT, paths[form])
            samples: dict[str, list[dict[str, Any]]] = {k: [] for k in cases}
            names = list(cases)
            for r in range(args.rounds):
                for name in (names if r % 2 == 0 else names[::-1]):
                    samples[name].append(_worker(*cases[name]))
            res["samples"] = samples
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(ref)],
                           check=False)
            subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=False)
    res["load_after"] = os.getloadavg()
    return res


def report(res: dict[str, Any]) -> str:
    """The medians as a text table."""
    samples = res["samples"]
    med = {name: {k: statistics.median(s[k] for s in rows) for k in ("wall_s", "cpu_s",
                                                                       "peak_mb")}
           for name, rows in samples.items()}
    lines = [f"{res['towns']:,} towns; reference {res['ref']}; load average "
             f"{res['load_before'][0]:.1f} before, {res['load_after'][0]:.1f} after; medians of "
             f"{len(next(iter(samples.values())))} workers",
             f"{'case':<20} {'wall s':>7} {'CPU s':>7} {'peak MB':>8} "
             f"{'CPU vs ref':>10} {'peak vs ref':>11}  paired ref/current CPU (range)"]
    for name, m in med.items():
        form = name.split(", ")[1]
        ref = f"reference, {form}" if f"reference, {form}" in med else "reference, yaml"
        paired = ""
        if name.startswith("current") and ref == f"reference, {form}":
            ratios = [a["cpu_s"] / b["cpu_s"] for a, b in zip(samples[ref], samples[name],
                                                                strict=True)]
            paired = (f"  {statistics.median(ratios):.2f}x ({min(ratios):.2f}-"
                      f"{max(ratios):.2f})")
        base = med.get(ref)
        vs = (f"{base['cpu_s'] / m['cpu_s']:9.2f}x {m['peak_mb'] / base['peak_mb']:10.2f}x"
              if base else f"{'':>10} {'':>11}")
        lines.append(f"{name:<20} {m['wall_s']:7.2f} {m['cpu_s']:7.2f} {m['peak_mb']:8.0f} "
                     f"{vs}{paired}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return _worker_main(argv[1])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--towns", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--ref", default="5a206ff", help="reference commit (default: 5a206ff)")
    p.add_argument("--forms", default="all",
                   help="the current tree's cases: yaml,csv,parquet,geojson or all (default)")
    p.add_argument("--ref-forms", default="yaml",
                   help="the reference's cases, as --forms (default: yaml)")
    p.add_argument("--dir", help="write the theatre here and reuse it (default: a temporary "
                                 "folder)")
    p.add_argument("--json", type=Path, help="also write the samples here")
    args = p.parse_args(argv)
    res = measure(args)
    print(report(res))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
