"""The process ``frontline viz`` starts: ``solara run``, behind the Host and Origin guard.

``python -m viz.serve run APP --host H --port P ...`` takes ``solara run``'s arguments. Before
Solara starts serving, its Starlette app gets ``viz.guard.HostGuard`` with the pairs
``frontline viz`` allowed (``FRONTLINE_VIZ_ALLOWED_HOSTS``, JSON ``[[name, port], ...]``).
"""

from __future__ import annotations

import json
import os
import sys

__all__ = ["ENV_ALLOWED_HOSTS", "main"]

ENV_ALLOWED_HOSTS = "FRONTLINE_VIZ_ALLOWED_HOSTS"


def main() -> None:
    """Add the guard to Solara's app, then run Solara's command line."""
    args = sys.argv[1:]
    if args[:1] == ["run"] and len(args) > 1:
        # solara run sets this for the modules it imports later; we import them first
        os.environ.setdefault("SOLARA_APP", args[1])
    import solara.__main__ as solara_cli
    import solara.server.starlette as solara_app

    from viz.guard import HostGuard

    pairs = json.loads(os.environ.get(ENV_ALLOWED_HOSTS) or "[]")
    if not pairs:
        sys.exit(f"viz.serve: {ENV_ALLOWED_HOSTS} is not set: refusing to serve unguarded")
    solara_app.app.add_middleware(HostGuard, allowed=[(str(n), int(p)) for n, p in pairs])
    solara_cli.main()


if __name__ == "__main__":
    main()
