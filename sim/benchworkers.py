"""The subprocesses ``frontline bench`` times: a synthetic theatre and Mesa's VirusOnNetwork.

Each worker is ``python -m sim.bench worker KIND N STEPS [yaml | WARMUP]``. It builds its model,
prints one JSON line about the build, and then either times ``STEPS`` steps and prints a summary
line (one-shot), or, with ``STEPS`` = ``serve``, waits on standard input for ``step K`` lines (it
times K steps and prints their wall and CPU seconds as one JSON line) and ``end`` (it prints its
peak memory and exits). The serving mode is what lets the bench interleave ours and
VirusOnNetwork round by round (A B A B ...) without rebuilding either, while each keeps its own
process: its own peak memory (``ru_maxrss``), its own garbage collector and caches. Nothing
here is imported by the simulation.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

__all__ = ["ServedWorker", "time_steps", "worker_main"]


def time_steps(step: Callable[[], Any], n: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each of ``n`` calls of ``step``."""
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        step()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


class _Bench(Protocol):
    info: dict[str, Any]

    def step(self) -> None: ...

    def final(self) -> dict[str, Any]: ...


class _Synthetic:
    """A generated theatre of ``towns`` towns; ``step`` is one simulated day.

    It is generated, optionally written and read back as YAML, validated from plain data and
    built, each timed.
    """

    def __init__(self, towns: int, with_yaml: bool) -> None:
        import gc

        t = time.perf_counter()
        from sim.generate import generate_scenario, scenario_yaml
        from sim.model import TerritoryModel
        from sim.scenario import load_scenario

        out: dict[str, Any] = {"towns": towns, "import_s": time.perf_counter() - t}
        t = time.perf_counter()
        data = generate_scenario(towns, 3, None, seed=1)
        out["generate_s"] = time.perf_counter() - t
        out["highways"] = len(data["highways"])
        out["units"] = sum(len(f["forces"]) for f in data["factions"])
        if with_yaml:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "theatre.yaml"
                t = time.perf_counter()
                path.write_text(scenario_yaml(data), encoding="utf-8")
                out["yaml_write_s"] = time.perf_counter() - t
                out["yaml_mb"] = path.stat().st_size / 1e6
                t = time.perf_counter()
                try:
                    load_scenario(path)
                    out["yaml_load_s"] = time.perf_counter() - t
                except Exception as exc:  # reported, not fatal: the in-memory build still runs
                    out["yaml_load_error"] = str(exc).splitlines()[-1][:200]
            gc.collect()
        t = time.perf_counter()
        loaded = load_scenario(data)
        out["validate_s"] = time.perf_counter() - t
        del data
        t = time.perf_counter()
        self.model = TerritoryModel(loaded)
        out["build_s"] = time.perf_counter() - t
        self.info = out

    def step(self) -> None:
        self.model.step()

    def final(self) -> dict[str, Any]:
        return {"events": len(self.model.events), "peak_mb": _peak_mb()}


class _Virus:
    """Mesa's VirusOnNetwork example with ``nodes`` nodes; ``step`` is one model step.

    It is stepped ``warmup`` times first, so that its epidemic is under way.
    """

    def __init__(self, nodes: int, warmup: int) -> None:
        import types

        import networkx as nx
        from mesa.discrete_space import Network
        from mesa.examples.basic.virus_on_network import model as virus

        # The example draws G(n, p) with nx.erdos_renyi_graph, which is O(n^2) (5e9 coin flips
        # at 100,000 nodes), and lays it out with spring_layout, which is quadratic too (see
        # PERF-NOTES.md). Same graph distribution in O(n + m), seeded, and random positions.
        rng_seed = 1
        virus.nx = types.SimpleNamespace(
            erdos_renyi_graph=lambda n, p: nx.fast_gnp_random_graph(n, p, seed=rng_seed))

        def network(graph: Any, **kw: Any) -> Network:
            import numpy as np

            pos = np.random.default_rng(rng_seed).random((graph.number_of_nodes(), 2))
            return Network(graph, layout={i: pos[i] for i in graph.nodes}, **kw)

        virus.Network = network
        self._virus = virus
        t = time.perf_counter()
        self.model = virus.VirusOnNetwork(num_nodes=nodes, rng=rng_seed)
        self.info: dict[str, Any] = {"nodes": nodes, "build_s": time.perf_counter() - t}
        for _ in range(warmup):
            self.model.step()

    def step(self) -> None:
        self.model.step()

    def final(self) -> dict[str, Any]:
        nodes = self.info["nodes"]
        return {"infected_share": self._virus.number_infected(self.model) / nodes,
                "peak_mb": _peak_mb()}


def _emit(obj: dict[str, Any]) -> None:
    print(json.dumps(obj), flush=True)


def worker_main(argv: list[str]) -> int:
    """``python -m sim.bench worker KIND N STEPS [yaml | WARMUP]`` (see the module docstring)."""
    kind, n, steps = argv[0], int(argv[1]), argv[2]
    bench: _Bench
    if kind == "synthetic":
        bench = _Synthetic(n, with_yaml="yaml" in argv[3:])
    elif kind == "virus":
        bench = _Virus(n, int(argv[3]))
    else:
        raise SystemExit(f"unknown worker kind {kind!r}")
    _emit(bench.info)
    if steps != "serve":
        wall, cpu = time_steps(bench.step, int(steps))
        _emit({**bench.info, "wall_ms": [1000 * x for x in wall],
               "cpu_ms": [1000 * x for x in cpu], "ms_per_step": 1000 * statistics.median(wall),
               "cpu_ms_per_step": 1000 * statistics.median(cpu), **bench.final()})
        return 0
    for line in sys.stdin:
        word, *rest = line.split()
        if word == "step":
            wall, cpu = time_steps(bench.step, int(rest[0]))
            _emit({"wall": wall, "cpu": cpu})
        elif word == "end":
            break
    _emit(bench.final())
    return 0


class ServedWorker:
    """A worker in serving mode, driven from the bench: ``steps(k)`` times k more steps."""

    def __init__(self, args: list[str]) -> None:
        self._err = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in end / kill)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "sim.bench", "worker", *args], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._err, text=True)
        self.info = self._read()

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            self._proc.wait()
            self._err.seek(0)
            tail = self._err.read().strip().splitlines()[-3:]
            raise RuntimeError(" | ".join(tail) or f"exit code {self._proc.returncode}")
        result: dict[str, Any] = json.loads(line)
        return result

    def _send(self, text: str) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(text + "\n")
        self._proc.stdin.flush()

    def steps(self, k: int) -> tuple[list[float], list[float]]:
        """Wall and CPU seconds of each of the next ``k`` steps."""
        self._send(f"step {k}")
        got = self._read()
        return got["wall"], got["cpu"]

    def end(self) -> dict[str, Any]:
        """Stop the worker; its final figures (peak memory, ...)."""
        self._send("end")
        final = self._read()
        self._proc.wait()
        self._err.close()
        return final

    def kill(self) -> None:
        """Stop the worker without asking (after an error)."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._err.close()
