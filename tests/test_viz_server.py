"""The browser server as a network service (issue 13, items 17-19): real HTTP against it."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import DATA, ROOT

from sim.cli import main
from viz.guard import HostGuard, allowed_hosts, host_key
from viz.server import session_env

psutil = pytest.importorskip("psutil")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(port: int, host: str, path: str = "/", headers: dict[str, str] | None = None,
            method: str = "GET") -> int:
    """The status of a request to 127.0.0.1:port naming ``host`` in its Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.putrequest(method, path, skip_host=True)
        conn.putheader("Host", host)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        return conn.getresponse().status
    finally:
        conn.close()


def websocket(port: int, origin: str) -> int:
    """The status a websocket handshake from a page at ``origin`` gets (101: accepted)."""
    return request(port, f"127.0.0.1:{port}", "/jupyter/api/kernels/k1/channels?session_id=s1",
                   {"Upgrade": "websocket", "Connection": "Upgrade", "Origin": origin,
                    "Sec-WebSocket-Version": "13",
                    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})


def start(port: int, log: Path, *extra: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "sim", "viz", str(DATA / "line.yaml"),
                             "--port", str(port), *extra], cwd=ROOT, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            pytest.fail(f"frontline viz exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if request(port, f"127.0.0.1:{port}") == 200:
                return proc
        except OSError:
            pass
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("frontline viz did not answer within 120 s")
        time.sleep(0.25)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("viz") / "server.log"
    proc = start(port, log, "--allow-host", "frontline.example")
    try:
        yield port, proc, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_only_the_served_host_and_port_are_answered(served):
    port, _, _ = served
    assert request(port, f"127.0.0.1:{port}") == 200
    assert request(port, f"localhost:{port}") == 200
    assert request(port, f"frontline.example:{port}") == 200  # --allow-host
    # DNS rebinding: a hostile name pointed at 127.0.0.1, or another port
    assert request(port, f"attacker.example:{port}") == 403
    assert request(port, "attacker.example") == 403
    assert request(port, f"127.0.0.1:{port + 1}") == 403
    assert request(port, "") == 403
    assert request(port, f"attacker.example:{port}", "/static/main.js") == 403


def test_websockets_only_from_the_page_itself(served):
    port, _, _ = served
    assert websocket(port, "http://attacker.example") == 403
    assert websocket(port, f"http://attacker.example:{port}") == 403
    assert websocket(port, "null") == 403
    assert websocket(port, f"http://127.0.0.1:{port}") == 101
    assert request(port, f"127.0.0.1:{port}", "/_solara/api/close/k1",
                   {"Origin": "http://attacker.example", "Content-Length": "0"},
                   method="POST") == 403


def test_sigterm_to_frontline_viz_stops_the_server(tmp_path):
    """As docker stop does: SIGTERM to the viz process alone."""
    port = _free_port()
    proc = start(port, tmp_path / "log")
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "no server process"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 143
        _, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, "the Solara server outlived frontline viz"
        with pytest.raises(OSError):
            request(port, f"127.0.0.1:{port}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "frontline viz: stopped (SIGTERM)" in (tmp_path / "log").read_text()


def test_sessions_are_bounded_by_default_and_by_option(monkeypatch, capsys):
    assert session_env() == {"SOLARA_KERNEL_CULL_TIMEOUT": "10m",
                             "SOLARA_KERNEL_MAX_COUNT": "16",
                             "SOLARA_KERNEL_MAX_PER_SESSION": "4"}
    assert main(["viz", str(DATA / "line.yaml"), "--idle-timeout", "forever"]) == 2
    assert "--idle-timeout must be a positive duration" in capsys.readouterr().err
    assert main(["viz", str(DATA / "line.yaml"), "--max-sessions", "0"]) == 2
    assert "--max-sessions must be at least 1" in capsys.readouterr().err


def test_allowed_hosts_and_the_guard_decisions():
    allowed = allowed_hosts("127.0.0.1", 8765, ["proxy.example", "[::1]:9000"])
    assert ("127.0.0.1", 8765) in allowed and ("localhost", 8765) in allowed
    assert ("::1", 8765) in allowed and ("::1", 9000) in allowed
    assert ("proxy.example", 8765) in allowed and ("proxy.example", 80) not in allowed
    assert host_key("LocalHost.:8765") == ("localhost", 8765)
    assert host_key("user@127.0.0.1:8765") is None and host_key("a:b") is None
    guard = HostGuard(lambda *a: None, allowed)  # type: ignore[arg-type, return-value]

    def scope(kind, host, origin=None, method="GET"):
        headers = [(b"host", host.encode())]
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        return {"type": kind, "headers": headers, "method": method, "scheme": "http"}

    assert guard.check(scope("http", "127.0.0.1:8765")) is None
    assert guard.check(scope("http", "evil:8765")) == "unknown Host"
    # a GET with a foreign Origin (a link, an image) is harmless: the page is public anyway
    assert guard.check(scope("http", "127.0.0.1:8765", "http://evil")) is None
    assert guard.check(scope("http", "127.0.0.1:8765", "http://evil", "POST")) == \
        "cross-origin request"
    assert guard.check(scope("websocket", "127.0.0.1:8765", "http://localhost:8765")) is None
    assert guard.check(scope("websocket", "127.0.0.1:8765", "http://evil")) == \
        "cross-origin request"
    everywhere = allowed_hosts("0.0.0.0", 8765)
    assert (socket.gethostname().lower(), 8765) in everywhere
