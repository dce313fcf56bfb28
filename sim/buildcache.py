"""What the builds of one process share: the World of a scenario run again, a frozen collector.

The runs of one loaded scenario (a sweep's parameter point) reuse its ``World``
(:func:`shared_world`); a big map is built with the garbage collector off and its objects are
then moved out of the collector's view (:func:`frozen_build`). Both keep their state in this
module, for the life of the process.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from sim.scenario.schema import Scenario as ScenarioSpec
from sim.startup import collector_off_then_freeze
from sim.world import World

__all__ = ["FREEZE_GC_TOWNS", "frozen_build", "shared_world"]

#: Maps of at least this many towns freeze the garbage collector's view of the built objects.
FREEZE_GC_TOWNS = 2_000
_frozen = [0]  # builds that froze so far (this process)


@contextmanager
def frozen_build(towns: int) -> Iterator[None]:
    """Build a big map without garbage collections, then exempt its objects from later ones.

    A full collection traverses every tracked object; a 10,000-town map's build and loaded
    scenario leave enough of them that one full collection costs about a day's time (0.1 s).
    Left enabled, the collector runs that collection in the middle of the build (the build
    allocates enough to trigger it), or on day 3-5 when the build happens to stay below the
    threshold; so the collector is off during the build, and ``gc.freeze()`` afterwards moves
    the built objects out of its view (they are still freed by reference counting; results
    do not depend on the collector). A later big build first unfreezes and collects, so
    cyclic garbage of earlier models is not kept for ever.
    """
    if towns < FREEZE_GC_TOWNS:
        yield
        return
    if _frozen[0]:
        gc.unfreeze()
        gc.collect()
    try:
        with collector_off_then_freeze():
            yield
    finally:
        _frozen[0] += 1


_last_world: list[tuple[ScenarioSpec, World]] = []  # the last map built, by its scenario


def shared_world(spec: ScenarioSpec) -> World:
    """The ``World`` of a validated scenario, reused while the same scenario object is run.

    A ``World`` is never changed by a run, so the runs of one parameter point in a sweep
    (which share one loaded scenario) share it.
    """
    if _last_world and _last_world[0][0] is spec:
        return _last_world[0][1]
    w = World(spec)
    _last_world[:] = [(spec, w)]
    return w
