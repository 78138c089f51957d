"""Whether a tree's import graph is cold, told without loading the inference.

The engine asks whether to start extracting a tree's imports before its catalog loads
(:func:`guardrails.imports.build.start_extraction`; for a change only when it has Python in
it): only when the repository's cache remembers nothing yet and the tree has enough Python
files to share between two processes. A warm repository, or a tree with little Python,
finds that out from two file names and a count, and imports nothing more.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

# The cache is per interpreter: which files ast can read depends on the running Python.
PYTHON_TAG = f"py{sys.version_info[0]}{sys.version_info[1]}"
# New blobs from which their extraction is shared with forked workers: a cold parse costs
# ~0.1-0.2 ms a file, a fork and sending the records back ~10-20 ms.
EXTRACT_MIN = 256


# The entry store's directory of remembered catalogs (guardrails.cache.world writes it).
CATALOG_KIND = "catalog"


def extraction_file(directory: Path) -> Path:
    """The file of every blob's extracted imports, under a cache directory."""
    return directory / f"imports-{PYTHON_TAG}.cache"


def is_cold(paths: Sequence[str], cache_dir: Path | None) -> bool:
    """The repository's cache remembers nothing yet (no extraction file, and no catalog:
    after a first run that needed no import graph, a later one rarely does, and a child
    started for it on every run would work for nothing) and ``paths`` hold at least
    :data:`EXTRACT_MIN` Python files. No cache at all (None): every build is cold."""
    if cache_dir is not None and (
        extraction_file(cache_dir).exists() or (cache_dir / CATALOG_KIND).exists()
    ):
        return False
    return sum(1 for p in paths if p.endswith(".py")) >= EXTRACT_MIN
