"""Files shipped with guardrails: built-in policy packs, the config schema, the demo org.

In a wheel they live in ``guardrails/_data/`` (pyproject force-includes them); in a source
checkout (editable install, tests) they are read from the repository's top-level folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_SOURCES = {
    "policies": ("_data/policies", "../policies"),
    "schema": ("_data/guardrails.schema.json", "../graph/guardrails.schema.json"),
    "examples": ("_data/examples", "../graph/examples"),
    "hooks": ("_data/hooks", "../hooks"),
}


def data_path(kind: str) -> Path:
    for rel in _SOURCES[kind]:
        candidate = (_PACKAGE / rel).resolve()
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"guardrails data '{kind}' is missing from this installation")
