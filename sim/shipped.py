"""The scenarios shipped with frontline: where they are, and naming one without its path.

In a source checkout they are the top-level ``scenarios/`` folder; in an installed wheel the
same files are package data of ``sim._scenarios`` (``pyproject.toml`` maps that folder into the
package), beside this module. ``SHIPPED_DIR`` is whichever of the two exists.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_SCENARIO", "SHIPPED_DIR", "names", "resolve"]

_HERE = Path(__file__).resolve().parent


def _shipped_dir() -> Path:
    installed = _HERE / "_scenarios"  # a wheel: package data
    if (installed / "deir_ez_zor_2017.yaml").is_file():
        return installed
    return _HERE.parent / "scenarios"  # a source checkout (or an editable install)


SHIPPED_DIR = _shipped_dir()
"""The folder holding the shipped scenario files (``sweeps/`` holds the shipped sweeps)."""
DEFAULT_SCENARIO = SHIPPED_DIR / "deir_ez_zor_2017.yaml"
"""The scenario ``frontline run`` and ``frontline viz`` play when given none."""


def names() -> list[str]:
    """The shipped scenarios' names (file names without ``.yaml``), sorted."""
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.yaml") if p.is_file())


def resolve(name: str | Path | None) -> Path:
    """The scenario file meant by a command-line argument.

    An existing path is itself; otherwise a shipped scenario's name, with or without
    ``.yaml`` (``deir_ez_zor_2017_no_conscription``), is that shipped file; no argument is the
    default scenario. Anything else is returned as given, so the loader reports it missing.

    Args:
        name: a path, a shipped scenario's name, or None.

    Returns:
        The path to load.
    """
    if name is None or str(name) == "":
        return DEFAULT_SCENARIO
    path = Path(name)
    try:
        exists = path.exists()
    except (OSError, ValueError):  # a NUL byte, a name too long: the loader reports it
        return path
    if exists or path.parent != Path("."):
        return path
    stem = path.name.removesuffix(".yaml")
    if stem and not stem.startswith(".") and stem in names():
        return SHIPPED_DIR / f"{stem}.yaml"
    return path
