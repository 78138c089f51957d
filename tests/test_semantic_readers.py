"""The two readers of a head segment agree: the stdlib-ast one (``_ast_changes``, what the hook
uses) and libcst's (``_cst``, the fallback), fact for fact, on real code.

The real code is this repository's own Python (several hundred files of every shape: rules,
CLI, tests with embedded sources) plus snippets of the constructs where the two parsers'
positions differ. For every segment, both readers run with several sets of touched lines:
everything, nothing, statements alone, and a scatter of single lines (for the snippets:
every single line too). Where the ast reader gives up, libcst decides; the test also
bounds how often that happens, so a change that makes the hook import libcst for ordinary
code fails here, and the snippets say which of them are meant to give up.

Run it on any tree: ``python -m tests.test_semantic_readers DIR...`` prints the
disagreements (none expected) and the give-up rate.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import libcst
import pytest

from guardrails.semantic import _ast_changes, _cst
from guardrails.semantic._ast_symbols import GiveUp
from guardrails.semantic._module_names import _ast_names
from guardrails.semantic._segments import MAX_DEPTH, _ast_depth, _read
from guardrails.semantic._type_params import HiddenMap
from tests.test_semantic_python import diff

ROOT = Path(__file__).resolve().parent.parent

SNIPPETS = [
    # calls: nesting, chains, starred and keyword order, decorators, generators
    "a.b(c()).d(e(f=g()))\n",
    "f(k=1, *rest, **kw)\nf(*a, b, k=g(h()), **{'x': 1})\n",
    "@app.route('/x', methods=['GET'])\n@cache\ndef view(request):\n    return render(request)\n",
    "any(x for x in y)\nsum((x for x in y))\nf(a, (x for x in y))\nf( (x for x in y) )\n",
    "f(\n    a +\n    b\n)\nf((a +\n   b))\n",
    "x = any(  # the call's comment\n   f(a) for a in b  # and another\n)\n",
    "y = all(\n  a\n  for a in (b)\n)\nmsg = (\n    'joined '\n    'over lines'\n)\n",
    "log(\n    'joined '  # comment\n    'over lines',\n    (\n        'own '\n        'parentheses'\n    ),\n)\n",
    "run(cmd,\n    shell=True,\n    check=False)\n",
    "x = (\n    'parenthesised'\n)\ny = ('a'\n     'b')\n",
    # strings: contexts, concatenation, f-strings, docstrings, bytes, annotations
    "TOKEN = 'abc'\nobj.attr = 'v'\nd = {'password': 'hunter2', 1: 'one', **rest}\n",
    "call(password='p', other=f'{x}')\nx: str = 'annotated'\n",
    "s = f\"{d['key']} {g(1)}\"\nt = 'a' f'{x}'\nu = 'a' 'b'\nv = b'bytes'\n",
    "def f():\n    '''doc'''\n    return f'{x:>{width}}'\n",
    "def g(x: 'Forward' = 'dflt') -> 'Ret':\n    pass\n",
    # handlers: one-line suites, tuples, swallowing bodies, try*, nested
    "try:\n    x()\nexcept Exception:\n    pass\n",
    "try:\n    x()\nexcept (ValueError, KeyError): pass\nexcept OSError:\n    ...\n",
    "try:\n    x()\nexcept Exception:\n    'ignored'\n    continue_()\nfinally:\n    done()\n",
    "try:\n    x()\nexcept* ValueError:\n    pass\n",
    "for i in r:\n    try:\n        x()\n    except E:\n        continue\n",
    # imports: aliases from untouched blocks, compat shims, functions
    "try:\n    import json as j\nexcept ImportError:\n    import simplejson as j\nj.dumps(1)\n",
    "if TYPE_CHECKING:\n    from a.b import C\nelse:\n    C = None\n",
    "def f():\n    import os\n    os.system('x')\n",
    "from . import sibling\nfrom ..pkg import (a as b,\n    c)\nimport a.b.c, d as e\n",
    "with ctx() as c:\n    import inside\n",
    "class A:\n    import not_a_symbol\n    x: int = field(default=1)\n    def m(self): return call()\n",
    "match cmd:\n    case {'k': 'v'}:\n        run('x')\n    case _ if guard():\n        pass\n",
    "lambda: f('in lambda')\n[g(x) for x in h('gen') if k(x)]\n",
    "while cond():\n    step()\nelse:\n    end()\n",
    "x = 'a' f'{run(c, shell=True)}'\ny = f'{run(c, shell=True)} {z=}'\n",
    "s = 'é'; run('ü', k='ö')  # non-ASCII before the nodes: columns are UTF-8 bytes\n",
]
# Snippets the ast reader hands to libcst on purpose: a generator sharing its call's
# parentheses whose last clause is in brackets of its own (which bracket ends what, only
# the tokens say).
GIVE_UP = {SNIPPETS[6]}


# Python 3.12 type parameters, which this interpreter's ast reads only with them blanked (see
# guardrails/semantic/_type_params.py): every segment must be read by ast, and agree with
# libcst, which reads the syntax itself.
PEP695 = [
    "class Box[T]:\n    item: T\n    def get(self) -> T:\n        return self.item\n",
    "def first[T](xs: list[T]) -> T:\n    return xs[0]\n",
    'class A[T: dict[str, "x"]](Base[T], metaclass=M):\n    pass\n',
    "class C[T: (int, str), *Ts, **P]:\n"
    "    def m[U: f(1, k='v')](self, x: U = g('d'), *a: Ts) -> U:\n        return h(x)\n",
    "type Pair[T] = tuple[T, T]\ntype Alias = int | str\ntype Fwd = 'Later'\n"
    "type Call[T: f('a'), *Ts] = dict[str, {'k': 'v'}]\n",
    "@dataclass(frozen=True)\nclass Rec[T]:\n    x: T\n    y: int = field(default=1)\n\n"
    "@app.route('/x')\nasync def view[T](request: T) -> T:\n    return await render(request, 't')\n",
    "def f[\n    T: int,\n    U: 'Fwd',  # comment\n](\n    x: T,\n    y: U = call('dflt'),\n)"
    " -> None:\n    run(x, y)\n",
    "class Box[T]:\r\n    item: T = 'v'\r\n    def get(self) -> T:\r\n        return g(self)\r\n",
    "class A[\r\n    T: 'b'\r\n](B):\r\n    x = 'v'\r\ntype X[\r\n  T\r\n] = list[T]\r\n",
    "class Outer:\n    type Inner = list[int]\n    class Deep[T]:\n"
    "        def m[S](self, s: S) -> S: return s\n",
    "if TYPE_CHECKING:\n    type X = int\nelse:\n    X = int\n",
    'X = """\nclass Fake[T]:\ntype Y = 1\n"""\nclass Real[T]:\n    pass\nimport os\nos.system(X)\n',
    "class A[T: '\u00fcn\u00ef']:\n    s = call('\u00e9', k='x')\n",
    "def g[T](x: T) -> T: return f(x, 'y')\nZ = 1; W = g[int]\n",
]


def _segments(
    text: str,
) -> Iterator[tuple[list[str], int, int, list[ast.stmt], int, HiddenMap]]:
    """(file lines, segment start, segment end, nodes, offset, what blanking type parameters
    hid) of every segment ast reads."""
    side = _read("new", text.encode("utf-8"), 2**21, {})
    if side.tree is None:
        return
    for seg in side.segments:
        if seg.nodes and _ast_depth(seg.nodes) <= MAX_DEPTH:
            yield side.lines, seg.start, seg.end, seg.nodes, seg.offset, seg.hidden


def _touch_sets(
    nodes: list[ast.stmt], offset: int, start: int, end: int, every_line: bool = False
) -> Iterator[Callable[[int, int], bool]]:
    yield lambda a, b: True
    yield lambda a, b: False
    stmts = [
        n for n in ast.walk(ast.Module(body=nodes, type_ignores=[])) if isinstance(n, ast.stmt)
    ]
    for node in stmts[:: max(1, len(stmts) // 3)][:3]:  # three statements, spread out
        lo, hi = node.lineno + offset, (node.end_lineno or node.lineno) + offset
        yield lambda a, b, lo=lo, hi=hi: a <= hi and lo <= b
    for step in (3,):
        picked = set(range(start, end + 1, step))
        yield lambda a, b, picked=picked: any(a <= n <= b for n in picked)
    if every_line:
        for n in range(start, end + 1):
            yield lambda a, b, n=n: a <= n <= b


def _facts(f: _ast_changes.SegmentFacts) -> tuple[object, ...]:
    return (f.symbols, f.calls, f.strings, f.handlers, f.imports, f.aliases)


def _difference(ours: object, theirs: object) -> str:
    if isinstance(ours, list) and isinstance(theirs, list):
        only_ours = [x for x in ours if x not in theirs]
        only_theirs = [x for x in theirs if x not in ours]
        if not only_ours and not only_theirs:
            return f"same facts, another order: ast {ours!r}"
        return f"only ast: {only_ours!r}; only libcst: {only_theirs!r}"
    return f"ast {ours!r} != libcst {theirs!r}"


def compare(text: str, where: str, every_line: bool = False) -> tuple[int, int, list[str]]:
    """(segments compared, segments the ast reader gave up on, disagreements)."""
    compared = gave_up = 0
    problems: list[str] = []
    for lines, start, end, nodes, offset, hidden in _segments(text):
        names: dict[str, tuple[int, int]] = {}
        _ast_names(nodes, None, names)
        names = {q: (a + offset, b + offset) for q, (a, b) in names.items()}
        for touched in _touch_sets(nodes, offset, start, end, every_line):
            try:
                ours = _ast_changes.extract(nodes, lines, offset, names, touched, hidden)
            except GiveUp:
                gave_up += 1
                break
            try:
                theirs = _cst.extract(lines[start - 1 : end], start - 1, touched, names)
            except Exception:  # libcst cannot read it (newer syntax than it knows): skip
                break
            compared += 1
            if _facts(ours) != _facts(theirs):
                for label, a, b in zip(
                    ("symbols", "calls", "strings", "handlers", "imports", "aliases"),
                    _facts(ours),
                    _facts(theirs),
                    strict=True,
                ):
                    if a != b:
                        problems.append(f"{where}:{start}: {label}: {_difference(a, b)}")
                break
    return compared, gave_up, problems


@pytest.mark.parametrize("i", range(len(SNIPPETS)))
def test_snippets_agree(i: int) -> None:
    compared, gave_up, problems = compare(SNIPPETS[i], f"snippet {i}", every_line=True)
    assert problems == []
    assert (gave_up > 0) == (SNIPPETS[i] in GIVE_UP), (compared, gave_up)
    assert compared > 0


# Under 3.12+ the stdlib parser reads type parameters itself: nothing is blanked.
blanked = pytest.mark.skipif(sys.version_info >= (3, 12), reason="ast reads 3.12 syntax")


@blanked
@pytest.mark.parametrize("i", range(len(PEP695)))
def test_type_parameters_are_read_by_ast_and_agree_with_libcst(i: int) -> None:
    side = _read("new", PEP695[i].encode("utf-8"), 2**21, {})
    assert side.problem is None
    assert side.tree is not None
    # one segment per top-level statement (`a; b` is one), as for code without them
    assert len(side.segments) == len(libcst.parse_module(PEP695[i]).body)
    assert any(seg.hidden for seg in side.segments)
    compared, gave_up, problems = compare(PEP695[i], f"pep695 {i}")
    assert problems == []
    assert gave_up == 0
    # every touch set of every segment: libcst read them all
    assert compared == sum(
        len(list(_touch_sets(seg.nodes, seg.offset, seg.start, seg.end))) for seg in side.segments
    )


def test_type_parameter_facts_are_libcst_s() -> None:
    # What the blanks hid, read back: a call and strings in bounds, none bound to a name; an
    # alias is no constant; a string inside a string is not a type parameter list.
    d = diff(
        "",
        "class A[T: f('b'), U: 'c'](B):\n    x = 'v'\ntype X[T: g()] = 'fwd'\n"
        'D = """\nclass Fake[T]:\n"""\n',
    )
    assert [(c.line, c.name) for c in d.calls] == [(1, "f"), (3, "g")]
    assert [(s.line, s.value, s.context) for s in d.strings] == [
        (1, "b", None),
        (1, "c", None),
        (2, "v", "x"),
        (3, "fwd", None),
        (4, "\nclass Fake[T]:\n", "D"),
    ]
    assert [(c.kind, c.qualname) for c in d.changes] == [
        ("added", "A"),
        ("added", "A.x"),
        ("added", "D"),
    ]
    assert d.problems == ()


@blanked
def test_type_parameters_ast_cannot_prove_are_left_to_libcst() -> None:
    # `[**P, T]` is valid 3.12 but no function's parameters, and `type X[**P]` no subscript:
    # those statements are libcst's to read, as before.
    side = _read("new", b"class A[**P, T]:\n    pass\ntype X[**P] = int\n", 2**21, {})
    assert side.tree is None
    d = diff("", "class A[**P, T]:\n    x = f('v')\ntype X[**P] = int\n")
    assert [(c.line, c.name) for c in d.calls] == [(2, "f")]
    assert [(c.kind, c.qualname) for c in d.changes] == [("added", "A"), ("added", "A.x")]
    assert d.problems == ()


@blanked
@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("import os\nclass A[1+]:\n    pass\n", 2),  # not a type parameter list
        ("import os\ntype X = int, str\n", 2),  # an alias takes one expression
        # An error elsewhere: CPython's first complaint, at the generic, as before.
        ("class A[T]:\n    pass\nx = (\n", 1),
    ],
)
def test_a_syntax_error_near_type_parameters_is_still_one(source: str, line: int) -> None:
    d = diff("", source)
    assert [(p.kind, p.message, p.line) for p in d.problems] == [("syntax", "invalid syntax", line)]


def test_this_repository_agrees_and_rarely_needs_libcst() -> None:
    files = sorted(p for d in ("guardrails", "benchmarks") for p in (ROOT / d).rglob("*.py"))
    files = [p for p in files if ".work" not in p.parts]  # the benchmarks' downloads
    assert len(files) > 150
    compared = gave_up = 0
    problems: list[str] = []
    for path in files:
        c, g, p = compare(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
        compared, gave_up, problems = compared + c, gave_up + g, problems + p
    assert problems == []
    assert compared > 5_000
    assert gave_up <= compared // 1000, f"gave up on {gave_up} segments of {compared}"


def test_concatenated_f_strings_are_read_as_libcst_reads_them() -> None:
    # libcst reads inside an f-string's braces, but not inside an implicit concatenation
    # that holds one; the ast reader tells the two apart by the source's string tokens.
    base = "import subprocess\n"
    joined = diff(base, base + "x = 'a' f'{subprocess.run(c, shell=True)}'\n")
    assert joined.calls == ()
    one = diff(base, base + "x = f'{subprocess.run(c, shell=True)}'\n")
    assert [(c.line, c.name) for c in one.calls] == [(2, "subprocess.run")]


def test_a_give_up_is_decided_by_libcst() -> None:
    # A generator as a default: its text is libcst's to normalise, so the ast reader hands
    # the segment over, and the diff (calls included) is libcst's.
    src = "import subprocess\ndef f(x=(i for i in y)):\n    subprocess.run(c, shell=True)\n"
    nodes = ast.parse(src).body
    names: dict[str, tuple[int, int]] = {}
    _ast_names(nodes, None, names)
    with pytest.raises(GiveUp):
        _ast_changes.extract(nodes, src.splitlines(True), 0, names, lambda a, b: True)
    d = diff("import subprocess\n", src)
    assert [(c.line, c.name, c.keyword("shell").value) for c in d.calls] == [  # type: ignore[union-attr]
        (3, "subprocess.run", True)
    ]


def test_ordinary_code_never_imports_libcst() -> None:
    # The point of the ast reader: the pre-commit hook on a Python change pays no libcst import.
    code = (
        "import sys\n"
        "from tests.test_semantic_python import diff\n"
        "d = diff(open(sys.argv[1]).read(), open(sys.argv[2]).read())\n"
        "assert d.calls and d.changes and d.problems == (), d\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'libcst'))\n"
    )
    old = ROOT / "guardrails" / "rules" / "safety_shell.py"
    new = ROOT / "guardrails" / "semantic" / "python.py"
    out = subprocess.run(
        [sys.executable, "-c", code, str(old), str(new)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == "[]\n"


def test_type_parameters_never_import_libcst(tmp_path: Path) -> None:
    # A commit touching a generic module pays no libcst import either (localstack has nine).
    base = "".join(PEP695)
    (tmp_path / "old.py").write_bytes(base.encode("utf-8"))
    (tmp_path / "new.py").write_bytes(base.replace("xs[0]", "run(xs[0])").encode("utf-8"))
    code = (
        "import sys\n"
        "from tests.test_semantic_python import diff\n"
        "read = lambda p: open(p, 'rb').read().decode('utf-8')\n"
        "d = diff(read(sys.argv[1]), read(sys.argv[2]))\n"
        "assert [c.name for c in d.calls] == ['run'] and d.problems == (), d\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'libcst'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "old.py"), str(tmp_path / "new.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == "[]\n"


def main(argv: list[str]) -> int:
    compared = gave_up = 0
    for d in argv:
        for path in sorted(Path(d).rglob("*.py")):
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            c, g, problems = compare(text, str(path))
            compared, gave_up = compared + c, gave_up + g
            for p in problems:
                print(p[:600])
    print(f"compared {compared} segment readings, gave up on {gave_up}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
