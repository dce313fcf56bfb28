"""What the page can change: the seed and a scenario's tunables, as SolaraViz model parameters."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mesa.visualization import Slider

from sim.errors import FrontlineError
from sim.model import DEFAULT_SCENARIO, TerritoryModel
from sim.scenario import LoadedScenario
from sim.scenario.loader import apply_override, parse_path
from sim.scenario.schema import ACTION_PARAMS, Tunable

__all__ = ["VizModel", "guarded_model_class", "initial_kwargs", "model_params", "param_name",
           "parse_seed",
           "tunable_value"]


def param_name(path: str) -> str:
    """The keyword a tunable's dotted path becomes (TerritoryModel reads ``__`` as ``.``)."""
    return path.replace(".", "__")


def parse_seed(text: str | int | None) -> int | None:
    """The seed typed in the page: a whole number from 0, or empty for the scenario's own.

    Raises:
        FrontlineError: the text is not a whole number, or is negative.
    """
    if text is None:
        return None
    if isinstance(text, int):
        seed, text = text, str(text)
    else:
        text = str(text).strip()
        if not text:
            return None
        try:
            seed = int(text)
        except ValueError:
            raise FrontlineError(f"seed must be a whole number, got {text!r}") from None
    if seed < 0:  # numpy's generators take no negative seed
        raise FrontlineError(f"seed must be 0 or more, got {text!r}")
    return seed


class VizModel(TerritoryModel):
    """A TerritoryModel as the page's Reset re-creates it: the seed comes as typed text.

    Args:
        scenario_file: the scenario file (the page only passes files from its catalogue).
        seed: as typed in the page (text); empty means the scenario's seed.
        **tunables: tunable values, keyed by :func:`param_name`; Mesa's Reset also passes its
            ``scenario`` (a ``sim.model.CampaignScenario``), which TerritoryModel takes.
    """

    def __init__(self, scenario_file: str | Path = DEFAULT_SCENARIO,
                 seed: str | int | None = None, **tunables: Any):
        super().__init__(Path(scenario_file), seed=parse_seed(seed), **tunables)
        self.scenario_file = Path(scenario_file)


def tunable_value(loaded: LoadedScenario, tunable: Tunable) -> float | None:
    """The value a tunable has in the scenario as loaded (schema and rule defaults included)."""
    path = parse_path(tunable.path)
    data = loaded.scenario.model_dump(by_alias=True, mode="json")
    try:
        value = apply_override(data, path, None, dry_run=True)
    except ValueError:
        value = None
    if value is None and len(path) >= 2 and path[-2] == "with":
        rule = apply_override(copy.deepcopy(data), path[:-2], None, dry_run=True)
        if isinstance(rule, dict):
            spec = ACTION_PARAMS.get(rule.get("do", ""), {}).get(str(path[-1]))
            value = spec.default if spec is not None else None
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _whole(*xs: float) -> bool:
    return all(math.isclose(x, round(x)) for x in xs)


def model_params(loaded: LoadedScenario, scenario_file: Path) -> dict[str, Any]:
    """SolaraViz ``model_params``: the fixed scenario file, a seed box and one slider a tunable."""
    spec = loaded.scenario
    params: dict[str, Any] = {
        "scenario_file": str(scenario_file),
        "seed": {"type": "InputText", "value": str(spec.simulation.seed),
                 "label": "Seed (applies on Reset)"},
    }
    for t in spec.tunables:
        value = tunable_value(loaded, t)
        if value is None:
            value = t.min
        whole = _whole(t.min, t.max, t.step, value)
        cast = int if whole else float
        params[param_name(t.path)] = Slider(t.label, value=cast(value), min=cast(t.min),
                                            max=cast(t.max), step=cast(t.step),
                                            dtype=cast)
    return params


def initial_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """The keywords SolaraViz would pass for ``params`` before anything is changed."""
    out = {}
    for name, p in params.items():
        if isinstance(p, Slider):
            out[name] = p.value
        elif isinstance(p, dict) and "type" in p:
            out[name] = p.get("value")
        else:
            out[name] = p
    return out


def guarded_model_class(on_error: Callable[[FrontlineError], VizModel | None],
                        on_ok: Callable[[], None]) -> type[VizModel]:
    """A VizModel subclass whose construction reports a FrontlineError instead of raising it.

    SolaraViz's Reset re-creates the model as ``type(model)(**params)`` inside a button
    handler, where an exception (a seed that is not a number, a scenario file edited into an
    invalid one) would replace the page with a traceback. With this class, ``on_error`` gets
    the error and its return value (the model to keep) stands in for the new model;
    ``on_ok`` is called after every successful construction.
    """

    class _Guard(type(VizModel)):  # type: ignore[misc]
        def __call__(cls, *args: Any, **kwargs: Any) -> VizModel | None:
            try:
                model = super().__call__(*args, **kwargs)
            except FrontlineError as exc:
                return on_error(exc)
            on_ok()
            return model

    return _Guard(VizModel.__name__, (VizModel,), {"__module__": __name__,
                                                   "__doc__": VizModel.__doc__})
