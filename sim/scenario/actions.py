"""The rule actions and their ``with:`` parameters, one pydantic model each (a tagged union).

``do:`` selects the rule's model, so each action's parameters are validated, defaulted and
documented (in the JSON Schema and the reference) by the model of that action alone.
"""

import typing
from typing import Annotated, Any, Literal

from pydantic import Field

from sim.scenario.fields import Float, Fraction, Id, Int, empty_list
from sim.scenario.fields import Strict as _Strict

__all__ = [
    "ACTIONS",
    "ACTION_PARAMS",
    "FACTION_ACTIONS",
    "RULE_MODELS",
    "TOWN_PARAMS",
    "UNIT_ACTIONS",
    "AdvanceParams",
    "AdvanceRule",
    "BesiegeParams",
    "BesiegeRule",
    "BridgeParams",
    "BridgeRule",
    "ConscriptParams",
    "ConscriptRule",
    "DefendRule",
    "HoldRule",
    "NoParams",
    "RaidParams",
    "RaidRule",
    "ReinforceParams",
    "ReinforceRule",
    "RetreatRule",
    "Rule",
    "RuleBase",
]

UNIT_ACTIONS = (
    "advance", "besiege", "bridge", "defend", "hold", "raid", "reinforce", "retreat"
)
FACTION_ACTIONS = ("conscript",)
ACTIONS = UNIT_ACTIONS + FACTION_ACTIONS


# ------------------------------------------------------------------ rules and actions
def _town_param(doc: str) -> Any:
    return Field(None, description=doc, json_schema_extra={"x-kind": "town"})


class NoParams(_Strict):
    """This action takes no parameters."""


class AdvanceParams(_Strict):
    """Parameters of ``advance``: march on the best objective (or the one named)."""

    objective: Id | None = _town_param("march on this town instead of the best objective")


class BesiegeParams(_Strict):
    """Parameters of ``besiege``: cut a town off, assault it when strong enough."""

    target: Id | None = _town_param("town to besiege instead of the best objective")
    assault_ratio: Float = Field(
        3.0, ge=0, le=1e6, description="assault once own / defending fighters reach this ratio"
    )
    assault_on: Literal["fighters", "odds"] = Field(
        "fighters",
        description="what assault_ratio is measured in: fighters = the bloc's besiegers with "
        "this unit / the town's defenders; odds = the effective odds (the rule language's "
        "odds(town): effectiveness, terrain, fortification, entrenchment, supply, air)",
    )


class BridgeParams(_Strict):
    """Parameters of ``bridge``: open a closed river crossing by engineering (days of work).

    The unit marches through friendly territory to the end of the crossing its bloc holds,
    and works there; the crossing opens at the end of the orders phase of its ``days``-th
    day of work in a row (a day away, or in battle, starts the count again). While the
    crossing is open, or neither end is held by the unit's bloc, the rule does not apply:
    the next rule whose condition holds gives the order.
    """

    crossing: Id = Field(description="id of the crossing (``rivers[].crossings[]``)",
                         json_schema_extra={"x-kind": "crossing"})
    days: Int = Field(3, ge=1, le=10_000, description="days of work that open it")


class RaidParams(_Strict):
    """Parameters of ``raid``: strike the weakest-held hostile town within reach.

    The candidates are the towns held by a faction hostile to the unit (or those of ``towns``)
    that it reaches within ``radius_km`` of marching without fighting on the way (through
    towns with no hostile holder or fighters, over open highways). It marches on the one
    where its effective odds are the best (ties: the shorter march, then town order), if they
    reach ``min_odds``; otherwise the rule does not apply and the next rule whose condition
    holds gives the order. The target is chosen again every day (docs/model.md).
    """

    radius_km: Float = Field(
        60.0,
        gt=0,
        le=100_000,
        description="reach: marching distance (effective km, road km / terrain move factor, "
        "as movement counts it) to a candidate town",
    )
    min_odds: Float = Field(
        1.5,
        ge=0,
        le=1e6,
        description="raid only where the effective odds (the rule language's odds(town)) are "
        "at least this; below it at every candidate the rule does not apply",
    )
    towns: list[Id] = Field(
        default_factory=empty_list,
        max_length=10_000,
        description="raid only these towns (empty: any hostile-held town within reach)",
        json_schema_extra={"x-kind": "town"},
    )


class ReinforceParams(_Strict):
    """Parameters of ``reinforce``: move to the most threatened friendly town."""

    radius_km: Float = Field(
        60.0,
        ge=0,
        le=100_000,
        description="a friendly town is threatened when hostile units are within this many km",
    )


