#!/usr/bin/env bash
# Installs what the Mermaid render test needs, when it is missing: Debian's chromium, and the
# npm packages mermaid + playwright-core in tests/render/node_modules (gitignored, a cache).
# Playwright drives the system browser; it never downloads a browser of its own.
# `.ci/run` calls this; `make test` without it skips the render test and says why.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "render setup: chromium is missing and this is not root: install it (apt-get install chromium)" >&2
        exit 1
    fi
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "render setup: npm is missing: install Node.js (apt-get install nodejs npm)" >&2
    exit 1
fi
if [ ! -f "$here/node_modules/mermaid/package.json" ] || [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
    # versions are pinned in package.json; the lockfile is not kept (no download addresses).
    (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --no-package-lock --silent)
fi
echo "render setup: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), mermaid $(node -p "require('$here/node_modules/mermaid/package.json').version")"
