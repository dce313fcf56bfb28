"""Shared fixtures: small purpose-built scenarios and the default scenario."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import DATA


@pytest.fixture
def write_yaml(tmp_path: Path):
    """Write data (or text) as a YAML file in a temporary folder; returns its path."""

    def write(data: Any, name: str = "s.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        return path

    return write


@pytest.fixture
def line_data() -> dict[str, Any]:
    """tests/data/line.yaml as plain data (a copy to modify)."""
    return copy.deepcopy(yaml.safe_load((DATA / "line.yaml").read_text()))
