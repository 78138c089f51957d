"""Skeletons: a large file's def/class statements read in an earlier run are not parsed
again unless the change touched them, and the diff is exactly the diff without them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from guardrails.changes import MODIFIED, FileChange, LineRange
from guardrails.semantic import _segments
from guardrails.semantic._segments import SKELETON_BYTES, Skeletons
from guardrails.semantic.python import diff_python
from tests.gitrepo import GitRepo


def _module(n: int = 60) -> str:
    """A module over SKELETON_BYTES: imports, __all__, then classes and functions."""
    parts = [
        "import os\nfrom typing import Any as A\n\n__all__ = ['Service0', 'helper0']\n\n",
    ]
    for i in range(n):
        methods = "".join(
            f"    def method_{j}(self, value: int = {j}) -> int:\n"
            f"        '''Doc {i}.{j}.'''\n"
            f"        return os.getpid() + value * {j}  # note {i}\n\n"
            for j in range(8)
        )
        parts.append(f"class Service{i}:\n    kind = 'k{i}'\n\n{methods}\n")
        parts.append(f"def helper{i}(x, *, flag=False):\n    return x if flag else -x\n\n\n")
    text = "".join(parts)
    assert len(text.encode()) >= SKELETON_BYTES
    return text


BASE = _module()


def _edit(name: str) -> str:
    b = BASE
    if name == "inside a class":
        return b.replace("return os.getpid() + value * 3  # note 7", "return os.system(value)")
    if name == "a signature":
        return b.replace("def helper5(x, *, flag=False)", "def helper5(x, *, flag=True)")
    if name == "a class removed":
        start = b.index("class Service9:")
        return b[:start] + b[b.index("def helper9(") :]
    if name == "a function renamed":
        return b.replace("def helper12(", "def helper_twelve(")
    if name == "reformatted":  # quotes only: the same statements, by tree
        return b.replace("kind = 'k3'", 'kind = "k3"').replace("'''Doc 4.1.'''", '"""Doc 4.1."""')
    if name == "moved":
        block = b[b.index("class Service2:") : b.index("def helper2(")]
        return b.replace(block, "") + block
    if name == "duplicated":
        block = b[b.index("def helper7(") : b.index("class Service8:")]
        return b + block.replace("helper7", "helper7_copy")
    if name == "__all__ changed":
        return b.replace("__all__ = ['Service0', 'helper0']", "__all__ = ['Service0']")
    if name == "a decorator added":
        return b.replace("def helper20(", "@staticmethod\ndef helper20(")
    if name == "appended":
        return b + "def probe(value: int) -> int:\n    return value + 5\n"
    if name == "a syntax error":
        return b.replace("def helper30(x, *, flag=False):", "def helper30(x, *, flag=False)")
    raise AssertionError(name)


EDITS = [
    "inside a class",
    "a signature",
    "a class removed",
    "a function renamed",
    "reformatted",
    "moved",
    "duplicated",
    "__all__ changed",
    "a decorator added",
    "appended",
    "a syntax error",
]


def _change(old: str, new: str) -> FileChange:
    import difflib

    added: list[LineRange] = []
    removed: list[LineRange] = []
    sm = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag in ("replace", "insert"):
            added.append(LineRange(j1 + 1, j2))
        if tag in ("replace", "delete"):
            removed.append(LineRange(i1 + 1, i2))
    return FileChange(
        MODIFIED,
        "pkg/big.py",
        "pkg/big.py",
        added_lines=tuple(added),
        removed_lines=tuple(removed),
        old_data=old.encode(),
        new_data=new.encode(),
    )


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    real = ast.parse

    def counting(source, *a, **kw):  # type: ignore[no-untyped-def]
        sizes.append(len(source))
        return real(source, *a, **kw)

    monkeypatch.setattr(_segments.ast, "parse", counting)
    return sizes


def _learned(change: FileChange) -> Skeletons:
    """What a first run remembers of both sides."""
    first = Skeletons()
    diff_python(change, skeletons=first)
    known = {**first.sides.get("old", {}), **first.sides.get("new", {})}
    return Skeletons(known)


@pytest.mark.parametrize("edit", EDITS)
def test_a_diff_with_skeletons_is_the_diff_without(edit: str) -> None:
    change = _change(BASE, _edit(edit))
    plain = diff_python(change)
    assert diff_python(change, skeletons=_learned(change)) == plain
    # Also when only the old side was seen (the commit before, as the hook meets it).
    seen = Skeletons()
    diff_python(_change(BASE, BASE + "x = 1\n"), skeletons=seen)
    assert diff_python(change, skeletons=Skeletons(seen.sides["old"])) == plain


def test_the_edits_are_not_vacuous() -> None:
    """Each case above finds what it should (so the comparisons compare something)."""
    found = {}
    for edit in EDITS:
        d = diff_python(_change(BASE, _edit(edit)))
        found[edit] = (
            sorted({(c.kind, c.qualname) for c in d.changes if "." not in c.qualname}),
            [c.name for c in d.calls],
            [p.kind for p in d.problems],
        )
    assert found == {
        "inside a class": ([], ["os.system"], []),
        "a signature": ([("modified", "helper5")], [], []),
        "a class removed": ([("removed", "Service9")], [], []),
        "a function renamed": ([("renamed", "helper12")], [], []),
        "reformatted": ([], [], []),
        "moved": ([], [], []),
        "duplicated": ([("added", "helper7_copy")], [], []),
        "__all__ changed": ([("modified", "__all__")], [], []),
        "a decorator added": ([("modified", "helper20")], [], []),
        "appended": ([("added", "probe")], [], []),
        "a syntax error": ([], [], ["syntax"]),
    }


def test_a_name_still_defined_by_an_unchanged_statement_is_not_removed() -> None:
    """The names of the statements no side changed come from the skeletons."""
    twice = BASE + "def helper3(x, *, flag=False):\n    return x\n"
    first = twice[twice.index("def helper3(") : twice.index("class Service4:")]
    change = _change(twice, twice.replace(first, "", 1))
    plain = diff_python(change)
    assert [c.kind for c in plain.changes if c.qualname == "helper3"] == []
    assert diff_python(change, skeletons=_learned(change)) == plain


def test_only_the_changed_statement_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    change = _change(BASE, _edit("inside a class"))
    book = _learned(change)
    sizes = _parses(monkeypatch)
    diff_python(change)
    whole = sum(sizes)
    sizes.clear()
    diff_python(change, skeletons=book)
    # Class 7's two sides, and the chunks that are not one def or class (imports, __all__).
    service7 = len(BASE[BASE.index("class Service7:") : BASE.index("def helper7(")])
    assert sum(sizes) < 3 * service7 < whole / 10


def test_small_sides_and_lean_sides_take_no_skeletons() -> None:
    small = _change("def f():\n    return 1\n", "def f():\n    return 2\n")
    book = Skeletons()
    diff_python(small, skeletons=book)
    assert book.sides == {}
    huge = BASE * 5  # past LEAN_BYTES: read twice when changed, never skipped
    book = Skeletons()
    diff_python(_change(huge, huge + "x = 1\n"), skeletons=book)
    assert book.sides == {}


# -- remembered between runs (guardrails.cache.diffs) -----------------------------------------


def _store_entries(root: Path, kind: str) -> list[Path]:
    return sorted(p for p in (root / kind).rglob("*") if p.is_file())


def test_the_cache_remembers_each_large_side_once_and_reads_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guardrails.cache import activate
    from guardrails.cache.diffs import cached_diff

    store = activate(tmp_path)
    assert store is not None
    try:
        first = _change(BASE, _edit("inside a class"))
        assert cached_diff(first, max_bytes=2**22) == diff_python(first)
        assert len(_store_entries(tmp_path, "skeletons")) == 2  # the old side and the new
        # The next commit of the same file: its old side is a version seen before.
        second = _change(BASE, _edit("a signature"))
        plain = diff_python(second)
        sizes = _parses(monkeypatch)
        assert cached_diff(second, max_bytes=2**22) == plain
        assert 0 < len(sizes) < 20 and store.rejected == 0
        assert len(_store_entries(tmp_path, "skeletons")) == 3  # one new side more
    finally:
        activate(None)


@pytest.mark.parametrize("damage", ["truncated", "not a dict", "wrong shape"])
def test_a_damaged_or_ill_shaped_skeleton_entry_is_ignored(tmp_path: Path, damage: str) -> None:
    """What the store cannot prove whole, or that is not a skeleton map, is not used. (A
    well-formed entry someone planted is trusted like any entry: docs/security.md.)"""
    from guardrails.cache import activate
    from guardrails.cache.diffs import SKELETONS, cached_diff

    store = activate(tmp_path)
    assert store is not None
    try:
        seed = _change(BASE, _edit("appended"))
        cached_diff(seed, max_bytes=2**22)
        for path in _store_entries(tmp_path, SKELETONS):
            name = path.name
            if damage == "truncated":
                path.write_bytes(path.read_bytes()[:-7])
            else:
                bad = [1, 2] if damage == "not a dict" else {"d" * 32: (1, "two", ("x",))}
                path.unlink()
                store.put(SKELETONS, name, bad)
        change = _change(BASE, _edit("a function renamed"))
        before = store.rejected
        assert cached_diff(change, max_bytes=2**22) == diff_python(change)
        assert store.rejected > before
    finally:
        activate(None)


def test_a_skeleton_that_cannot_fit_its_chunk_is_not_used() -> None:
    """Lines past the chunk's end, or no names: the chunk is parsed instead."""
    from guardrails.semantic._segments import Skeleton

    change = _change(BASE, _edit("a class removed"))
    plain = diff_python(change)
    good = _learned(change).known
    for broken in (
        {d: Skeleton(s.line, s.end + 10_000, s.names) for d, s in good.items()},
        {d: Skeleton(s.line, s.end, ()) for d, s in good.items()},
        {d: Skeleton(0, s.end, s.names) for d, s in good.items()},
    ):
        assert diff_python(change, skeletons=Skeletons(broken)) == plain


def test_the_hook_judges_a_large_file_the_same_with_and_without_skeletons(
    repo: GitRepo,
) -> None:
    """Two commits in a row to one large file, judged by `check --staged`: the second run
    reads the first one's skeletons, and says exactly what a run on an empty cache says."""
    import shutil

    from click.testing import CliRunner

    from guardrails.cli import cli

    def check() -> str:
        result = CliRunner().invoke(
            cli, ["check", "-C", str(repo.root), "--staged", "--format", "json"]
        )
        assert result.exit_code in (0, 1), result.output
        return result.stdout

    cache = repo.root / ".git" / "guardrails"
    repo.write({"pkg/__init__.py": "", "pkg/big.py": BASE})
    repo.commit("base")
    one = _edit("a signature")
    repo.write({"pkg/big.py": one})
    repo.stage()
    check()
    repo.commit("one")
    repo.write({"pkg/big.py": one.replace("value * 3  # note 7", "value * 3 + os.system(value)")})
    repo.stage()
    assert _store_entries(cache, "skeletons")
    warm = check()
    shutil.rmtree(cache)
    cold = check()
    assert warm == cold
    assert '"rule": "safety.os-system"' in warm
