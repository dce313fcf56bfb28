"""The start-up helper: imports without the collector, a freeze once per process, and a run.

Each case runs in a fresh interpreter: the helper acts once per process, and freezing the test
process's own objects would keep the garbage of earlier tests.
"""

from __future__ import annotations

import subprocess
import sys

from builders import ROOT

ONCE = """
import gc
from sim.startup import heavy_imports
before = gc.get_freeze_count()  # site hooks may freeze some objects already
assert gc.isenabled()
with heavy_imports():
    assert not gc.isenabled()
    import json  # noqa: F401
frozen = gc.get_freeze_count()
assert gc.isenabled() and frozen > before
with heavy_imports():
    assert gc.isenabled()  # the second time: the body only
    junk = [[] for _ in range(1000)]
assert gc.get_freeze_count() == frozen, (gc.get_freeze_count(), frozen)
gc.disable()
with heavy_imports():
    pass
assert not gc.isenabled()  # left as it was found
print("ok")
"""

DISABLED = """
import gc
gc.disable()
from sim.startup import heavy_imports
before = gc.get_freeze_count()
with heavy_imports():
    import json  # noqa: F401
assert not gc.isenabled() and gc.get_freeze_count() > before
print("ok")
"""


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_heavy_imports_freezes_once_and_restores_the_collector() -> None:
    assert _python(ONCE) == "ok"


def test_heavy_imports_leaves_a_disabled_collector_disabled() -> None:
    assert _python(DISABLED) == "ok"
