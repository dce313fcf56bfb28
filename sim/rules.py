"""Rules as data: each faction's rules compiled once, with their parameters' defaults filled.

Compiling is part of loading (``sim.scenario.compiled``, re-exported here for the model's
modules); the values conditions are evaluated against are in ``sim.context``.
"""

from __future__ import annotations

from sim.scenario.compiled import CompiledRule, compile_rules

__all__ = ["CompiledRule", "compile_rules"]
