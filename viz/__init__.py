"""Browser visualization of a campaign (``frontline viz``): a Solara page around Mesa's SolaraViz.

Imports the simulation, never the reverse; holds no simulation logic. Modules: ``app`` (the page),
``components`` (its panels), ``mapview`` and ``charts`` (SVG builders), ``params`` (seed and
tunables), ``catalogue`` (which scenario files may be opened), ``server`` (the command).
"""

__all__: list[str] = []
