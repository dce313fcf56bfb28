"""``frontline viz``: check the scenario, then serve the page with ``solara run``.

The server runs as a child process (``viz.serve``: Solara behind ``viz.guard.HostGuard``) and
ends with this one: on Ctrl-C, on SIGTERM (systemd, ``docker stop``), and, on Linux, when
this process dies outright (the kernel's parent-death signal). Sessions are bounded: one
idle (its tab closed or crashed) for ``--idle-timeout`` is culled, and at most
``--max-sessions`` are live at once.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from types import FrameType

from sim.errors import FrontlineError
from sim.shipped import resolve
from viz.catalogue import ENV_SCENARIO
from viz.guard import allowed_hosts
from viz.serve import ENV_ALLOWED_HOSTS

__all__ = ["APP", "DEFAULT_IDLE_TIMEOUT", "DEFAULT_MAX_SESSIONS", "session_env",
           "solara_command", "viz_command"]

APP = Path(__file__).resolve().parent / "app.py"
DEFAULT_IDLE_TIMEOUT = "10m"
"""How long a session (a browser tab's model) lives after its tab disconnects."""
DEFAULT_MAX_SESSIONS = 16
"""Live sessions at most (further tabs wait for one to end); 4 per browser."""
MAX_PER_BROWSER = 4
STOP_SECONDS = 10


def solara_command(host: str, port: int) -> list[str]:
    """The command line serving the page (``solara run``'s, through ``viz.serve``)."""
    return [sys.executable, "-m", "viz.serve", "run", str(APP), "--host", host, "--port",
            str(port), "--production", "--no-open", "--no-check-version"]


def session_env(idle_timeout: str = DEFAULT_IDLE_TIMEOUT,
                max_sessions: int = DEFAULT_MAX_SESSIONS) -> dict[str, str]:
    """Solara's settings bounding sessions, as the environment variables it reads."""
    return {"SOLARA_KERNEL_CULL_TIMEOUT": idle_timeout,
            "SOLARA_KERNEL_MAX_COUNT": str(max_sessions),
            "SOLARA_KERNEL_MAX_PER_SESSION": str(min(MAX_PER_BROWSER, max_sessions))}


def _check_sessions(idle: str, sessions: int) -> None:
    if not re.fullmatch(r"\d+(\.\d+)?[smhd]?", idle) or float(idle.rstrip("smhd")) <= 0:
        raise FrontlineError(f"--idle-timeout must be a positive duration such as 90s, 10m "
                             f"or 1h, got {idle!r}")
    if sessions < 1:
        raise FrontlineError(f"--max-sessions must be at least 1, got {sessions}")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class _Stop(Exception):
    """SIGTERM to ``frontline viz``."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


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

    scenario = resolve(args.scenario)
    loaded = load_scenario(scenario)
    for w in loaded.warnings:
        print(str(w), file=sys.stderr)
    idle = getattr(args, "idle_timeout", None) or DEFAULT_IDLE_TIMEOUT
    sessions = getattr(args, "max_sessions", None)
    sessions = DEFAULT_MAX_SESSIONS if sessions is None else sessions
    _check_sessions(idle, sessions)
    _check_port(args.host, args.port)
    from viz.assets import missing_assets_warning

    warning = missing_assets_warning()
    if warning:
        print(warning, file=sys.stderr, flush=True)
    env = dict(os.environ)
    env[ENV_SCENARIO] = str(scenario.resolve())
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env.update(session_env(idle, sessions))
    allowed = allowed_hosts(args.host, args.port, getattr(args, "allow_host", None) or ())
    env[ENV_ALLOWED_HOSTS] = json.dumps(sorted(allowed))
    # Solara warns on every page load that plain-http cookies cannot be samesite=none
    quiet = "ignore:Cookies with samesite=none::solara.server.starlette"
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), quiet]))
    shown = f"[{args.host}]" if ":" in args.host else args.host
    where = f"http://{shown}:{args.port}"
    if args.host in ("0.0.0.0", "::"):
        where += f" (all interfaces: e.g. http://{socket.gethostname()}:{args.port})"
    print(f"frontline viz: {loaded.scenario.name} at {where} (Ctrl+C stops it)", flush=True)
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave signals alone
        previous = signal.getsignal(signal.SIGTERM)
    proc = None
    try:
        proc = subprocess.Popen(solara_command(args.host, args.port), env=env,
                                stdout=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        return proc.wait()
    except KeyboardInterrupt:  # the terminal sent SIGINT to solara as well
        _stop(proc, signal.SIGINT)
        print("frontline viz: stopped", flush=True)
        return 0
    except _Stop:  # SIGTERM to this process alone (docker stop, kill): pass it on
        _stop(proc, signal.SIGTERM)
        print("frontline viz: stopped (SIGTERM)", flush=True)
        return 128 + signal.SIGTERM
    finally:
        with contextlib.suppress(ValueError, TypeError):
            signal.signal(signal.SIGTERM, previous)


def _stop(proc: subprocess.Popen[bytes] | None, sig: signal.Signals) -> None:
    """End the server after ``sig`` reached this process; kill it if it does not end."""
    if proc is None:
        return
    steps = [proc.terminate, proc.kill]
    if sig == signal.SIGTERM:  # only this process had it: pass it on now
        steps.pop(0)()
    # after SIGINT the server had it too (the terminal signals the whole group)
    for step in [*steps, None]:
        try:
            proc.wait(timeout=STOP_SECONDS)
            return
        except subprocess.TimeoutExpired:
            if step is None:
                break
            step()
    proc.wait()
