"""Supply and its consequences: sieges from graph connectivity, attrition, conscription."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sim.model import TerritoryModel

__all__ = ["attrition", "compute_supply", "conscript", "cut_edges"]


def cut_edges(model: TerritoryModel) -> np.ndarray:
    """Bool (faction, highway): highways closed to each faction's supply today.

    A highway is closed to a faction when a unit hostile to it stands on the highway, or when
    it leads into a town of the faction's bloc that hostile besiegers have invested (their
    fighters at least ``siege.invest_ratio`` times the town's defenders).
    """
    w = model.world
    k = len(model.factions)
    on_edge = np.zeros((k, w.m), dtype=bool)
    besiegers: dict[tuple[int, int], float] = {}
    for u in model.unit_list:
        if u.dest >= 0:
            on_edge[u.faction, w.edge(u.node, u.dest)] = True
            if u.besieging >= 0:
                key = (u.besieging, u.faction)
                besiegers[key] = besiegers.get(key, 0.0) + u.fighters
    hostile = model.hostile_matrix
    cut = (hostile.astype(np.int64) @ on_edge.astype(np.int64)) > 0
    if besiegers:
        tf = model.sense.defenders()  # units marching away do not defend the town
        ratio = model.spec.simulation.siege.invest_ratio
        for (town, b), fighters in sorted(besiegers.items()):
            holder = model.controller[town]
            if holder < 0 or not hostile[b, holder]:
                continue
            defenders = tf[sorted(model.factions[holder].friends), town].sum()
            if fighters >= ratio * defenders:
                edges = w.nbr_edge[w.nbr_ptr[town] : w.nbr_ptr[town + 1]]
                for f in model.factions[holder].friends:
                    if hostile[b, f]:
                        cut[f, edges] = True
    return cut


def compute_supply(model: TerritoryModel) -> None:
    """Recompute which towns each faction can supply, and which held towns are besieged.

    Sets ``model.reach`` (faction x town), ``model.supplied`` and ``model.besieged`` (per town,
    for its holder) and ``model.pocket_airlift``; emits siege_start / siege_lifted events.
    """
    w = model.world
    cut = cut_edges(model)
    ctrl = model.controller
    k = len(model.factions)
    reach = np.zeros((k, w.n), dtype=bool)
    airlift = np.zeros(w.n)
    for f in model.factions:
        passable = model.friend_of[f.index][ctrl]
        key = (model.control_version, cut[f.index].tobytes())
        cached = model._supply_cache.get(f.index)
        if cached is not None and cached[0] == key:
            reached, labels = cached[1]
        elif len(f.sources) == 0:  # no supply model for this faction: never besieged
            reached, labels = passable.copy(), np.zeros(w.n, dtype=np.int64)
        else:
            reached, labels = w.reachable(passable, ~cut[f.index], f.sources)
        model._supply_cache[f.index] = (key, (reached, labels))
        reach[f.index] = reached
        own_cut_off = (ctrl == f.index) & ~reached
        if own_cut_off.any():
            by_label = np.zeros(labels.max() + 1)
            np.maximum.at(by_label, labels[own_cut_off], w.airlift[own_cut_off])
            airlift[own_cut_off] = by_label[labels[own_cut_off]]
    held = ctrl >= 0
    supplied = np.zeros(w.n, dtype=bool)
    supplied[held] = reach[ctrl[held], np.nonzero(held)[0]]
    besieged = held & ~supplied
    previously = model.besieged
    model.reach, model.supplied, model.besieged, model.pocket_airlift = (
        reach,
        supplied,
        besieged,
        airlift,
    )
    for t in np.nonzero(besieged & ~previously)[0]:
        f = model.factions[ctrl[t]]
        model.emit(
            "siege_start",
            f.id,
            int(t),
            "",
            "cut off from supply",
            f"{model.world.names[t]} ({f.name}) is besieged: cut off from supply",
        )
    for t in np.nonzero(previously & ~besieged & held & (ctrl == model._prev_ctrl))[0]:
        f = model.factions[ctrl[t]]
        model.emit(
            "siege_lifted",
            f.id,
            int(t),
            "",
            "supply path restored",
            f"siege of {model.world.names[t]} ({f.name}) is lifted",
        )


def attrition(model: TerritoryModel) -> None:
    """A day of siege attrition, conscript desertion and morale recovery."""
    sim = model.spec.simulation
    siege = sim.siege
    w = model.world
    besieged = model.besieged
    if besieged.any():
        relief = 1.0 - model.pocket_airlift[besieged]
        idx = np.nonzero(besieged)[0]
        loss = model.garrison[idx] * siege.attrition * relief
        model.garrison[idx] -= loss
        np.add.at(model.losses_by_faction, model.controller[idx], loss)
        model.garrison_morale[idx] = np.maximum(
            model.garrison_morale[idx] - siege.morale_loss * relief, 0.0
        )
        model.population[idx] *= 1.0 - siege.civilian_loss * relief
    for u in model.unit_list:
        at_home = u.dest < 0 and model.controller[u.node] in model.factions[u.faction].friends
        if at_home and not model.reach[u.faction, u.node]:
            relief = 1.0 - model.pocket_airlift[u.node]
            lost = u.fighters * siege.attrition * relief
            u.fighters -= lost
            model.losses_by_faction[u.faction] += lost
            u.morale = max(u.morale - siege.morale_loss * relief, 0.0)
        elif not u.in_battle and model.reach[u.faction, u.node]:
            # out of battle with a supply line (in a town, or on a road out of a supplied one)
            u.morale = min(u.morale + sim.combat.morale_recovery, u.base_morale)
    deserting = model.conscripts * model.desert_rate
    if deserting.any():
        held = model.controller >= 0
        d = np.where(held, np.minimum(deserting, model.garrison), 0.0)
        model.garrison -= d
        model.conscripts = np.maximum(model.conscripts - d, 0.0)
        np.add.at(model.deserted_by_faction, model.controller[held], d[held])
    recover = model.supplied & (model.garrison > 0)
    if recover.any():
        # each holder's garrison morale, by lookup (index -1, nobody, is the 0.0 at the end)
        target = np.array([f.garrison_morale for f in model.factions] + [0.0])[model.controller]
        model.garrison_morale[recover] = np.minimum(
            model.garrison_morale[recover] + sim.combat.morale_recovery,
            np.maximum(target[recover], model.garrison_morale[recover]),
        )
    _ = w


def conscript(model: TerritoryModel, faction: int, params: dict[str, Any]) -> None:
    """Turn a share of the fighting-age men of the faction's towns into garrison fighters."""
    sim = model.spec.simulation
    f = model.factions[faction]
    towns = np.nonzero(model.controller == faction)[0]
    if not len(towns):
        return
    men = model.population[towns] * sim.fighting_age_share
    cap = params["max_share"] * model.men_initial[towns] - model.conscripted[towns]
    take = np.clip(np.minimum(params["rate"] * men, cap), 0.0, None)
    total = float(take.sum())
    if total < 1.0:
        return
    g = model.garrison[towns]
    new_g = g + take
    with np.errstate(invalid="ignore", divide="ignore"):
        w_new = np.where(new_g > 0, take / new_g, 0.0)
    model.garrison_morale[towns] += w_new * (params["morale"] - model.garrison_morale[towns])
    model.garrison_quality[towns] += w_new * (params["quality"] - model.garrison_quality[towns])
    model.garrison[towns] = new_g
    model.population[towns] -= take
    model.conscripted[towns] += take
    model.conscripts[towns] += take
    model.desert_rate[towns] = params["desertion"]
    f.recruited += total
    where = int(towns[np.argmax(take)])
    n_towns = int((take >= 1).sum())
    model.emit(
        "conscription",
        f.id,
        where,
        "",
        f"{total:.0f} men in {n_towns} towns",
        f"{f.name} conscripts {total:,.0f} men in {n_towns} town"
        f"{'s' if n_towns != 1 else ''} (most in {model.world.names[where]})",
    )
