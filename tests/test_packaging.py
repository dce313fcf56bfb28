"""The package as installed (issue 13, items 20-21): shipped scenarios, metadata, a real wheel."""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

from builders import ROOT

import sim
from sim import shipped
from sim.cli import main

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_resolve_names_a_shipped_scenario_without_its_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    no_conscription = shipped.SHIPPED_DIR / "deir_ez_zor_2017_no_conscription.yaml"
    assert shipped.resolve("deir_ez_zor_2017_no_conscription") == no_conscription
    assert shipped.resolve("deir_ez_zor_2017_no_conscription.yaml") == no_conscription
    assert shipped.resolve(None) == shipped.DEFAULT_SCENARIO
    assert shipped.DEFAULT_SCENARIO.name == "deir_ez_zor_2017.yaml"
    # a file of that name here wins over the shipped one; a path is never looked up
    (tmp_path / "deir_ez_zor_2017.yaml").write_text("x: 1\n", encoding="utf-8")
    assert shipped.resolve("deir_ez_zor_2017.yaml") == Path("deir_ez_zor_2017.yaml")
    assert shipped.resolve("elsewhere/deir_ez_zor_2017") == Path("elsewhere/deir_ez_zor_2017")
    assert shipped.resolve("nope") == Path("nope")
    assert shipped.resolve("a" * 300) == Path("a" * 300)
    assert shipped.resolve("a\0b") == Path("a\0b")
    assert "deir_ez_zor_2017_sdf_races" in shipped.names()


def test_run_without_a_path_plays_the_default_scenario(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--days", "2", "--quiet"]) == 0
    assert "Deir ez-Zor" in capsys.readouterr().out
    assert main(["run", "deir_ez_zor_2017_no_conscription", "--days", "2", "--quiet"]) == 0
    assert "no isis conscription" in capsys.readouterr().out.lower()


def test_metadata_license_version():
    project = PYPROJECT["project"]
    assert project["license"] == "Apache-2.0"  # an SPDX expression, not the deprecated table
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").split()[:3] == [
        "Apache", "License", "Version"]
    assert not any(c.startswith("License ::") for c in project["classifiers"])  # PEP 639
    assert re.fullmatch(r"\d+\.\d+\.\d+", sim.__version__)
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "sim.__version__"}


def test_a_wheel_installed_in_a_fresh_venv_runs_without_a_path(tmp_path):
    """Build the wheel, install it (not editable) in a new venv, run from an empty folder.

    About 10 s here (pip reuses its cached setuptools for the build).
    """
    src = tmp_path / "src"  # a copy, so that the build leaves nothing in the checkout
    for name in ("sim", "viz", "scenarios"):
        shutil.copytree(ROOT / name, src / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                    str(src)], check=True, timeout=300, env=env)
    wheel = next(wheels.glob("frontline-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        held = set(zf.namelist())
    for top in ("sim", "viz", "scenarios"):  # every module and scenario of the tree
        for f in (ROOT / top).rglob("*"):
            if f.suffix in (".py", ".yaml") and "__pycache__" not in f.parts:
                rel = f.relative_to(ROOT).as_posix()
                assert rel.replace("scenarios/", "sim/_scenarios/", 1) in held, rel
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    target = Path(subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()"
                                  "['purelib'])"], capture_output=True, text=True,
                                 check=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
                    "-q", str(wheel)], check=True, timeout=300, env=env)
    # then the dependencies from this interpreter's site-packages, as a plain path after the
    # venv's own (its editable install of frontline, a .pth hook, is not run)
    (target / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    work = tmp_path / "empty"
    work.mkdir()
    frontline = env_dir / "bin" / "frontline"

    def run(*args: str) -> str:
        done = subprocess.run([str(a) for a in args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    where = run(py, "-c", "import sim, sim.shipped as s; print(sim.__file__); "
                "print(s.DEFAULT_SCENARIO)").split()
    assert all(Path(w).is_relative_to(target) for w in where), where
    assert "Deir ez-Zor" in run(frontline, "run", "--days", "3", "--quiet")
    assert "no isis conscription" in run(frontline, "run", "deir_ez_zor_2017_no_conscription",
                                    "--days", "3", "--quiet").lower()
    assert run(frontline, "--version").strip() == f"frontline {sim.__version__}"
    labels = run(py, "-c", "from viz.catalogue import ScenarioCatalogue as C; c = C.build(); "
                 "print(c.default); print(*c.entries.values(), sep='\\n')").split("\n")
    assert labels[0] == "deir_ez_zor_2017.yaml"
    shipped = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))
    assert sorted(Path(p).name for p in labels[1:] if p) == shipped
    assert all(Path(p).is_relative_to(target) for p in labels[1:] if p)
