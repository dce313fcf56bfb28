"""What follows supply: siege attrition, desertion and morale recovery; and conscription.

The end-of-day phase :func:`attrition` reads the supply state (``sim.supply``): the besieged
lose fighters, morale and people; conscripts desert; forces with a supply line out of battle
regain morale. :func:`conscript` (a faction rule, called by the orders phase) fills the
garrisons with the conscripts that later desert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.agents import Faction, Relations, Unit
from sim.record import Recorder
from sim.scenario.schema import SimulationParams
from sim.sense import Sense
from sim.state import Ledger, TownState
from sim.supply import SupplyState

__all__ = ["attrition", "conscript"]


def attrition(
    supply: SupplyState,
    towns: TownState,
    units: Sequence[Unit],
    factions: Sequence[Faction],
    relations: Relations,
    ledger: Ledger,
    params: SimulationParams,
    sense: Sense,
) -> None:
    """A day of siege attrition, conscript desertion and morale recovery; refreshes ``sense``."""
    siege = params.siege
    t = towns
    besieged = supply.besieged
    if besieged.any():
        _siege_losses(supply, towns, ledger, params, np.nonzero(besieged)[0])
    friends = relations.friends
    # plain lists for the tests: indexing numpy arrays one value at a time costs 0.1-0.2 us
    ctrl = t.controller.tolist()
    reach = supply.reach.tolist()
    for u in units:
        at_home = u.dest < 0 and ctrl[u.node] in friends[u.faction]
        supplied = reach[u.faction][u.node]
        if at_home and not supplied:
            relief = 1.0 - supply.pocket_airlift[u.node]  # a numpy float, as the losses were
            lost = u.fighters * siege.attrition * relief
            u.fighters -= lost
            ledger.casualties[u.faction] += lost
            u.morale = max(u.morale - siege.morale_loss * relief, 0.0)
        elif not u.in_battle and supplied:
            # out of battle with a supply line (in a town, or on a road out of a supplied one)
            u.morale = min(u.morale + params.combat.morale_recovery, u.base_morale)
    deserting = t.conscripts * t.desert_rate
    if deserting.any():
        held = t.controller >= 0
        d = np.where(held, np.minimum(deserting, t.garrison), 0.0)
        t.garrison -= d
        t.conscripts = np.maximum(t.conscripts - d, 0.0)
        np.add.at(ledger.deserted, t.controller[held], d[held])
    recover = supply.supplied & (t.garrison > 0)
    if recover.any():
        # each holder's garrison morale, by lookup (index -1, nobody, is the 0.0 at the end)
        target = np.array([f.garrison_morale for f in factions] + [0.0])[t.controller]
        t.garrison_morale[recover] = np.minimum(
            t.garrison_morale[recover] + params.combat.morale_recovery,
            np.maximum(target[recover], t.garrison_morale[recover]),
        )
    sense.refresh()


def _siege_losses(
    supply: SupplyState, t: TownState, ledger: Ledger, params: SimulationParams, idx: np.ndarray
) -> None:
    """A day's siege losses of the besieged towns ``idx`` (ascending): garrison, morale, people."""
    siege = params.siege
    relief = 1.0 - supply.pocket_airlift[idx]
    loss = t.garrison[idx] * siege.attrition * relief
    t.garrison[idx] -= loss
    np.add.at(ledger.casualties, t.controller[idx], loss)
    t.garrison_morale[idx] = np.maximum(t.garrison_morale[idx] - siege.morale_loss * relief, 0.0)
    t.population[idx] *= 1.0 - siege.civilian_loss * relief


def conscript(
    towns: TownState,
    ledger: Ledger,
    faction: Faction,
    params: Mapping[str, Any],
    fighting_age_share: float,
    record: Recorder,
) -> None:
    """Turn a share of the fighting-age men of the faction's towns into garrison fighters."""
    t = towns
    where_held = np.nonzero(t.controller == faction.index)[0]
    if not len(where_held):
        return
    men = t.population[where_held] * fighting_age_share
    cap = params["max_share"] * t.men_initial[where_held] - t.conscripted[where_held]
    take = np.clip(np.minimum(params["rate"] * men, cap), 0.0, None)
    total = float(take.sum())
    if total < 1.0:
        return
    g = t.garrison[where_held]
    new_g = g + take
    with np.errstate(invalid="ignore", divide="ignore"):
        w_new = np.where(new_g > 0, take / new_g, 0.0)
    t.garrison_morale[where_held] += w_new * (params["morale"] - t.garrison_morale[where_held])
    t.garrison_quality[where_held] += w_new * (
        params["quality"] - t.garrison_quality[where_held]
    )
    t.garrison[where_held] = new_g
    t.population[where_held] -= take
    t.conscripted[where_held] += take
    t.conscripts[where_held] += take
    t.desert_rate[where_held] = params["desertion"]
    ledger.recruited[faction.index] += total
    where = int(where_held[np.argmax(take)])
    n_towns = int((take >= 1).sum())
    record.emit(
        "conscription",
        faction.id,
        where,
        "",
        f"{total:.0f} men in {n_towns} towns",
        f"{faction.name} conscripts {total:,.0f} men in {n_towns} town"
        f"{'s' if n_towns != 1 else ''} (most in {record.town_names[where]})",
    )
