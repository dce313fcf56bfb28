#!/usr/bin/env bash
# Prepare this machine for the browser tests (pytest -m browser), idempotently:
#   1. Debian's chromium (Playwright's own browser download does not work here);
#   2. Solara's front-end assets, fetched from the npm registry into Solara's cache
#      (Solara normally loads them from a CDN at run time, which these machines cannot reach).
# The Vue 2 widget pins (ipyvue<3, ipyvuetify<3) come with the package's own dependencies.
# Usage: PY=.venv/bin/python bash .ci/browser-setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "browser-setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null
"$PY" - <<'PY'
import ipyvue, ipyvuetify
major = [int(m.__version__.split(".")[0]) for m in (ipyvue, ipyvuetify)]
assert max(major) < 3, f"Vue 3 widgets installed (ipyvue/ipyvuetify {major}): SolaraViz needs <3"
PY
PY="$PY" bash tools/prefetch-solara-assets
