"""frontline: an agent-based simulator of territorial control in armed conflict.

The heavy model class is imported lazily, so ``import sim`` stays cheap for the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.errors import FrontlineError, Problem, ScenarioError

if TYPE_CHECKING:
    from sim.model import TerritoryModel
    from sim.scenario import LoadedScenario, load_scenario

__version__ = "0.1.0"

__all__ = [
    "FrontlineError",
    "LoadedScenario",
    "Problem",
    "ScenarioError",
    "TerritoryModel",
    "__version__",
    "load_scenario",
]


def __getattr__(name: str) -> Any:
    if name == "TerritoryModel":
        from sim.model import TerritoryModel

        return TerritoryModel
    if name in ("LoadedScenario", "load_scenario"):
        import sim.scenario

        return getattr(sim.scenario, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
