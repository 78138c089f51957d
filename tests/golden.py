"""Golden files: a reporter's exact output on a fixed document, kept in tests/golden/.

`GUARDRAILS_UPDATE_GOLDEN=1 pytest ...` rewrites them; review the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GUARDRAILS_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from tests/golden/{name}"
