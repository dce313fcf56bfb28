"""``frontline viz``: check the scenario, then serve the page with ``solara run``."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

from sim.errors import FrontlineError
from sim.model import DEFAULT_SCENARIO
from viz.catalogue import ENV_SCENARIO

__all__ = ["APP", "solara_command", "viz_command"]

APP = Path(__file__).resolve().parent / "app.py"


def solara_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line serving the page."""
    return [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version"]


def _check_port(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FrontlineError(f"cannot listen on {host}: {exc.strerror}") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            raise FrontlineError(f"cannot listen on {host}:{port} ({exc.strerror}); "
                                 "pick another port with --port") from None


def viz_command(args: argparse.Namespace) -> int:
    """Serve the browser visualization until interrupted; returns solara's exit code.

    Raises:
        FrontlineError: the scenario is invalid or missing, or the port is taken.
    """
    from sim.scenario import load_scenario

    scenario = Path(args.scenario) if args.scenario else DEFAULT_SCENARIO
    loaded = load_scenario(scenario)
    for w in loaded.warnings:
        print(str(w), file=sys.stderr)
    _check_port(args.host, args.port)
    from viz.assets import missing_assets_warning

    warning = missing_assets_warning()
    if warning:
        print(warning, file=sys.stderr, flush=True)
    env = dict(os.environ)
    env[ENV_SCENARIO] = str(scenario.resolve())
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    # Solara warns on every page load that plain-http cookies cannot be samesite=none
    quiet = "ignore:Cookies with samesite=none::solara.server.starlette"
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), quiet]))
    shown = f"[{args.host}]" if ":" in args.host else args.host
    where = f"http://{shown}:{args.port}"
    if args.host in ("0.0.0.0", "::"):
        where += f" (all interfaces: e.g. http://{socket.gethostname()}:{args.port})"
    print(f"frontline viz: {loaded.scenario.name} at {where} (Ctrl+C stops it)", flush=True)
    proc = subprocess.Popen(solara_command(args.host, args.port), env=env,
                            stdout=subprocess.DEVNULL)
    try:
        return proc.wait()
    except KeyboardInterrupt:  # the terminal sent SIGINT to solara as well
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait()
        print("frontline viz: stopped", flush=True)
        return 0
