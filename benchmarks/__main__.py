"""``python -m benchmarks [NAME [ARGS...]]``: run one benchmark, or every one without a name.

To add a benchmark, give its module a ``main(argv: list[str]) -> int`` and list it below.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "imports": "benchmarks.imports_bench",  # import graph vs grimp (issue 3)
    "graph": "benchmarks.graph_radius",  # catalog load + blast radius at 10k services (issue 2)
    "check": "benchmarks.check_fixit",  # code rules vs Fixit 2 on ~50 changed files (issue 4)
    "real": "benchmarks.real_bench",  # pinned PyPI sdists vs grimp, Fixit, the floor (issue 11)
    "precision": "benchmarks.precision",  # zero-config check over real merged commits (issue 9)
    "readers": "benchmarks.readers",  # ast head reader vs libcst on real commits (issue 11)
}
# These read clones the user names (nothing here fetches): not part of a run of everything.
NEEDS_CLONES = {"precision", "readers"}


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("benchmarks: " + ", ".join(BENCHMARKS))
        return 0
    if argv and argv[0] not in BENCHMARKS:
        print(
            f"unknown benchmark {argv[0]!r}; choose from: {', '.join(BENCHMARKS)}", file=sys.stderr
        )
        return 2
    names = [argv[0]] if argv else [n for n in BENCHMARKS if n not in NEEDS_CLONES]
    if not argv:
        print(f"(not run without clones to read: {', '.join(sorted(NEEDS_CLONES))})")
    status = 0
    for name in names:
        module = importlib.import_module(BENCHMARKS[name])
        status = max(status, module.main(argv[1:] if argv else []))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
