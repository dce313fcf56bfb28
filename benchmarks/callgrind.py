"""Instruction counts under ``valgrind --tool=callgrind``: a figure that load does not move.

Timing on a shared machine swings by 30 % or more between processes (see
``benchmarks/timing_spread.py``); the number of instructions a piece of work executes does not
depend on what else runs, so it compares two trees even on a busy machine. Callgrind simulates
the program (~50x slower), so it counts what matters only: the process starts with
instrumentation off (``--instr-atstart=no``), the child switches it on itself once its imports
and warm-up are done (:func:`start_counting`, which runs ``callgrind_control -i on <pid>``)
and leaves with ``os._exit`` right after the counted work, so neither Python's start-up and
imports nor its shutdown are counted.

Used by ``compare_ref.py --instructions``; the counted work runs in the worker of that script.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["COUNTING_ENV", "available", "count", "parse_total", "start_counting"]

#: Set in a counted child's environment, so that :func:`start_counting` knows valgrind runs it.
COUNTING_ENV = "FRONTLINE_CALLGRIND"


def available() -> bool:
    """Whether valgrind and callgrind_control are installed."""
    return bool(shutil.which("valgrind") and shutil.which("callgrind_control"))


def start_counting() -> None:
    """Switch callgrind's instrumentation on for this process (no-op when not under valgrind).

    ``callgrind_control`` reaches the process through valgrind's gdbserver while it waits for
    the command to finish; the few instructions of that return path are the same every time.
    """
    if os.environ.get(COUNTING_ENV) != "1":
        return
    subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def parse_total(text: str) -> int:
    """The instruction total of a callgrind output file's text (its ``totals:`` line)."""
    for line in text.splitlines():
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    raise ValueError("no totals: or summary: line in the callgrind output")


def count(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Instructions that ``cmd`` (a Python command calling :func:`start_counting`) executes.

    Returns:
        The count after the child switched instrumentation on, and the child's stdout.

    Raises:
        SystemExit: the command failed (its stderr and valgrind's log are shown).
    """
    with tempfile.TemporaryDirectory(prefix="frontline-cg-") as tmp:
        out, log = Path(tmp) / "callgrind.out", Path(tmp) / "valgrind.log"
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no",
             f"--callgrind-out-file={out}", f"--log-file={log}", *cmd],
            capture_output=True, text=True, env={**env, COUNTING_ENV: "1"}, cwd=cwd,
            check=False)
        if proc.returncode != 0 or not out.exists():
            vg = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
            raise SystemExit(f"callgrind of {' '.join(cmd)} failed ({proc.returncode}):\n"
                             f"{proc.stderr}\n{vg[-2000:]}")
        return parse_total(out.read_text(encoding="utf-8", errors="replace")), proc.stdout
