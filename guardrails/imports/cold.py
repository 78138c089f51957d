"""Whether a tree's import graph is cold, told without loading the inference.

The engine asks on every run whether to start extracting a tree's imports before its
catalog loads (:func:`guardrails.imports.build.start_extraction`): only when the repository
has never extracted them (no extraction file in its cache) and the tree has enough Python
files to share between two processes. A warm repository, or a tree with little Python (a
docs-only hook), finds that out from a file name and a count, and imports nothing more.
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


def extraction_file(directory: Path) -> Path:
    """The file of every blob's extracted imports, under a cache directory."""
    return directory / f"imports-{PYTHON_TAG}.cache"


def is_cold(paths: Sequence[str], cache_dir: Path | None) -> bool:
    """No extraction file under ``cache_dir`` (None: no cache, every build is cold) and at
    least :data:`EXTRACT_MIN` Python files among ``paths``."""
    if cache_dir is not None and extraction_file(cache_dir).exists():
        return False
    return sum(1 for p in paths if p.endswith(".py")) >= EXTRACT_MIN
