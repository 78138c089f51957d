"""Readers A/B: the semantic diff with the ast head reader against libcst alone, on real commits.

    python -m benchmarks readers CLONE [CLONE...] [--commits 100]

For each clone (a local git repository; nothing here fetches), takes the last N first-parent
commits and, for every changed Python file, computes ``diff_python`` twice: as the gate does
(the stdlib-ast reader, libcst only where it gives up) and with the ast reader made to give
up on every segment (libcst reads everything, as before the ast reader existed). Prints each
file whose two diffs differ, field by field, then the count per clone. The unit suite's
``tests/test_semantic_readers.py`` compares the readers segment by segment on this
repository; this is the end-to-end check on other projects' history.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from guardrails.errors import GuardrailsError
from guardrails.git.repo import Repo
from guardrails.semantic import _ast_changes
from guardrails.semantic import python as semantic
from guardrails.semantic._ast_symbols import GiveUp

FIELDS = ("changes", "calls", "strings", "handlers", "imports", "problems", "old_all", "new_all")


def _libcst_only(*_: object, **__: object) -> _ast_changes.SegmentFacts:
    raise GiveUp("benchmark: libcst reads every segment")


def compare_clone(clone: Path, commits: int) -> tuple[int, int]:
    """(changed Python files compared, files whose two diffs differ)."""
    shas = subprocess.run(
        ["git", "-C", str(clone), "log", "--first-parent", f"-n{commits}", "--format=%H"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    repo = Repo.open(clone)
    files = differ = 0
    ours = _ast_changes.extract
    for sha in shas:
        try:
            change = repo.read_range(sha + "^", sha)
        except GuardrailsError:  # a root commit has no parent to compare with
            continue
        for fc in change.changes.files:
            if not fc.path.endswith((".py", ".pyi")) or fc.new_data is None:
                continue
            files += 1
            try:
                a = semantic.diff_python(fc)
                _ast_changes.extract = _libcst_only
                b = semantic.diff_python(fc)
            finally:
                _ast_changes.extract = ours
            if a != b:
                differ += 1
                for name in FIELDS:
                    x, y = getattr(a, name), getattr(b, name)
                    if x != y:
                        print(
                            f"{clone.name} {sha[:10]} {fc.path} {name}: ast {x!r} libcst {y!r}"[
                                :600
                            ]
                        )
    return files, differ


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks readers")
    parser.add_argument("clones", nargs="+", type=Path)
    parser.add_argument("--commits", type=int, default=100)
    args = parser.parse_args(argv)
    status = 0
    for clone in args.clones:
        files, differ = compare_clone(clone, args.commits)
        print(f"== {clone.name}: {files} changed Python files, {differ} with different diffs")
        status = max(status, int(differ > 0))
    return status
