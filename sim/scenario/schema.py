"""What a valid scenario file is: one frozen pydantic schema that validates and documents.

The same classes produce the JSON Schema (``frontline schema``) and the field reference in
``docs/scenario-format.md``; cross-references (unknown towns, relations, rule conditions) are
checked in ``checks.py``.
"""

import datetime as dt
from typing import Annotated, Any, Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from sim.scenario.actions import (
    ACTION_PARAMS,
    ACTIONS,
    FACTION_ACTIONS,
    RULE_MODELS,
    TOWN_PARAMS,
    UNIT_ACTIONS,
    AdvanceParams,
    AdvanceRule,
    BesiegeParams,
    BesiegeRule,
    BridgeParams,
    BridgeRule,
    ConscriptParams,
    ConscriptRule,
    DefendRule,
    HoldRule,
    NoParams,
    RaidParams,
    RaidRule,
    ReinforceParams,
    ReinforceRule,
    RetreatRule,
    Rule,
    RuleBase,
)
from sim.scenario.fields import (
    NOT_BOOL,
    TERRAINS,
    Date,
    DayOrDate,
    Float,
    Fraction,
    Id,
    Int,
    Name,
    Relation,
    Terrain,
    Text,
    empty_list,
)
from sim.scenario.fields import Strict as _Strict
from sim.scenario.rivers import Crossing, River

__all__ = [
    "ACTIONS",
    "ACTION_PARAMS",
    "AIR_TARGETS",
    "FACTION_ACTIONS",
    "RULE_MODELS",
    "TERRAINS",
    "TOWN_PARAMS",
    "UNIT_ACTIONS",
    "AdvanceParams",
    "AdvanceRule",
    "AirParams",
    "BesiegeParams",
    "BesiegeRule",
    "BridgeParams",
    "BridgeRule",
    "CombatParams",
    "ConscriptParams",
    "ConscriptRule",
    "Crossing",
    "DefendRule",
    "Faction",
    "Feature",
    "Flow",
    "GarrisonPolicy",
    "Highway",
    "HoldRule",
    "MovementParams",
    "NoParams",
    "Objective",
    "RaidParams",
    "RaidRule",
    "ReinforceParams",
    "ReinforceRule",
    "RetreatRule",
    "River",
    "Rule",
    "RuleBase",
    "Scenario",
    "SiegeParams",
    "SimulationParams",
    "TerrainParams",
    "Town",
    "Tunable",
    "Unit",
]

