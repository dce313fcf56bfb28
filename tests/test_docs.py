"""The documentation that is generated from code is up to date; public names import."""

import importlib

from builders import ROOT

from sim.scenario.reference import BEGIN, END, render_reference


def test_scenario_format_reference_is_current():
    text = (ROOT / "docs" / "scenario-format.md").read_text()
    embedded = text[text.index(BEGIN):text.index(END) + len(END)]
    assert embedded == render_reference(), (
        "docs/scenario-format.md is stale: regenerate its reference section with "
        "`python -m sim.scenario.reference`")


def test_every_action_variable_and_function_is_documented():
    from sim.scenario.expr import FUNCTIONS, VARIABLES
    from sim.scenario.schema import ACTIONS

    text = (ROOT / "docs" / "scenario-format.md").read_text()
    for name in [*VARIABLES, *ACTIONS]:
        assert f"`{name}`" in text
    for name in FUNCTIONS:
        assert f"`{name}(" in text


def test_public_names_import():
    for module in ("sim", "sim.scenario"):
        mod = importlib.import_module(module)
        assert mod.__all__ == sorted(mod.__all__)
        for name in mod.__all__:
            assert getattr(mod, name) is not None
