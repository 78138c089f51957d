"""The semantic diff of one Python file: symbols, signatures, fields, calls, lines."""

from __future__ import annotations

import sys

import pytest

from guardrails.semantic.facts import (
    KEYWORD_ONLY,
    POSITIONAL,
    POSITIONAL_ONLY,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    ModuleDiff,
)
from guardrails.semantic.python import diff_python, run_guarded, split_lines
from tests.test_rules_cases import file_change


def diff(before: str | bytes | None, after: str | bytes | None) -> ModuleDiff:
    return diff_python(file_change(before, after, "svc/mod.py"))


def changes(d: ModuleDiff) -> list[tuple[str, str, tuple[str, ...], int | None, int | None]]:
    return [
        (
            c.kind,
            c.qualname,
            c.details,
            c.old.line if c.old else None,
            c.new.line if c.new else None,
        )
        for c in d.changes
    ]


def test_signature_kinds_defaults_and_variadics() -> None:
    d = diff("", "async def f(a, /, b, c=1, *args, d, e=2, **kw) -> int:\n    pass\n")
    (c,) = d.changes
    assert c.kind == "added" and c.new is not None and c.new.signature is not None
    sig = c.new.signature
    assert sig.is_async and sig.returns == "int"
    assert [(p.name, p.kind, p.default) for p in sig.params] == [
        ("a", POSITIONAL_ONLY, None),
        ("b", POSITIONAL, None),
        ("c", POSITIONAL, "1"),
        ("args", VAR_POSITIONAL, None),
        ("d", KEYWORD_ONLY, None),
        ("e", KEYWORD_ONLY, "2"),
        ("kw", VAR_KEYWORD, None),
    ]
    assert sig.render() == "async (a, /, b, c=1, *args, d, e=2, **kw)"


def test_removed_renamed_modified_with_old_and_new_lines() -> None:
    before = (
        "def keep():\n    pass\n\ndef gone(x):\n    return x * 2\n\n"
        "def sig(a):\n    pass\n\nLIMIT = 3\n"
    )
    after = (
        "def keep():\n    pass\n\ndef sig(a, b):\n    pass\n\n"
        "def twice(x):\n    return x * 2\n\nLIMIT = 4\n"
    )
    d = diff(before, after)
    assert changes(d) == [
        ("modified", "sig", ("signature",), 7, 4),
        ("renamed", "gone", (), 4, 7),
        ("modified", "LIMIT", ("value",), 10, 10),
    ]
    renamed = d.changes[1]
    assert renamed.best_effort and renamed.new is not None and renamed.new.qualname == "twice"


def test_moved_unchanged_function_is_not_a_change() -> None:
    a = "def one():\n    return 1\n\n\ndef two():\n    return 2\n"
    b = "def two():\n    return 2\n\n\ndef one():\n    return 1\n"
    d = diff(a, b)
    assert d.changes == () and d.calls == ()


def test_reformatting_is_not_a_change() -> None:
    d = diff(
        "def f(a: Dict[str,int]={}):\n    pass\n", "def f(a:  Dict[str, int] = {} ):\n    pass\n"
    )
    assert d.changes == ()


def test_decorators_bases_and_methods() -> None:
    before = "class A(Base):\n    @property\n    def size(self):\n        return 1\n"
    after = "class A(Base, Mixin):\n    def size(self):\n        return 1\n"
    assert changes(diff(before, after)) == [
        ("modified", "A", ("bases",), 1, 1),
        ("modified", "A.size", ("decorators",), 3, 2),
    ]


@pytest.mark.parametrize(
    ("header", "field_line"),
    [
        ("from dataclasses import dataclass\n@dataclass(frozen=True)\nclass E:\n", 4),
        ("import attrs\n@attrs.define\nclass E:\n", 4),
        ("from pydantic import BaseModel\nclass E(BaseModel):\n", 3),
        ("from typing import NamedTuple\nclass E(NamedTuple):\n", 3),
        ("from typing import TypedDict\nclass E(TypedDict):\n", 3),
    ],
)
def test_record_fields(header: str, field_line: int) -> None:
    before = header + "    id: str\n    n: int = 0\n"
    after = header + "    id: int\n    n: int = 0\n    extra: str\n"
    d = diff(before, after)
    assert changes(d) == [
        ("modified", "E.id", ("annotation",), field_line, field_line),
        ("added", "E.extra", (), None, field_line + 2),
    ]
    added = d.changes[1].new
    assert added is not None and added.record and not added.has_default


