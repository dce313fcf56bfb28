"""Whether Solara's front-end assets are on this machine, and what to say when they are not.

Solara's page loads its JavaScript and CSS from a CDN at run time and keeps what it fetched in
its proxy cache (``SOLARA_ASSETS_PROXY_CACHE_DIR``, default ``$VIRTUAL_ENV/share/solara/cdn``).
With internet nothing is needed; without it and without the cache the page stays blank, so
``frontline viz`` warns at start (it does not try the CDN: a warning that users with internet
can ignore costs nothing, a network probe at every start would).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

__all__ = ["cache_dir", "missing_assets", "missing_assets_warning"]

_SPEC = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/")


def cache_dir() -> Path:
    """Solara's asset proxy cache, found as Solara finds it."""
    import solara.server.settings

    return Path(solara.server.settings.assets.proxy_cache_dir)


def _page_specs() -> set[str]:
    """The npm packages (``name@version``) Solara's page template loads from the CDN."""
    import solara.server

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    try:
        specs = set(_SPEC.findall(template.read_text(encoding="utf-8")))
    except OSError:
        return {"@widgetti/solara-vuetify-app@10.1.1"}
    try:
        from importlib.metadata import version

        vue3 = int(version("ipyvuetify").split(".")[0]) >= 3
    except (ImportError, ValueError):
        vue3 = False
    # the page shell of the other Vue major is never loaded
    return {s for s in specs if ("vuetify3-app" in s) == vue3 or "vuetify" not in s}


def missing_assets(cache: Path | None = None) -> list[str]:
    """The packages the page needs that are neither in the cache nor installed locally."""
    try:
        import solara_assets  # noqa: F401  (the solara-assets package serves them itself)
    except ImportError:
        pass
    else:
        return []
    cache = cache_dir() if cache is None else cache
    return sorted(s for s in _page_specs() if not (cache / s).is_dir())


def missing_assets_warning(cache: Path | None = None) -> str | None:
    """What ``frontline viz`` prints when the page's assets are missing (``None``: all there)."""
    cache = cache_dir() if cache is None else cache
    missing = missing_assets(cache)
    if not missing:
        return None
    return (f"frontline viz: warning: Solara's front-end assets ({', '.join(missing)}) are not "
            f"in its cache {cache}.\n"
            "  With internet, ignore this: the browser fetches them from Solara's CDN.\n"
            "  Without internet the page stays blank; fetch them once (needs npm) with\n"
            f"    PY={sys.executable} bash tools/prefetch-solara-assets\n"
            "  or, for the browser tests too, PY=... bash .ci/browser-setup.sh "
            "(both in a frontline checkout).")
