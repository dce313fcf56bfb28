"""The sweep's chunk sizes: from the workers' CPU time per run, whatever the wall time."""

from __future__ import annotations

from sim.sweep.execute import MAX_CHUNK, TARGET_TASK_SECONDS, _Chunker
from sim.sweep.runner import ChunkResult


def _result(runs: int, wall: float, cpu: float) -> ChunkResult:
    return ChunkResult(rows=[{"run": i} for i in range(runs)], seconds=wall, cpu_seconds=cpu)


def test_chunks_follow_cpu_time_not_a_loaded_machines_wall_time() -> None:
    chunker = _Chunker(list(range(1000)), slots=2, fixed=None)
    assert chunker.size() == 1  # nothing timed yet
    chunker.observe(_result(4, wall=4 * 1.2, cpu=4 * 0.25))  # the workers had a core 21 %
    assert chunker.size() == round(TARGET_TASK_SECONDS / 0.25)
    idle = _Chunker(list(range(1000)), slots=2, fixed=None)
    idle.observe(_result(4, wall=4 * 0.25, cpu=4 * 0.25))
    assert idle.size() == chunker.size()


def test_last_chunks_shrink_and_sizes_stay_bounded() -> None:
    chunker = _Chunker(list(range(40)), slots=2, fixed=None)
    chunker.observe(_result(2, wall=0.5, cpu=0.5))
    assert chunker.size() == 40 // (2 * 4)  # balance: the last tasks end together
    fast = _Chunker(list(range(10**6)), slots=2, fixed=None)
    fast.observe(_result(10, wall=1e-5, cpu=0.0))
    assert fast.size() == MAX_CHUNK
    fixed = _Chunker(list(range(40)), slots=2, fixed=3)
    fixed.observe(_result(1, wall=100.0, cpu=100.0))
    assert fixed.size() == 3 and fixed.next() == [0, 1, 2]