class ConscriptParams(_Strict):
    """Parameters of ``conscript`` (faction-wide): draft fighting-age men in threatened towns."""

    rate: Fraction = Field(0.01, description="share of a town's remaining fighting-age men "
                                             "taken a day")
    max_share: Fraction = Field(0.3, description="cap on the share of the fighting-age pool "
                                                 "ever taken")
    quality: Float = Field(0.5, ge=0, le=3, description="quality of conscripts (at most 3, as "
                                                        "for units)")
    morale: Fraction = Field(0.4, description="morale of conscripts")
    desertion: Fraction = Field(0.01, description="share of conscripts who desert a day")


class RuleBase(_Strict):
    """What every rule has, whatever its action."""

    id: Id | None = Field(None, description="optional id, lets a variant override this rule")
    when: str | bool = Field(True, description="condition in the rule language")
    enabled: bool = Field(True, description="false switches the rule off (useful in variants)")
    tags: list[Id] = Field(
        default_factory=empty_list,
        description="unit rules only: the rule applies only to units carrying one of these "
        "tags (empty: to every unit of the faction)",
    )
    before: Id | None = Field(
        None, description="in a variant: put this rule just before the base's rule with this id"
    )
    after: Id | None = Field(
        None, description="in a variant: put this rule just after the base's rule with this id"
    )


class AdvanceRule(RuleBase):
    """A rule whose action is ``advance``."""

    do: Literal["advance"] = Field(description="action to take")
    with_: AdvanceParams = Field(default_factory=AdvanceParams, alias="with",
                                 description="action parameters")


class BesiegeRule(RuleBase):
    """A rule whose action is ``besiege``."""

    do: Literal["besiege"] = Field(description="action to take")
    with_: BesiegeParams = Field(default_factory=BesiegeParams, alias="with",
                                 description="action parameters")


class BridgeRule(RuleBase):
    """A rule whose action is ``bridge``."""

    do: Literal["bridge"] = Field(description="action to take")
    with_: BridgeParams = Field(alias="with", description="action parameters")


class DefendRule(RuleBase):
    """A rule whose action is ``defend``."""

    do: Literal["defend"] = Field(description="action to take")
    with_: NoParams = Field(default_factory=NoParams, alias="with",
                            description="action parameters (none)")


class HoldRule(RuleBase):
    """A rule whose action is ``hold``."""

    do: Literal["hold"] = Field(description="action to take")
    with_: NoParams = Field(default_factory=NoParams, alias="with",
                            description="action parameters (none)")


class RaidRule(RuleBase):
    """A rule whose action is ``raid``."""

    do: Literal["raid"] = Field(description="action to take")
    with_: RaidParams = Field(default_factory=RaidParams, alias="with",
                              description="action parameters")


class ReinforceRule(RuleBase):
    """A rule whose action is ``reinforce``."""

    do: Literal["reinforce"] = Field(description="action to take")
    with_: ReinforceParams = Field(default_factory=ReinforceParams, alias="with",
                                   description="action parameters")


class RetreatRule(RuleBase):
    """A rule whose action is ``retreat``."""

    do: Literal["retreat"] = Field(description="action to take")
    with_: NoParams = Field(default_factory=NoParams, alias="with",
                            description="action parameters (none)")


class ConscriptRule(RuleBase):
    """A rule whose action is ``conscript``."""

    do: Literal["conscript"] = Field(description="action to take")
    with_: ConscriptParams = Field(default_factory=ConscriptParams, alias="with",
                                   description="action parameters")


#: One rule: when the condition holds, do the action with its parameters (``do:`` says which
#: of the rule models applies, and so which parameters ``with:`` takes).
Rule = Annotated[
    AdvanceRule | BesiegeRule | BridgeRule | DefendRule | HoldRule | RaidRule | ReinforceRule
    | RetreatRule | ConscriptRule,
    Field(discriminator="do"),
]

#: The model of each action's rules and of its ``with:`` parameters, in ACTIONS order.
RULE_MODELS: dict[str, type[RuleBase]] = {
    "advance": AdvanceRule, "besiege": BesiegeRule, "bridge": BridgeRule, "defend": DefendRule,
    "hold": HoldRule, "raid": RaidRule, "reinforce": ReinforceRule, "retreat": RetreatRule,
    "conscript": ConscriptRule,
}
ACTION_PARAMS: dict[str, type[_Strict]] = {
    action: typing.cast(type[_Strict], model.model_fields["with_"].annotation)
    for action, model in RULE_MODELS.items()
}
#: Parameters that name a town, per action (checked against the map's towns).
TOWN_PARAMS: dict[str, tuple[str, ...]] = {
    action: tuple(n for n, f in params.model_fields.items()
                  if isinstance(f.json_schema_extra, dict)
                  and f.json_schema_extra.get("x-kind") == "town")
    for action, params in ACTION_PARAMS.items()
}
