"""What a valid scenario file is: one frozen pydantic schema that validates and documents.

The same classes produce the JSON Schema (``frontline schema``) and the field reference in
``docs/scenario-format.md``; cross-references (unknown towns, relations, rule conditions) are
checked in ``checks.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "ACTIONS",
    "ACTION_PARAMS",
    "FACTION_ACTIONS",
    "TERRAINS",
    "UNIT_ACTIONS",
    "CombatParams",
    "Faction",
    "Feature",
    "Highway",
    "MovementParams",
    "Objective",
    "Rule",
    "Scenario",
    "SiegeParams",
    "SimulationParams",
    "TerrainParams",
    "Town",
    "Tunable",
    "Unit",
]

Id = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$",
        max_length=64,
        description="lower-case id: letters, digits, single underscores",
    ),
]
Fraction = Annotated[float, Field(ge=0, le=1)]
Relation = Literal["allied", "neutral", "hostile"]

TERRAINS = ("flat", "desert", "mountain", "urban", "river", "hills", "marsh")
UNIT_ACTIONS = ("advance", "besiege", "defend", "hold", "reinforce", "retreat")
FACTION_ACTIONS = ("conscript",)
ACTIONS = UNIT_ACTIONS + FACTION_ACTIONS
Terrain = Literal["flat", "desert", "mountain", "urban", "river", "hills", "marsh"]
Action = Literal["advance", "besiege", "defend", "hold", "reinforce", "retreat", "conscript"]


class _Strict(BaseModel):
    # no inf or nan anywhere: an infinite garrison made a run fail on its first day
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class Town(_Strict):
    """A town (a node of the map)."""

    id: Id
    name: str = Field(min_length=1, max_length=120, description="name shown in logs and maps")
    lat: float = Field(ge=-90, le=90, description="latitude, degrees north")
    lon: float = Field(ge=-180, le=180, description="longitude, degrees east")
    population: int = Field(ge=0, le=50_000_000, description="civilian population")
    terrain: Terrain = Field("flat", description="terrain of the town, sets its defence bonus")
    controller: Id | None = Field(None, description="faction holding the town at the start")
    garrison: float = Field(
        0,
        ge=0,
        le=10_000_000,
        description="local defenders (fighters) of the controller, who do not leave the town",
    )
    fortification: float = Field(
        0,
        ge=0,
        le=5,
        description="extra defence: defenders' "
        "effectiveness is divided by (1 + fortification) for attackers",
    )
    airlift: Fraction = Field(
        0,
        description="share of siege attrition an air bridge prevents "
        "(0 = none, 1 = fully supplied by air)",
    )


class Highway(_Strict):
    """A road between two towns (an edge of the map)."""

    from_: Id = Field(alias="from", description="id of one end")
    to: Id = Field(description="id of the other end")
    name: str | None = Field(None, description="road name, e.g. M20")
    length_km: float | None = Field(
        None,
        gt=0,
        le=5000,
        description="road length; default: great-circle distance x simulation.road_factor",
    )
    terrain: Terrain | None = Field(
        None,
        description="terrain crossed; default: the rougher "
        "of the two towns' terrains (mountain > hills > ... > flat)",
    )


class Objective(_Strict):
    """A town a faction wants, with how much it wants it."""

    town: Id
    priority: float = Field(1, gt=0, le=100, description="higher is more important")


class Unit(_Strict):
    """A mobile force (a Mesa agent)."""

    id: Id
    name: str = Field(min_length=1, max_length=120, description="name shown in logs")
    town: Id = Field(description="starting town (must be held by the faction or an ally)")
    fighters: float = Field(ge=0, le=10_000_000)
    quality: float = Field(
        1.0,
        gt=0,
        le=3,
        description="combat effectiveness multiplier "
        "(training, equipment, air support); 1 = regular infantry",
    )
    speed_km_day: float = Field(30, gt=0, le=500, description="road km a day on flat ground")
    morale: Fraction = Field(0.8, description="0 = broken, 1 = elite resolve")


class Rule(_Strict):
    """One rule: when the condition holds, do the action with its parameters."""

    id: Id | None = Field(None, description="optional id, lets a variant override this rule")
    when: str | bool = Field(True, description="condition in the rule language")
    do: Action = Field(description="action to take")
    with_: dict[str, Any] = Field(
        default_factory=dict,
        alias="with",
        description="action parameters (see the action reference)",
    )
    enabled: bool = Field(True, description="false switches the rule off (useful in variants)")


class Faction(_Strict):
    """A faction: its relations, supply, goals, forces and rules."""

    id: Id
    name: str = Field(min_length=1, max_length=120, description="name shown in logs and maps")
    colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb colour on maps")
    relations: dict[str, Relation] = Field(
        default_factory=dict,
        description="faction id -> "
        "allied | neutral | hostile (symmetric; an "
        "undeclared pair is hostile)",
    )
    supply_sources: list[Id] = Field(
        default_factory=list,
        description="towns supply flows from while the faction or an ally holds them",
    )
    objectives: list[Objective] = Field(default_factory=list)
    garrison_quality: float = Field(0.8, gt=0, le=3, description="quality of town garrisons")
    garrison_morale: Fraction = Field(0.7, description="starting morale of town garrisons")
    forces: list[Unit] = Field(default_factory=list)
    rules: list[Rule] = Field(
        default_factory=list,
        description="unit rules: the first that "
        "holds gives a unit its order (default: hold); faction rules "
        "(conscript): every one that holds acts",
    )


class TerrainParams(_Strict):
    """How a terrain affects movement and defence."""

    move: float = Field(gt=0, le=2, description="speed multiplier on roads through it")
    defence: float = Field(gt=0, le=10, description="defenders' effectiveness multiplier")


def default_terrain() -> dict[Terrain, TerrainParams]:
    # Movement: the article's "heavily mountainous" country west of Sukhnah vs "mostly flat" east.
    table: dict[Terrain, tuple[float, float]] = {
        "flat": (1.0, 1.0),
        "desert": (0.9, 1.0),
        "hills": (0.6, 1.3),
        "mountain": (0.35, 1.7),
        "urban": (0.5, 2.0),
        "river": (0.6, 1.4),
        "marsh": (0.4, 1.3),
    }
    return {k: TerrainParams(move=m, defence=d) for k, (m, d) in table.items()}


class CombatParams(_Strict):
    """Lanchester square-law combat coefficients."""

    kill_rate: float = Field(
        0.04,
        ge=0,
        le=1,
        description="fighters one quality-1 fighter puts "
        "out of action per day of battle, before multipliers (1/day)",
    )
    noise: float = Field(
        0.25,
        ge=0,
        le=2,
        description="sigma of the log-normal daily noise on "
        "each side's effectiveness (0 = deterministic)",
    )
    break_morale: Fraction = Field(0.25, description="a side whose morale falls below this breaks")
    morale_loss: float = Field(
        2.0, ge=0, le=20, description="morale lost per unit fraction of a force killed in a day"
    )
    unsupplied: Fraction = Field(0.6, description="effectiveness multiplier of an unsupplied side")
    occupation_share: Fraction = Field(
        0.1, description="share of a capturing unit left behind as the town's garrison"
    )
    morale_recovery: Fraction = Field(
        0.02,
        description="morale regained a day by supplied forces "
        "out of battle, up to their starting morale",
    )
    entrench: float = Field(
        1.25, ge=1, le=5, description="defence multiplier of units ordered to defend/hold"
    )


class SiegeParams(_Strict):
    """What a siege (no supply path) costs the besieged."""

    attrition: Fraction = Field(0.01, description="share of fighters lost a day while besieged")
    morale_loss: Fraction = Field(0.01, description="morale lost a day while besieged")
    civilian_loss: Fraction = Field(
        0.0005, description="share of population lost a day (deaths and flight)"
    )
    invest_ratio: float = Field(
        1.0,
        ge=0,
        le=100,
        description="besiegers cut every approach of "
        "a town once their fighters are at least this multiple of its "
        "defenders",
    )


class MovementParams(_Strict):
    """How objectives are weighed against distance."""

    priority_km: float = Field(
        60,
        ge=0,
        le=10_000,
        description="effective km of travel one "
        "point of objective priority is worth when choosing a target",
    )


class SimulationParams(_Strict):
    """Run settings and global coefficients."""

    start_date: dt.date = Field(description="calendar date of day 0 (YYYY-MM-DD)")
    days: int = Field(120, ge=0, le=100_000, description="days to simulate")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="root seed of the run's random generator")
    road_factor: float = Field(
        1.25, ge=1, le=3, description="road km per great-circle km, for highways without length_km"
    )
    fighting_age_share: Fraction = Field(
        0.25,
        description="share of a population that is "
        "fighting-age men, the pool conscription draws from",
    )
    combat: CombatParams = Field(default_factory=CombatParams)
    siege: SiegeParams = Field(default_factory=SiegeParams)
    movement: MovementParams = Field(default_factory=MovementParams)
    terrain: dict[Terrain, TerrainParams] = Field(
        default_factory=default_terrain,
        description="movement and defence per terrain; a partial table (one terrain, or one "
        "field of one) changes only what it names, the rest keep their defaults",
    )

    @field_validator("terrain", mode="before")
    @classmethod
    def _terrain_over_defaults(cls, value: Any) -> Any:
        """Lay a partial terrain table over the defaults (terrains and fields not named stay)."""
        if not isinstance(value, dict):
            return value
        merged: dict[Any, Any] = {k: p.model_dump() for k, p in default_terrain().items()}
        for name, params in value.items():
            if isinstance(params, dict) and isinstance(merged.get(name), dict):
                merged[name] = {**merged[name], **params}
            else:
                merged[name] = params
        return merged


class Feature(_Strict):
    """A reference drawing (river, border) shown on maps; no effect on the simulation."""

    id: Id
    name: str
    kind: Literal["river", "border", "line"] = "line"
    points: list[tuple[float, float]] = Field(min_length=2, description="[lat, lon] pairs")


class Tunable(_Strict):
    """A parameter offered as a slider in the browser visualization."""

    path: str = Field(
        description="dotted path, as for --set, e.g. "
        "factions.isis.rules.forced_conscription.with.rate"
    )
    label: str
    min: float
    max: float
    step: float = Field(gt=0)


class Scenario(_Strict):
    """A frontline scenario file (``format: 1``)."""

    format: Literal[1] = Field(description="file format version; must be 1")
    name: str = Field(min_length=1, max_length=200, description="title shown in logs and maps")
    description: str = Field("", description="free text: what this scenario is about")
    extends: str | None = Field(
        None, description="base scenario this one overrides (path relative to this file)"
    )
    simulation: SimulationParams = Field(description="run settings and coefficients")
    towns: list[Town] = Field(min_length=1, max_length=200_000, description="the map's nodes")
    highways: list[Highway] = Field(default_factory=list, max_length=1_000_000,
                                    description="the map's edges")
    factions: list[Faction] = Field(min_length=1, max_length=64, description="the sides")
    features: list[Feature] = Field(default_factory=list, description="reference drawings "
                                    "for maps (rivers, borders)")
    tunables: list[Tunable] = Field(default_factory=list, description="parameters offered "
                                    "as sliders in the browser app")


class ParamSpec(BaseModel):
    """An action parameter accepted under ``with:``."""

    kind: Literal["town", "num", "fraction"]
    default: float | None
    doc: str
    max: float | None = None


def _p(
    kind: Literal["town", "num", "fraction"], default: float | None, doc: str,
    max: float | None = None,
) -> ParamSpec:
    return ParamSpec(kind=kind, default=default, doc=doc, max=max)


ACTION_PARAMS: dict[str, dict[str, ParamSpec]] = {
    "advance": {"objective": _p("town", None, "march on this town instead of the best objective")},
    "besiege": {
        "target": _p("town", None, "town to besiege instead of the best objective"),
        "assault_ratio": _p("num", 3.0, "assault once own / defending fighters reach this ratio"),
    },
    "defend": {},
    "hold": {},
    "reinforce": {
        "radius_km": _p(
            "num", 60.0, "a friendly town is threatened when hostile units are within this many km"
        ),
    },
    "retreat": {},
    "conscript": {
        "rate": _p("fraction", 0.01, "share of a town's remaining fighting-age men taken a day"),
        "max_share": _p("fraction", 0.3, "cap on the share of the fighting-age pool ever taken"),
        "quality": _p("num", 0.5, "quality of conscripts (at most 3, as for units)", max=3.0),
        "morale": _p("fraction", 0.4, "morale of conscripts"),
        "desertion": _p("fraction", 0.01, "share of conscripts who desert a day"),
    },
}
