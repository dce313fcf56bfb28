"""Combat arithmetic as pure functions: Lanchester's square law for aimed fire."""

from __future__ import annotations

import math

__all__ = ["lanchester", "lanchester_step"]


def lanchester(a0: float, d0: float, alpha: float, beta: float, t: float) -> tuple[float, float]:
    """Exact solution of the square law at time ``t``, stopping when one side is destroyed.

    The law is ``dA/dt = -beta * D`` and ``dD/dt = -alpha * A``: each side loses fighters in
    proportion to the size of the other; ``alpha`` is how many defenders one attacker puts out
    of action per day, ``beta`` the reverse. ``alpha * A**2 - beta * D**2`` is conserved.

    Args:
        a0: attackers at time 0.
        d0: defenders at time 0.
        alpha: attackers' effectiveness (1/day).
        beta: defenders' effectiveness (1/day).
        t: time in days.

    Returns:
        (attackers, defenders) at time ``t``, never negative.

    Examples:
        >>> lanchester(100, 50, 0.1, 0.1, 100)[1]
        0.0
        >>> round(lanchester(100, 50, 0.1, 0.1, 100)[0], 3)  # sqrt(100**2 - 50**2)
        86.603
    """
    if a0 <= 0 or d0 <= 0 or t <= 0 or (alpha <= 0 and beta <= 0):
        return max(a0, 0.0), max(d0, 0.0)
    if alpha <= 0:  # only defenders shoot: A falls linearly
        return max(a0 - beta * d0 * t, 0.0), d0
    if beta <= 0:
        return a0, max(d0 - alpha * a0 * t, 0.0)
    g = math.sqrt(alpha * beta)
    ra = math.sqrt(beta / alpha)  # attackers lost per defender, in the invariant's units
    invariant = alpha * a0 * a0 - beta * d0 * d0
    # time at which the weaker side reaches zero (tanh(g t*) = ratio), if ever
    if invariant > 0:  # attackers win: D hits 0 when tanh(g t) = (d0 * ra) / a0
        end = math.atanh(min(d0 * ra / a0, 1 - 1e-15)) / g
        if t >= end:
            return math.sqrt(invariant / alpha), 0.0
    elif invariant < 0:
        end = math.atanh(min(a0 / (d0 * ra), 1 - 1e-15)) / g
        if t >= end:
            return 0.0, math.sqrt(-invariant / beta)
    else:  # exact parity: both decay as exp(-g t)
        return a0 * math.exp(-g * t), d0 * math.exp(-g * t)
    c, s = math.cosh(g * t), math.sinh(g * t)
    a = a0 * c - ra * d0 * s
    d = d0 * c - a0 * s / ra
    return max(a, 0.0), max(d, 0.0)


def lanchester_step(a0: float, d0: float, alpha: float, beta: float) -> tuple[float, float]:
    """One day of battle: ``lanchester`` over ``t = 1``."""
    return lanchester(a0, d0, alpha, beta, 1.0)
