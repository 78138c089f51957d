"""Python source for the semantic diff and the rules: odd bytes, giant expressions, deep
nesting. Every pair of versions ends in facts and located findings, never an exception; what
cannot be read is a ParseProblem of a known kind."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails.changes import ADDED, MODIFIED, ChangeSet, FileChange, LineRange
from guardrails.rules.base import RuleContext
from guardrails.rules.run import run_rules
from guardrails.semantic.python import diff_python
from tests.fuzz.conftest import tried

KINDS = {"syntax", "encoding", "binary", "too-large", "too-deep", "recursion", "unreadable"}
BASE = b'''import os
import subprocess


def get(user, *, limit=10):
    """Doc."""
    return subprocess.run(["ls"], check=True)


class Event:
    name: str
    size: int = 0
'''

_snippets = st.sampled_from(
    [
        b"os.system(cmd)\n",
        b"subprocess.run(cmd, shell=True)\n",
        b"eval(x)\n",
        b'"""\n',
        b"def f(:\n",
        b"\r",
        b"\r\n",
        b"\0",
        b"\xef\xbb\xbf",
        b"# -*- coding: latin-1 -*-\n",
        b"# -*- coding: nope -*-\n",
        b"\xff\xfe",
        b"    ",
        b"\t",
        b"\\\n",
        b"class C(:\n",
        b"match x:\n    case 1:\n        pass\n",
        b"type A = list[int]\n",
        b"try:\n    pass\nexcept:\n    pass\n",
        b"requests.get(url, verify=False)\n",
        b"# guardrails: ignore[safety.shell] -- ok\n",
        b"\x0c",
    ]
)


@st.composite
def _edited(draw: st.DrawFn) -> bytes:
    out = bytearray(BASE)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(out)))
        cut = draw(st.integers(0, 30))
        out[at : at + cut] = draw(_snippets | st.binary(max_size=8))
    return bytes(out)


def _deep(draw: st.DrawFn) -> bytes:
    n = draw(st.integers(1, 6000))
    kind = draw(
        st.sampled_from(["parens", "unary", "binop", "attr", "if", "def", "list", "lambda"])
    )
    if kind == "parens":
        return b"x = " + b"(" * n + b"1" + b")" * n + b"\n"
    if kind == "unary":
        return b"x = " + b"-" * n + b"1\nos.system(c)\n"
    if kind == "binop":
        return b"x = " + b" + ".join([b"a"] * n) + b"\n"
    if kind == "attr":
        return b"x = a" + b".b" * n + b"\n"
    if kind == "list":
        return b"x = " + b"[" * n + b"]" * n + b"\n"
    if kind == "lambda":
        return b"f = " + b"lambda: " * min(n, 500) + b"0\n"
    depth = min(n, 120)
    head = b"if x:\n" if kind == "if" else b"def f():\n"
    return b"".join(b"    " * i + head for i in range(depth)) + b"    " * depth + b"eval(x)\n"


_sources = _edited() | st.composite(_deep)() | st.binary(max_size=300)


@settings(max_examples=1800)
@given(st.one_of(st.none(), _sources), _sources, st.sampled_from(["a.py", "lib/x.pyw", "tool"]))
def test_semantic_diff_and_rules(old: bytes | None, new: bytes, name: str) -> None:
    tried("Python source (semantic diff)")
    lines = max(1, new.count(b"\n") + 1)
    change = FileChange(
        ADDED if old is None else MODIFIED,
        None if old is None else name,
        name,
        added_lines=(LineRange(1, lines),),
        old_data=old,
        new_data=b"#!/usr/bin/env python\n" + new if name == "tool" else new,
    )
    diff = diff_python(change)
    for p in diff.problems:
        assert p.kind in KINDS, p
        assert p.line is None or p.line >= 1
    ctx = RuleContext(ChangeSet("range", "0" * 40, "1" * 40, (change,)))
    for f in run_rules(ctx):
        assert f.path == name and f.severity in ("block", "warn", "info"), f
        assert f.line is None or f.line >= 1, f
        assert f.message and "\n" not in f.message, f


# -- skeletons: the diff of a large file is the same with what an earlier run remembered ----

_LARGE = "".join(
    f"class C{i}:\n    x = {i}\n\n    def m(self, a=1):\n        return a + {i}  # {'.' * 40}\n\n\n"
    f"def f{i}(v):\n    return v * {i}\n\n\n"
    for i in range(300)
).encode()
assert len(_LARGE) > 40_000  # past SKELETON_BYTES even after the edits' cuts
_large_snippets = st.sampled_from(
    [
        b"def f3(v):\n    return v\n\n",
        b"class C5:\n    pass\n\n",
        b"@decorate\n",
        b"    def extra(self):\n        return os.system(cmd)\n",
        b"x = (\n",
        b"'''\n",
        b"import os\n",
        b"__all__ = ['f1']\n",
        b"if TYPE_CHECKING:\n    import typing\n",
        b"\n",
        b"# note\n",
        b"async def f9(v):\n    return v\n",
        b"class C7(Base):\n    x = 7\n",
    ]
)


@st.composite
def _large_edit(draw: st.DrawFn) -> bytes:
    lines = _LARGE.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(lines)))
        if draw(st.booleans()):  # reformat a statement: other text, the same tree
            returns = [i for i, ln in enumerate(lines) if ln.startswith(b"    return v * ")]
            if returns:
                i = returns[at % len(returns)]
                lines[i] = b"    return (" + lines[i][11:].rstrip(b"\n") + b")\n"
            continue
        cut = draw(st.integers(0, 12))
        lines[at : at + cut] = [draw(_large_snippets)]
    return b"".join(lines)


@settings(max_examples=200)
@given(_large_edit(), _large_edit())
def test_skeletons_never_change_a_diff(old: bytes, new: bytes) -> None:
    tried("Python source (skeletons)")
    from guardrails.semantic._segments import Skeletons

    change = FileChange(
        MODIFIED, "big.py", "big.py", added_lines=(LineRange(1, 2),), old_data=old, new_data=new
    )
    plain = diff_python(change)
    first = Skeletons()
    assert diff_python(change, skeletons=first) == plain
    known = {**first.sides.get("old", {}), **first.sides.get("new", {})}
    if known:
        tried("Python source (skeletons, some known)")
    assert diff_python(change, skeletons=Skeletons(known)) == plain
    # Skeletons of another version of the file (the base an earlier commit left).
    base = Skeletons()
    diff_python(
        FileChange(MODIFIED, "big.py", "big.py", old_data=_LARGE, new_data=old), skeletons=base
    )
    assert diff_python(change, skeletons=Skeletons(base.sides.get("old", {}))) == plain
