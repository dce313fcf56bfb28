"""Packaging beyond pyproject.toml: the scenarios/ folder shipped inside the ``sim`` package.

The scenario files stay at the top of the repository, where users and docs expect them; in a
wheel they become the package data of ``sim._scenarios`` (``sim/shipped.py`` looks there first).
The run report's static files are package data too, declared here as well: setuptools takes
package data from pyproject.toml or from setup.py, not both. Every other package is found as
usual, so a new subpackage needs no change here.
"""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
# scenarios/ and each folder in it (sweeps/, observed/, ...) as a package of data files
SHIPPED = {"sim._scenarios": "scenarios"} | {
    "sim._scenarios." + ".".join(d.relative_to(HERE / "scenarios").parts):
        d.relative_to(HERE).as_posix()
    for d in sorted((HERE / "scenarios").rglob("*"))
    if d.is_dir() and "__pycache__" not in d.parts
}

setup(
    packages=[*find_packages(include=["sim", "sim.*", "viz", "viz.*"]), *SHIPPED],
    package_dir=SHIPPED,
    package_data={
        **{name: ["*.yaml"] for name in SHIPPED},
        # the run report's page, script and styles (inlined into report.html)
        "sim.htmlreport": ["static/*.html", "static/*.js", "static/*.css"],
    },
)
