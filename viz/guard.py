"""Who may talk to the page's server: the Host it serves and same-origin websockets only.

A page served on ``127.0.0.1:8765`` must not answer a request whose ``Host`` header names
another site: that is how DNS rebinding turns a browser on this machine into a client of the
server (a hostile page's name re-pointed at 127.0.0.1). Nor may a websocket (the simulation's
live channel) be opened from another site's page: browsers send the page's ``Origin`` with
every websocket, and Solara checks neither. ``HostGuard`` is an ASGI middleware refusing both
(403) before Solara sees them.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["HostGuard", "allowed_hosts", "host_key"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _name(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return host


def host_key(value: str, scheme: str = "http") -> tuple[str, int] | None:
    """``(name, port)`` of a Host header or an Origin's netloc; None if malformed."""
    try:
        parts = urlsplit(f"//{value.strip()}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.path:
        return None
    return _name(parts.hostname), port if port is not None else _DEFAULT_PORTS.get(scheme, 80)


def allowed_hosts(host: str, port: int, extra: Iterable[str] = ()) -> frozenset[tuple[str, int]]:
    """The ``(name, port)`` pairs a request may name for a server listening on ``host:port``.

    Loopback is always allowed (the machine itself). A specific address adds itself; all
    interfaces (``0.0.0.0``, ``::``) add this machine's host name, its fully qualified name
    and their addresses. ``extra`` adds names (``NAME`` for the served port, or
    ``NAME:PORT``, e.g. what a reverse proxy forwards).
    """
    names = {_name(n) for n in _LOOPBACK_NAMES} | {_name(host)}
    if _name(host) in ("0.0.0.0", "::"):
        for n in {socket.gethostname(), socket.getfqdn()}:
            names.add(_name(n))
            with contextlib.suppress(OSError):
                names.update(_name(str(info[4][0])) for info in socket.getaddrinfo(n, None))
    pairs = {(n, port) for n in names}
    for e in extra:
        try:
            parts = urlsplit(f"//{e.strip()}")
            named = parts.port
        except ValueError:
            continue
        if parts.hostname:
            pairs.add((_name(parts.hostname), port if named is None else named))
    return frozenset(pairs)


class HostGuard:
    """ASGI middleware refusing (403) a foreign ``Host`` or a foreign websocket ``Origin``.

    A foreign ``Origin`` is also refused on requests other than GET, HEAD and OPTIONS.

    Args:
        app: the ASGI application (Solara's Starlette app).
        allowed: the ``(name, port)`` pairs accepted, from :func:`allowed_hosts`.
    """

    def __init__(self, app: ASGIApp, allowed: Iterable[tuple[str, int]]):
        self.app = app
        self.allowed = frozenset(allowed)

    def check(self, scope: Scope) -> str | None:
        """Why a connection is refused, or None to let it through."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        http_scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
        host = host_key(headers.get("host", ""), http_scheme)
        if host is None or host not in self.allowed:
            return "unknown Host"
        origin = headers.get("origin")
        needs_origin_check = scope["type"] == "websocket" or scope.get("method", "GET") not in (
            "GET", "HEAD", "OPTIONS")
        if origin is not None and needs_origin_check:
            parts = urlsplit(origin)
            key = host_key(parts.netloc, parts.scheme) if parts.scheme in ("http", "https") \
                else None
            if key is None or key not in self.allowed:
                return "cross-origin request"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse or pass on one connection."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        reason = self.check(scope)
        if reason is None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
            return
        body = f"403 Forbidden: {reason}\n".encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