class Town(_Strict):
    """A town (a node of the map)."""

    id: Id
    name: Name = Field(min_length=1, max_length=120, description="name shown in logs and maps")
    lat: Float = Field(ge=-90, le=90, description="latitude, degrees north")
    lon: Float = Field(ge=-180, le=180, description="longitude, degrees east")
    population: Int = Field(ge=0, le=50_000_000, description="civilian population")
    terrain: Terrain = Field("flat", description="terrain of the town, sets its defence bonus")
    controller: Id | None = Field(None, description="faction holding the town at the start")
    garrison: Float = Field(
        0,
        ge=0,
        le=10_000_000,
        description="local defenders (fighters) of the controller, who do not leave the town",
    )
    fortification: Float = Field(
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
    airlift_capacity: Float = Field(
        0,
        ge=0,
        le=10_000_000,
        description="air bridge with a capacity, in fighter-days of supply flown in a day "
        "(tonnes expressed as the fighters they keep supplied): while besieged, the pocket's "
        "share of attrition prevented is min(1, capacity / besieged fighters in the pocket), "
        "the capacities of its towns summed; the larger of this and ``airlift`` applies "
        "(0 = none)",
    )


class Highway(_Strict):
    """A road between two towns (an edge of the map)."""

    from_: Id = Field(alias="from", description="id of one end")
    to: Id = Field(description="id of the other end")
    name: Name | None = Field(None, description="road name, e.g. M20")
    length_km: Annotated[float, Field(gt=0, le=5000), NOT_BOOL] | None = Field(
        None,
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
    priority: Float = Field(1, gt=0, le=100, description="higher is more important")
    tags: list[Id] = Field(
        default_factory=empty_list,
        description="an objective only for the faction's units carrying one of these tags "
        "(empty: for every unit)",
    )


class Unit(_Strict):
    """A mobile force (a Mesa agent)."""

    id: Id
    name: Name = Field(min_length=1, max_length=120, description="name shown in logs")
    town: Id = Field(description="starting town (must be held by the faction or an ally)")
    fighters: Float = Field(ge=0, le=10_000_000)
    quality: Float = Field(
        1.0,
        gt=0,
        le=3,
        description="combat effectiveness multiplier "
        "(training, equipment, air support); 1 = regular infantry",
    )
    speed_km_day: Float = Field(30, gt=0, le=500, description="road km a day on flat ground")
    morale: Fraction = Field(0.8, description="0 = broken, 1 = elite resolve")
    authorised: Annotated[float, Field(gt=0, le=10_000_000), NOT_BOOL] | None = Field(
        None,
        description="authorised strength (fighters): what replacements fill it up to, and "
        "what the rule variable strength is measured against; default: its starting fighters",
    )
    replacements_per_day: Float = Field(
        0,
        ge=0,
        le=1_000_000,
        description="fighters a day added at dawn while the unit was out of battle the day "
        "before and its faction's supply reaches it, up to authorised (0 = none)",
    )
    tags: list[Id] = Field(
        default_factory=empty_list,
        description="ids naming its axis or role (e.g. axis_south, armour): tag-restricted "
        "rules and tagged objectives apply to it, conditions ask tagged('...')",
    )


class GarrisonPolicy(_Strict):
    """Fighters a faction leaves in a town it takes: one of share, fighters, threat_share."""

    share: Fraction | None = Field(
        None, description="leave this share of each capturing unit's fighters"
    )
    fighters: Annotated[float, Field(ge=0, le=10_000_000), NOT_BOOL] | None = Field(
        None, description="leave this many fighters in all (taken from the capturing units "
        "in proportion to their fighters)"
    )
    threat_share: Annotated[float, Field(ge=0, le=100), NOT_BOOL] | None = Field(
        None, description="leave this many fighters per hostile unit fighter within "
        "radius_km of the town, between min and max"
    )
    radius_km: Float = Field(
        30, gt=0, le=10_000, description="how far threat_share looks for hostile units (km, "
        "straight line)"
    )
    min: Float = Field(0, ge=0, le=10_000_000, description="threat_share: at least this many")
    max: Annotated[float, Field(ge=0, le=10_000_000), NOT_BOOL] | None = Field(
        None, description="threat_share: at most this many (default: no limit)"
    )
    cap_share: Fraction = Field(
        0.5, description="fighters and threat_share: never more than this share of the "
        "capturing units' fighters"
    )
    release_km: Annotated[float, Field(gt=0, le=10_000), NOT_BOOL] | None = Field(
        None, description="fighters and threat_share: each dawn, a supplied garrison with no "
        "hostile unit within this many km sends what it holds above the policy's need to a "
        "unit of its faction in the town or next to it (default: never)"
    )

    @model_validator(mode="after")
    def _one_rule(self) -> Self:
        given = [k for k in ("share", "fighters", "threat_share") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of share, fighters and threat_share"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        if self.release_km is not None and self.share is not None:
            raise ValueError("release_km needs a need in fighters: use fighters or "
                             "threat_share, not share")
        return self


class Flow(_Strict):
    """Fighters arriving every day, into one unit or one town's garrison (force generation)."""

    id: Id
    to_unit: Id | None = Field(None, description="id of a unit of this faction (one of its "
                               "forces, or one a timeline event adds)")
    to_town: Id | None = Field(None, description="id of a town: the fighters join its "
                               "garrison while this faction holds it")
    per_day: Float = Field(gt=0, le=1_000_000, description="fighters a day")
    from_: DayOrDate | None = Field(
        None, alias="from", description="first day (a day number or a date; default: day 1)"
    )
    from_event: Id | None = Field(
        None, description="instead of from: start on the day this timeline event fires"
    )
    until: DayOrDate | None = Field(
        None, description="last day (a day number or a date; default: the end of the run)"
    )
    total: Annotated[float, Field(gt=0, le=100_000_000), NOT_BOOL] | None = Field(
        None, description="stop after this many fighters in all (default: no cap)"
    )
    needs_supply: bool = Field(
        True, description="arrive only where the faction's supply reaches (false: by air)"
    )
    quality: Annotated[float, Field(gt=0, le=3), NOT_BOOL] | None = Field(
        None, description="quality of the arrivals (mixed in by fighters; default: a town's "
        "garrison quality of the faction, a unit's own)"
    )
    morale: Fraction | None = Field(
        None, description="morale of the arrivals (mixed in by fighters; default: the "
        "faction's garrison morale, a unit's own)"
    )

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.to_unit is None) == (self.to_town is None):
            raise ValueError("give exactly one of to_unit and to_town")
        if self.from_ is not None and self.from_event is not None:
            raise ValueError("give at most one of from and from_event")
        return self


AIR_TARGETS = ("largest_battle", "objectives")


class AirParams(_Strict):
    """A faction's air support: sorties a day that raise its side's effectiveness in battles."""

    sorties_per_day: Float = Field(
        0, ge=0, le=100_000, description="sorties flown a day (the timeline may change it)"
    )
    effect_per_sortie: Float = Field(
        0.01,
        ge=0,
        le=10,
        description="rise of the supported side's effectiveness per sortie at one battle: the "
        "multiplier is 1 + effect_per_sortie x sorties there",
    )
    max_multiplier: Float = Field(
        1.5,
        ge=1,
        le=10,
        description="the most the sorties at one battle can multiply effectiveness by; "
        "sorties beyond it go to the next battle",
    )
    target: Literal["largest_battle", "objectives"] = Field(
        "largest_battle",
        description="where the sorties go each day: largest_battle = the battles the faction "
        "takes part in, largest (attackers + defenders) first; objectives = only battles at "
        "its objectives, highest priority first (then largest)",
    )
    bombard_kills_per_sortie: Float = Field(
        0,
        ge=0,
        le=1000,
        description="fighters put out of action per sortie flown against a town the faction's "
        "units besiege (wait before): the sorties no battle needed that day strike those "
        "towns, the largest besieging force first, each town taking as many sorties as a "
        "battle could (up to max_multiplier); 0 = no bombardment",
    )


class Faction(_Strict):
    """A faction: its relations, supply, goals, forces and rules."""

    id: Id
    name: Name = Field(min_length=1, max_length=120, description="name shown in logs and maps")
    colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb colour on maps")
    relations: dict[str, Relation] = Field(
        default_factory=dict,
        description="faction id -> "
        "allied | neutral | hostile (symmetric; an "
        "undeclared pair is hostile)",
    )
    supply_sources: list[Id] = Field(
        default_factory=empty_list,
        description="towns supply flows from while the faction or an ally holds them",
    )
    objectives: list[Objective] = Field(default_factory=empty_list)
    garrison_quality: Float = Field(0.8, gt=0, le=3, description="quality of town garrisons")
    garrison_morale: Fraction = Field(0.7, description="starting morale of town garrisons")
    forces: list[Unit] = Field(default_factory=empty_list)
    garrison: GarrisonPolicy | None = Field(
        None, description="how many fighters it leaves in towns it captures, and when it "
        "releases them (default: simulation.combat.occupation_share of each capturing unit)"
    )
    flows: list[Flow] = Field(
        default_factory=empty_list,
        description="reinforcement flows: fighters a day into a unit or a town",
    )
    air: AirParams | None = Field(
        None, description="air support (none when absent); see docs/model.md, air power"
    )
    rules: list[Rule] = Field(
        default_factory=empty_list,
        description="unit rules: the first that "
        "holds gives a unit its order (default: hold); faction rules "
        "(conscript): every one that holds acts",
    )


class TerrainParams(_Strict):
    """How a terrain affects movement and defence."""

    move: Float = Field(gt=0, le=2, description="speed multiplier on roads through it")
    defence: Float = Field(gt=0, le=10, description="defenders' effectiveness multiplier")


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

    kill_rate: Float = Field(
        0.04,
        ge=0,
        le=1,
        description="fighters one quality-1 fighter puts "
        "out of action per day of battle, before multipliers (1/day)",
    )
    noise: Float = Field(
        0.25,
        ge=0,
        le=2,
        description="sigma of the log-normal daily noise on "
        "each side's effectiveness (0 = deterministic)",
    )
    break_morale: Fraction = Field(0.25, description="a side whose morale falls below this breaks")
    morale_loss: Float = Field(
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
    entrench: Float = Field(
        1.25, ge=1, le=5, description="defence multiplier of units ordered to defend/hold"
    )
    crossing_defence: Float = Field(
        1.5,
        ge=1,
        le=10,
        description="defence multiplier of a town's defenders against attackers who came "
        "over a river crossing (``rivers:``; a crossing's own ``defence`` overrides it)",
    )


class SiegeParams(_Strict):
    """What a siege (no supply path) costs the besieged."""

    attrition: Fraction = Field(0.01, description="share of fighters lost a day while besieged")
    morale_loss: Fraction = Field(0.01, description="morale lost a day while besieged")
    civilian_loss: Fraction = Field(
        0.0005, description="share of population lost a day (deaths and flight)"
    )
    invest_ratio: Float = Field(
        1.0,
        ge=0,
        le=100,
        description="besiegers cut every approach of "
        "a town once their fighters are at least this multiple of its "
        "defenders",
    )


class MovementParams(_Strict):
    """How objectives are weighed against distance."""

    priority_km: Float = Field(
        60,
        ge=0,
        le=10_000,
        description="effective km of travel one "
        "point of objective priority is worth when choosing a target",
    )


#: The last date a run may reach: plots pad their date axes by a few percent of the run, and
#: Python's (and matplotlib's) calendar ends on 9999-12-31.
LAST_DATE = dt.date(9000, 12, 31)


class SimulationParams(_Strict):
    """Run settings and global coefficients."""

    start_date: Date = Field(description="calendar date of day 0 (YYYY-MM-DD)")
    days: Int = Field(120, ge=0, le=100_000, description="days to simulate")
    seed: Int = Field(0, ge=0, le=2**63 - 1, description="root seed of the run's random generator")
    road_factor: Float = Field(
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

    @field_validator("start_date")
    @classmethod
    def _starts_in_the_calendar(cls, start: dt.date) -> dt.date:
        if start > LAST_DATE:
            raise ValueError(f"start_date must be at most {LAST_DATE} (plots pad their date "
                             "axes, and the calendar ends in 9999)")
        return start

    @field_validator("days")
    @classmethod
    def _ends_in_the_calendar(cls, days: int, info: ValidationInfo) -> int:
        start = info.data.get("start_date")
        if isinstance(start, dt.date) and (LAST_DATE - start).days < days:
            room = (LAST_DATE - start).days
            raise ValueError(
                f"{days} days from {start} end after {LAST_DATE}, the last date a run may "
                f"reach (plots pad their date axes, and the calendar ends in 9999); at most "
                f"{room} days from this start_date"
            )
        return days

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
    name: Name
    kind: Literal["river", "border", "line"] = "line"
    points: list[tuple[float, float]] = Field(min_length=2, description="[lat, lon] pairs")


class Tunable(_Strict):
    """A parameter offered as a slider in the browser visualization."""

    path: str = Field(
        description="dotted path, as for --set, e.g. "
        "factions.isis.rules.forced_conscription.with.rate"
    )
    label: Name
    min: Float
    max: Float
    step: Float = Field(gt=0)


class Arrival(Unit):
    """A unit that arrives during the run (a timeline event's ``add_units``)."""

    faction: Id = Field(description="the faction it belongs to")
    town: Id = Field(
        description="where it arrives (held by the faction or an ally when it fires; "
        "otherwise it does not arrive, and the log says so)"
    )


class Sortie(_Strict):
    """Part of a town's garrison that leaves it as a unit (a timeline event's ``sortie``)."""

    id: Id = Field(description="the new unit's id")
    name: Name = Field(min_length=1, max_length=120, description="name shown in logs")
    faction: Id = Field(description="the faction whose garrison sorties (it must hold the town "
                        "when the event fires; otherwise nothing leaves, and the log says so)")
    town: Id = Field(description="the town whose garrison it leaves")
    fighters: Annotated[float, Field(gt=0, le=10_000_000), NOT_BOOL] | None = Field(
        None, description="this many fighters leave (at most the whole garrison)"
    )
    share: Annotated[float, Field(gt=0, le=1), NOT_BOOL] | None = Field(
        None, description="this share of the garrison leaves"
    )
    quality: Annotated[float, Field(gt=0, le=3), NOT_BOOL] | None = Field(
        None, description="the unit's quality (default: the garrison's)"
    )
    morale: Annotated[float, Field(ge=0, le=1), NOT_BOOL] | None = Field(
        None, description="the unit's morale (default: the garrison's)"
    )
    speed_km_day: Float = Field(30, gt=0, le=500, description="road km a day on flat ground")
    tags: list[Id] = Field(default_factory=empty_list, description="as a unit's tags")

    @model_validator(mode="after")
    def _one_size(self) -> Self:
        if (self.fighters is None) == (self.share is None):
            raise ValueError("give exactly one of fighters and share")
        return self


class Road(_Strict):
    """A highway named by its two towns (either order)."""

    from_: Id = Field(alias="from")
    to: Id


class RelationChange(_Strict):
    """A relation between two factions, set both ways."""

    factions: tuple[Id, Id] = Field(description="the two faction ids")
    relation: Relation


class TimelineEvent(_Strict):
    """Something that happens on a date, on a day, or when a condition first holds (once)."""

    id: Id
    date: Date | None = Field(None, description="fire at dawn of this calendar date")
    day: Annotated[int, Field(ge=1, le=100_000), NOT_BOOL] | None = Field(
        None, description="fire at dawn of this day")
    when: str | None = Field(
        None, description="fire at dawn of the first day this faction-wide condition holds "
        "(the rule language; seen from ``faction``)"
    )
    faction: str | None = Field(
        None, max_length=64, description="faction id whose view ``when`` is evaluated from"
    )
    spread_days: Int = Field(
        0,
        ge=0,
        le=10_000,
        description="date or day uncertain by this many days: the day is drawn once per run, "
        "uniformly from date - spread_days to date + spread_days, when the run is built",
    )
    note: str = Field("", max_length=500, description="what happened, for the event log")
    set: dict[str, Any] = Field(
        default_factory=dict,
        description="dotted path -> value, as --set; at run time only simulation.combat.*, "
        "simulation.siege.*, simulation.movement.*, simulation.fighting_age_share and "
        "factions.<id>.rules / objectives / garrison_quality / garrison_morale / garrison / air",
    )
    relations: list[RelationChange] = Field(
        default_factory=empty_list, description="relations that change (symmetric)"
    )
    close: list[Road] = Field(
        default_factory=empty_list, description="highways closed to everyone (a bridge blown)"
    )
    open: list[Road] = Field(
        default_factory=empty_list, description="closed highways opened again (a bridge built)"
    )
    close_crossings: list[Id] = Field(
        default_factory=empty_list, description="ids of river crossings closed (a bridge blown)"
    )
    open_crossings: list[Id] = Field(
        default_factory=empty_list, description="ids of river crossings opened (a pontoon laid)"
    )
    airlift: dict[str, float] = Field(
        default_factory=dict,
        description="town id -> airlift share (0-1) from now on (0 stops it)",
    )
    airlift_capacity: dict[str, float] = Field(
        default_factory=dict,
        description="town id -> airlift capacity (fighter-days a day) from now on (0 stops it)",
    )
    air: dict[str, float] = Field(
        default_factory=dict,
        description="faction id -> air sorties a day from now on (0 stops air support); the "
        "faction needs an air: block",
    )
    withdraw: list[str] = Field(
        default_factory=empty_list,
        description="ids of units that leave the map (with their fighters)",
    )
    add_units: list[Arrival] = Field(
        default_factory=empty_list, description="units that arrive (reinforcements)"
    )
    sortie: list[Sortie] = Field(
        default_factory=empty_list,
        description="parts of garrisons that leave their towns as units (a besieged "
        "enclave breaking out, a garrison joining the field army); applied after add_units",
    )

    def newcomers(self) -> list[Arrival | Sortie]:
        """The units this event puts on the map: its arrivals, then its sorties."""
        return [*self.add_units, *self.sortie]

    def day_number(self, start: dt.date) -> int | None:
        """Its day of the run before any spread (``date`` - ``start``); None for a condition."""
        return self.day if self.date is None else (self.date - start).days


#: The JSON Schema of ``towns: {file: ..., format: ...}`` (see :mod:`sim.scenario.tables`).
TABLE_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "file": {"type": "string", "minLength": 1,
                 "description": "the table, relative to this file (.csv, .parquet, .geojson)"},
        "format": {"enum": ["csv", "parquet", "geojson"],
                   "description": "default: from the file name's ending"},
    },
    "required": ["file"],
    "additionalProperties": False,
}


def _or_table(schema: dict[str, Any]) -> None:
    """A section's JSON Schema: its list of items, or a table file naming them."""
    listed = {k: v for k, v in schema.items() if k not in ("title", "description", "default")}
    for k in listed:
        del schema[k]
    schema["anyOf"] = [listed, TABLE_JSON_SCHEMA]


class Scenario(_Strict):
    """A frontline scenario file (``format: 1``)."""

    format: Literal[1] = Field(description="file format version; must be 1")
    name: Name = Field(min_length=1, max_length=200, description="title shown in logs and maps")
    description: Text = Field("", description="free text: what this scenario is about")
    extends: str | None = Field(
        None, description="base scenario this one overrides (path relative to this file)"
    )
    simulation: SimulationParams = Field(description="run settings and coefficients")
    towns: list[Town] = Field(
        min_length=1, max_length=200_000, json_schema_extra=_or_table,
        description="the map's nodes; or {file: towns.csv} to read them from a table (CSV, "
        "Parquet or GeoJSON Points; path relative to this file; one row per town, its columns "
        "the fields below)")
    highways: list[Highway] = Field(
        default_factory=empty_list, max_length=1_000_000, json_schema_extra=_or_table,
        description="the map's edges; or {file: highways.csv} to read them from a table "
        "(CSV, Parquet or GeoJSON features; columns from, to, ...)")
    factions: list[Faction] = Field(min_length=1, max_length=64, description="the sides")
    features: list[Feature] = Field(default_factory=empty_list, description="reference drawings "
                                    "for maps (rivers, borders)")
    tunables: list[Tunable] = Field(default_factory=empty_list, description="parameters offered "
                                    "as sliders in the browser app")
    events: list[TimelineEvent] = Field(
        default_factory=empty_list, description="the timeline: things that happen during the run"
    )
    rivers: list[River] = Field(
        default_factory=empty_list, description="rivers crossed only at their crossings (highways "
        "declared as bridges, ferries, pontoons or fords, open or closed)"
    )
