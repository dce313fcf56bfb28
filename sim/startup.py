"""A command's heavy imports without the garbage collector, then out of its view.

Importing Mesa (with pandas and scipy), pydantic and the scenario schema allocates a few
hundred thousand objects that live as long as the process. Left enabled, the cyclic garbage
collector traverses them again and again while they are being created: 0.2-0.3 s of
``frontline run``'s start-up went to collections that found nothing to free (measured with
``gc.callbacks``). :func:`heavy_imports` switches the collector off while the modules load
and then freezes what they made (``gc.freeze``: later collections skip those objects, which
are never garbage anyway). Results do not depend on the collector.

It acts once per process: a later call (a test calling several commands in one process)
only runs its body, so garbage of earlier runs is never frozen.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_off_then_freeze", "heavy_imports"]

_done = [False]


@contextmanager
def heavy_imports() -> Iterator[None]:
    """Run the body (imports) with the collector off, then freeze what exists; once only.

    Examples:
        >>> with heavy_imports():
        ...     import json
    """
    if _done[0]:
        yield
        return
    _done[0] = True
    with collector_off_then_freeze():
        yield


@contextmanager
def collector_off_then_freeze() -> Iterator[None]:
    """Run the body with the cyclic collector off, then ``gc.freeze()`` what exists.

    The collector is left as it was found (on or off). Used by :func:`heavy_imports` and by
    the big-map build (``sim.model``).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
