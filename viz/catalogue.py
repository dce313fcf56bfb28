"""The scenarios the page may open: a fixed list of files, so a browser cannot name any other."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.errors import FrontlineError
from sim.shipped import DEFAULT_SCENARIO, SHIPPED_DIR

__all__ = ["ENV_SCENARIO", "ENV_SCENARIO_DIRS", "ScenarioCatalogue"]

ENV_SCENARIO = "FRONTLINE_VIZ_SCENARIO"
"""Environment variable naming the scenario file to open first (set by ``frontline viz``)."""
ENV_SCENARIO_DIRS = "FRONTLINE_VIZ_SCENARIO_DIRS"
"""Environment variable listing the folders whose ``*.yaml`` the picker offers (os.pathsep)."""
DEFAULT_DIRS = (SHIPPED_DIR,)


@dataclass(frozen=True)
class ScenarioCatalogue:
    """Scenario files offered by the picker, by label (the file name where unambiguous).

    Attributes:
        entries: label -> absolute path, in the order shown.
        default: the label opened first.
    """

    entries: dict[str, Path]
    default: str

    @classmethod
    def build(cls, dirs: Iterable[Path] = DEFAULT_DIRS, first: Path | None = None
              ) -> ScenarioCatalogue:
        """List ``*.yaml`` directly in ``dirs`` (sorted), plus ``first``, which opens first.

        Without ``first`` the Deir ez-Zor 2017 scenario opens first when it is listed, else
        the first file listed.
        """
        paths: list[Path] = []
        for d in dirs:
            if Path(d).is_dir():
                root = Path(d).resolve()
                # a symlink leading out of its folder is not offered (no way out of the folders)
                paths += sorted(p.resolve() for p in Path(d).glob("*.yaml")
                                if p.is_file() and p.resolve().is_relative_to(root))
        if first is not None:
            paths.insert(0, Path(first).resolve())
        unique = list(dict.fromkeys(paths))
        names = [p.name for p in unique]
        entries = {(p.name if names.count(p.name) == 1 else str(p)): p for p in unique}
        labels = {p: label for label, p in entries.items()}
        start = first.resolve() if first is not None else DEFAULT_SCENARIO.resolve()
        default = labels.get(start, next(iter(entries), ""))
        return cls(entries, default)

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] | None = None
                 ) -> ScenarioCatalogue:
        """The catalogue ``frontline viz`` asked for through the environment."""
        env = os.environ if environ is None else environ
        first = env.get(ENV_SCENARIO) or None
        dirs: Sequence[Path] = DEFAULT_DIRS
        if env.get(ENV_SCENARIO_DIRS):
            dirs = [Path(d) for d in env[ENV_SCENARIO_DIRS].split(os.pathsep) if d]
        return cls.build(dirs, Path(first) if first else None)

    @property
    def labels(self) -> list[str]:
        """Labels in the order shown."""
        return list(self.entries)

    def resolve(self, label: str) -> Path:
        """The file behind a label.

        Raises:
            FrontlineError: the label is not one the catalogue offers (no other file is opened).
        """
        try:
            return self.entries[label]
        except (KeyError, TypeError):
            raise FrontlineError(f"{label!r} is not one of the scenarios offered "
                                 f"({', '.join(self.entries) or 'none'})") from None
