"""Named constants of the day's mechanics, each with its unit (one place for each number).

The scenario file sets every parameter a modeller is expected to vary (``simulation.*``); these
are the fixed choices of the model itself. docs/model.md lists them with their reasons.
"""

from __future__ import annotations

__all__ = [
    "BESIEGE_STANDOFF",
    "DESTROYED_BELOW",
    "MAX_LEGS",
    "MORALE_FLOOR",
    "NO_ENEMY_RATIO",
    "RELEASE_MIN",
]

#: fighters: a unit with fewer is destroyed, a side with fewer has lost the town.
DESTROYED_BELOW = 0.5

#: share of the approach road's length (effective km) at which besiegers wait short of the town.
BESIEGE_STANDOFF = 0.9

#: ratio: the value of ``strength_ratio`` where no hostile fighter is in or next to the town.
NO_ENEMY_RATIO = 100.0

#: share of full effectiveness a side keeps at morale 0; at morale 1 it has all of it, so a
#: side's effectiveness per fighter is ``quality * (MORALE_FLOOR + (1 - MORALE_FLOOR) * morale)``.
MORALE_FLOOR = 0.5

#: fighters: a garrison releases its excess over its policy's need only when the excess is at
#: least this many (no daily trickle of single fighters).
RELEASE_MIN = 10.0

#: highway legs a unit may cover in one day (a guard against zero-length roads).
MAX_LEGS = 256
