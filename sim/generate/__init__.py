"""Synthetic theatres: a planar road graph, towns, contiguous factions, units and rules.

``generate_scenario(towns, factions, units, seed)`` returns plain scenario data (the same shape
as a YAML scenario file), and ``scenario_yaml`` writes it as YAML text fast enough for 100,000
towns. Everything random comes from one ``numpy`` generator seeded with ``seed``, so the same
arguments give the same file.

The map: towns are scattered over a square (partly in clusters around cities) about 10 km
apart on average; the road graph is the Euclidean minimum spanning tree of their Delaunay
triangulation (so the map is connected) plus the shortest other Delaunay edges, up to a mean
degree of about 2.9, so it stays planar and road-like. Factions start from well-spread seed
towns and take the towns nearest to them by road (graph Voronoi cells, which are connected).

Examples:
    >>> data = generate_scenario(200, factions=3, units=20, seed=1)
    >>> len(data["towns"]), len(data["factions"]), sum(len(f["forces"]) for f in data["factions"])
    (200, 3, 20)
"""

from sim.generate.command import generate_command
from sim.generate.theatre import generate_scenario
from sim.generate.yamltext import scenario_yaml

__all__ = ["generate_command", "generate_scenario", "scenario_yaml"]