def test_field_defaults_through_field_calls() -> None:
    d = diff(
        "",
        "class E(BaseModel):\n    a: int = Field(...)\n    b: int = Field(3)\n"
        "    c: list = field(default_factory=list)\n    d: ClassVar[int] = 1\n",
    )
    fields = {c.qualname: c.new for c in d.changes if c.new and c.new.kind == "field"}
    assert {q: s.has_default for q, s in fields.items() if s} == {
        "E.a": False,
        "E.b": True,
        "E.c": True,
    }
    assert [c.new.kind for c in d.changes if c.qualname == "E.d" and c.new] == ["constant"]


def test_dunder_all() -> None:
    d = diff("__all__ = ['a']\n", "__all__ = ['a']\n__all__ += ('b',)\n")
    assert d.old_all == ("a",) and d.new_all == ("a", "b")
    assert diff("", "__all__ = names()\n").new_all is None


def test_calls_only_on_added_lines_resolved_through_imports() -> None:
    before = "import subprocess as sp\nfrom os import system as run_it\nsp.run('old', shell=True)\n"
    after = before + "def f():\n    import requests as rq\n    rq.get(u)\n    run_it('x')\n"
    d = diff(before, after)
    assert [(c.line, c.name, c.written) for c in d.calls] == [
        (6, "requests.get", "rq.get"),
        (7, "os.system", "run_it"),
    ]


def test_multiline_call_counts_when_any_of_its_lines_changed() -> None:
    before = "import subprocess\nsubprocess.run(\n    cmd,\n)\n"
    after = "import subprocess\nsubprocess.run(\n    cmd,\n    shell=True,\n)\n"
    (call,) = diff(before, after).calls
    assert (call.line, call.end_line, call.keyword("shell").value) == (2, 5, True)  # type: ignore[union-attr]


def test_line_numbers_survive_crlf_and_form_feeds() -> None:
    assert split_lines("a\r\nb\x0cc\rd\n") == ["a\r\n", "b\x0cc\r", "d\n"]
    after = "x = 1\r\n\x0c\r\nimport os\r\nos.system(cmd)\r\n"
    (call,) = diff(None, after).calls
    assert call.line == 4


def test_statements_sharing_a_line() -> None:
    d = diff("a = 1; b = 2\n", "a = 1; c = 3\n")
    assert changes(d) == [("added", "c", (), None, 1), ("removed", "b", (), 1, None)]


def test_encoding_cookie_latin1() -> None:
    after = "# -*- coding: latin-1 -*-\nNAME = 'café'\nimport os\nos.system(NAME)\n".encode(
        "latin-1"
    )
    d = diff(None, after)
    assert d.problems == ()
    assert [(c.line, c.name) for c in d.calls] == [(4, "os.system")]
    assert [s.value for s in d.strings] == ["café"]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="only newer syntax than the interpreter's")
def test_newer_syntax_falls_back_to_libcst() -> None:
    d = diff("", "type Ids = list[int]\n\ndef f[T](x: T) -> T:\n    return x\n")
    assert d.problems == ()
    assert [c.qualname for c in d.changes] == ["f"]


