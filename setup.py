"""Packaging beyond pyproject.toml: the scenarios/ folder shipped inside the ``sim`` package.

The scenario files stay at the top of the repository, where users and docs expect them; in a
wheel they become the package data of ``sim._scenarios`` (``sim/shipped.py`` looks there first).
Every other package is found as usual, so a new subpackage needs no change here.
"""

from setuptools import find_packages, setup

SHIPPED = {"sim._scenarios": "scenarios", "sim._scenarios.sweeps": "scenarios/sweeps"}

setup(
    packages=[*find_packages(include=["sim", "sim.*", "viz", "viz.*"]), *SHIPPED],
    package_dir=SHIPPED,
    package_data={name: ["*.yaml"] for name in SHIPPED},
)
