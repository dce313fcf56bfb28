"""Scenario files: schema, safe YAML loading with ``extends:``, overrides and the rule language."""

from sim.scenario.loader import LoadedScenario, load_scenario, parse_assignment
from sim.scenario.schema import Scenario

__all__ = ["LoadedScenario", "Scenario", "load_scenario", "parse_assignment"]
