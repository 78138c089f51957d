#!/usr/bin/env bash
# What the tests that mirror a user's machine need, installed when missing (`.ci/run` calls
# this before `make test`; without it those tests skip and say why):
#  - tests/render/: Debian's chromium and the npm packages for the Mermaid render test;
#  - tests/.cache/wheelhouse/: wheels of guardrails' build backend and dependencies, so the
#    README's pre-commit snippet can be tried offline, as a newcomer's pre-commit would
#    install it (pip --no-index --find-links).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/render/setup.sh"
wheels="$here/.cache/wheelhouse"
python="${PYTHON:-$here/../.venv/bin/python}"
[ -x "$python" ] || python=python3
if [ ! -f "$wheels/.complete" ]; then
    mkdir -p "$wheels"
    # the build backend and every runtime dependency named in pyproject.toml
    "$python" - "$here/../pyproject.toml" > "$wheels/requirements.txt" <<'PY'
import sys, tomllib
data = tomllib.load(open(sys.argv[1], "rb"))
print("\n".join(data["build-system"]["requires"] + data["project"]["dependencies"]))
PY
    "$python" -m pip download --quiet --dest "$wheels" -r "$wheels/requirements.txt" pip setuptools wheel
    touch "$wheels/.complete"
fi
echo "test setup: wheelhouse $(ls "$wheels"/*.whl | wc -l) wheels"
