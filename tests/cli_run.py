"""The real console script in a fresh interpreter, and the modules it had loaded at the end.

The console script usually leaves through ``os._exit`` (no atexit handlers run), so the
child wraps it to write ``sys.modules`` to a file on the way out, and writes it after
``main()`` when the script leaves through the interpreter's exit instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_listing_modules(
    cwd: Path, listing: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """``guardrails ARGS`` run in ``cwd``: the finished process, and the modules it loaded."""
    code = (
        "import os, sys\n"
        f"def dump():\n    open({str(listing)!r}, 'w').write('\\n'.join(sys.modules))\n"
        "leave = os._exit\n"
        "def _exit(code):\n    dump()\n    leave(code)\n"
        "os._exit = _exit\n"
        f"sys.argv = {['guardrails', *args]!r}\n"
        "from guardrails.cli import main\n"
        "try:\n    main()\n"
        "finally:\n    dump()  # the interpreter's own exit, when something awaited it\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    return done, set(listing.read_text().split()) if listing.exists() else set()