def test_run_guarded_raises_the_limit_only_while_it_runs() -> None:
    limit = sys.getrecursionlimit()
    seen = run_guarded(sys.getrecursionlimit)
    assert seen > limit and sys.getrecursionlimit() == limit
    with pytest.raises(ZeroDivisionError):
        run_guarded(lambda: 1 // 0)


def test_deep_nesting_within_the_limit_is_analysed() -> None:
    # 180 nested calls: libcst recurses past Python's default limit of 1000 frames here, so
    # this only passes because the worker thread raises it (measured with libcst 1.9: on the
    # main thread 120 passes and 150 already raises RecursionError).
    expr = "f(" * 180 + "x" + ")" * 180
    d = diff("import subprocess\n", f"import subprocess\nsubprocess.run({expr}, shell=True)\n")
    assert d.problems == ()
    assert [c.name for c in d.calls][:2] == ["subprocess.run", "f"]


def test_line_spans_match_position_provider() -> None:
    """The cheap line tracker must give PositionProvider's lines for every node it tracks."""
    import libcst as cst

    from guardrails.semantic._cst_lines import _TRACKED, line_spans

    source = (
        "# leading comment\r\n"
        "import os, sys as system\r\n"
        "@decorator(\r\n    arg)\r\n"
        "class A(Base):\r\n"
        "    '''doc\r\n    string'''\r\n"
        "\r\n"
        "    # comment before a method\r\n"
        "    def m(self, x=f(1,\r\n            2)):\r\n"
        "        try: run(x)\r\n"
        "        # between\r\n"
        "        except (A, B):  # trailing\r\n"
        "            pass\r\n"
        "        except Exception: raise\r\n"
        "        finally:\r\n            g('a' 'b'\r\n              'c')\r\n"
        "if x:\r\n    pass\r\nelif y:\r\n    h(f'{z}')\r\nelse:\r\n    k()\r\n"
        "with open(p) as fh, ctx(): data = fh.read()\r\n"
        "while True: break\r\n"
    )
    module = cst.parse_module(source)
    exact = line_spans(module, everything=True)
    cheap = line_spans(module)
    tracked = {n: span for n, span in exact.items() if type(n) in _TRACKED}
    assert len(tracked) > 25
    assert cheap == tracked


def _module(quote: str, *, edit: bool = False) -> str:
    q = quote
    parts = [f"__all__ = [{q}f0{q}, {q}f1{q}]\n"]
    for i in range(12):
        if edit and i == 7:
            parts.append(f"def f7(a, b, c=2):\n    return os.system({q}ls{q})\n")
            continue
        if edit and i == 9:
            continue  # removed
        parts.append(f"def f{i}(a, b=1):\n    return call({q}name-{i}{q}, a, b)\n")
        parts.append(f"\nclass C{i}:\n    field: str = {q}v{i}{q}\n\n")
    if edit:
        parts.append(f"import os\n__all__ += [{q}added{q}]\n")
    return "".join(parts)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (_module('"'), _module("'")),  # a reformat: every segment pairs
        (_module('"'), _module("'", edit=True)),  # the base is read again
        (_module('"', edit=True), _module('"')),  # the edit undone
        (_module('"') + "def broken(:\n", _module("'")),  # the base does not parse
        (_module('"'), _module('"').rsplit("\nclass", 1)[0]),  # only a removal
        (None, _module('"')),  # added
        (_module('"'), None),  # deleted
    ],
    ids=["reformat", "edit", "undo", "base-syntax-error", "removal", "added", "deleted"],
)
def test_a_large_base_side_gives_the_same_diff(
    before: str | None, after: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A base side of LEAN_BYTES or more lets its ast go before the head is read: the diff
    # must be exactly the one both trees give.
    from guardrails.semantic import python

    monkeypatch.setattr(python, "LEAN_BYTES", 1)
    lean = diff(before, after)
    monkeypatch.setattr(python, "LEAN_BYTES", 1 << 40)
    assert lean == diff(before, after)


def test_a_large_edit_is_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    from guardrails.semantic import python

    monkeypatch.setattr(python, "LEAN_BYTES", 1)
    d = diff(_module('"'), _module("'", edit=True))
    assert changes(d) == [
        ("modified", "f7", ("signature",), 44, 44),
        ("added", "os", (), None, 64),
        ("removed", "C7", (), 47, None),
        ("removed", "C7.field", (), 48, None),
        ("removed", "f9", (), 56, None),
        ("removed", "C9", (), 59, None),
        ("removed", "C9.field", (), 60, None),
    ]
    assert [(c.line, c.name) for c in d.calls] == [(45, "os.system")]
    assert d.old_all == ("f0", "f1") and d.new_all == ("f0", "f1", "added")


def test_let_go_keeps_only_the_tree_keys() -> None:
    from guardrails.semantic._matching import _tree_key
    from guardrails.semantic._segments import _read
    from guardrails.semantic.python import MAX_FILE_BYTES, _let_go

    data = b"import os\n\ndef f(a):\n    return a\nx = 1; y = 2\n"
    side = _read("old", data, MAX_FILE_BYTES, {})
    expected = [_tree_key(seg) for seg in side.segments]
    keys = _let_go(side)
    assert keys is not None and [keys[id(seg)] for seg in side.segments] == expected
    assert side.tree is None and [seg.nodes for seg in side.segments] == [[], [], []]
    assert [seg.text for seg in side.segments] == [
        "import os\n",
        "\ndef f(a):\n    return a\n",
        "x = 1; y = 2\n",
    ]
    broken = _read("old", b"def f(:\n", MAX_FILE_BYTES, {})
    assert _let_go(broken) is None and broken.tree is None
