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


# -- plugins: what installed distributions declare ------------------------------------------

PLUGIN_GROUPS = ("guardrails.rules", "guardrails.policies")


def plugin_declarations() -> tuple[tuple[str, str], ...] | None:
    """Every distribution on ``sys.path`` whose entry points name a guardrails group, as
    (its metadata directory, its ``entry_points.txt``), sorted; None when some distribution
    can only be read through ``importlib.metadata``.

    ``importlib.metadata`` costs ~25 ms to import (it brings the ``email`` package) and
    scans every distribution, on every commit the hook judges, to find that no plugin is
    installed, which is the common case. The metadata it reads is each distribution's
    ``entry_points.txt`` in a ``*.dist-info`` or ``*.egg-info`` directory beside it on
    ``sys.path`` (or an egg's ``EGG-INFO``); reading those answers in ~1 ms. Anything read
    another way (a zip on the path, a finder of distributions other than the standard path
    finder, an unreadable directory) gives None, and ``importlib.metadata`` decides.
    """
    import os
    import sys
    from importlib.machinery import PathFinder

    if any(
        getattr(finder, "find_distributions", None) is not None and finder is not PathFinder
        for finder in sys.meta_path
    ):
        return None
    headers = tuple(f"[{group}]" for group in PLUGIN_GROUPS)
    found: list[tuple[str, str]] = []
    for entry in sys.path:
        where = entry or "."
        if not os.path.isdir(where):
            if os.path.exists(where):
                return None  # a zip or egg file: only importlib.metadata reads those
            continue
        try:
            names = os.listdir(where)
        except OSError:
            return None
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")) and name != "EGG-INFO":
                continue
            meta = os.path.join(where, name)
            try:
                with open(os.path.join(meta, "entry_points.txt"), encoding="utf-8") as f:
                    text = f.read()
            except (FileNotFoundError, NotADirectoryError):
                continue  # no entry points, or a distutils .egg-info file (which has none)
            except (OSError, UnicodeDecodeError):
                return None
            if any(h in text for h in headers):
                found.append((os.path.abspath(meta), text))
    return tuple(sorted(found))


def may_provide(group: str) -> bool:
    """Whether any installed distribution may declare entry points of ``group``."""
    found = plugin_declarations()
    return found is None or any(f"[{group}]" in text for _, text in found)


def plugin_stamp() -> str:
    """What names the installed plugins (each distribution's metadata directory, which
    carries its version, and its entry points), for cache keys: installing, upgrading or
    removing a plugin changes what a run computes."""
    found = plugin_declarations()
    if found is None:
        from importlib.metadata import distributions

        found = tuple(
            sorted(
                (f"{d.metadata['Name']} {d.version}", text)
                for d in distributions()
                if (text := d.read_text("entry_points.txt") or "")
                and any(f"[{g}]" in text for g in PLUGIN_GROUPS)
            )
        )
    return repr(found)
