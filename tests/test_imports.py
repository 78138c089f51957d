"""Import extraction: every import form, newer syntax, broken files (tests as data, Fixit-style)."""

from __future__ import annotations

import sys

import pytest

from guardrails.imports.extract import ImportRecord, _extract_whole, extract, extract_raw

# (source, expected records as (module, names, line, level, flags)); flags name the true ones.
CASES: list[tuple[str, str, list[tuple[str, tuple[str, ...], int, int, set[str]]]]] = [
    ("import", "import a, b.c as d\n", [("a", (), 1, 0, set()), ("b.c", (), 1, 0, set())]),
    ("from", "from a.b import c, d as e\n", [("a.b", ("c", "d"), 1, 0, set())]),
    (
        "relative",
        "from . import x\nfrom ..p.q import y\n",
        [("", ("x",), 1, 1, set()), ("p.q", ("y",), 2, 2, set())],
    ),
    ("star", "from a import *\n", [("a", ("*",), 1, 0, {"star"})]),
    (
        "in function",
        "def f():\n    import a\nasync def g():\n    from b import c\n",
        [("a", (), 2, 0, {"in_function"}), ("b", ("c",), 4, 0, {"in_function"})],
    ),
    (
        "in method",
        "class C:\n    import a\n    def m(self):\n        import b\n",
        [("a", (), 2, 0, set()), ("b", (), 4, 0, {"in_function"})],
    ),
    (
        "weak",
        "try:\n    import a\nexcept ImportError:\n    import b\nelse:\n    import c\n",
        [("a", (), 2, 0, {"weak"}), ("b", (), 4, 0, {"weak"}), ("c", (), 6, 0, set())],
    ),
    (
        "weak tuple",
        "try:\n    import a\nexcept (ValueError, ModuleNotFoundError):\n    pass\n",
        [("a", (), 2, 0, {"weak"})],
    ),
    ("not weak", "try:\n    import a\nexcept ValueError:\n    pass\n", [("a", (), 2, 0, set())]),
    (
        "type checking",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\nelse:\n    import b\n",
        [
            ("typing", ("TYPE_CHECKING",), 1, 0, set()),
            ("a", (), 3, 0, {"type_only"}),
            ("b", (), 5, 0, set()),
        ],
    ),
    (
        "typing.TYPE_CHECKING",
        "import typing\nif typing.TYPE_CHECKING:\n    from a import B\n",
        [("typing", (), 1, 0, set()), ("a", ("B",), 3, 0, {"type_only"})],
    ),
    (
        "not TYPE_CHECKING",
        "if not TYPE_CHECKING:\n    import a\nelse:\n    import b\n",
        [("a", (), 2, 0, set()), ("b", (), 4, 0, {"type_only"})],
    ),
    (
        "importlib",
        "import importlib\nm = importlib.import_module('a.b')\n",
        [("importlib", (), 1, 0, set()), ("a.b", (), 2, 0, {"dynamic"})],
    ),
    (
        "import_module name",
        'from importlib import import_module\ndef f():\n    return import_module("x")\n',
        [
            ("importlib", ("import_module",), 1, 0, set()),
            ("x", (), 3, 0, {"dynamic", "in_function"}),
        ],
    ),
    (
        "__import__",
        "m = __import__('a')\nf = lambda: __import__('b')\n",
        [("a", (), 1, 0, {"dynamic"}), ("b", (), 2, 0, {"dynamic", "in_function"})],
    ),
    ("dynamic non-literal", "importlib.import_module(name)\n__import__('.rel')\n", []),
    (
        "nested contexts",
        "if TYPE_CHECKING:\n    try:\n        import a\n    except ImportError:\n        pass\n",
        [("a", (), 3, 0, {"type_only", "weak"})],
    ),
    ("match", "match x:\n    case 1:\n        import a\n", [("a", (), 3, 0, set())]),
    (
        "with/for/while",
        "with x:\n    import a\nfor i in y:\n    import b\nelse:\n    import c\n"
        "while z:\n    import d\n",
        [
            ("a", (), 2, 0, set()),
            ("b", (), 4, 0, set()),
            ("c", (), 6, 0, set()),
            ("d", (), 8, 0, set()),
        ],
    ),
    ("decorated", "@dec(\n    x,\n)\ndef f():\n    import a\n", [("a", (), 5, 0, {"in_function"})]),
    (
        "string is not an import",
        'X = """\nimport fake\n"""\nimport real\n',
        [("real", (), 4, 0, set())],
    ),
    ("comment is not an import", "# import fake\nx = 1  # import fake\n", []),
    ("column-0 closer", "x = f(\n    1,\n)\nimport a\n", [("a", (), 4, 0, set())]),
    ("backslash continuation", "x = 1 + \\\n2\nimport a\n", [("a", (), 3, 0, set())]),
    (
        "crlf",
        "import a\r\ndef f():\r\n    import b\r\n",
        [("a", (), 1, 0, set()), ("b", (), 3, 0, {"in_function"})],
    ),
    (
        "future",
        '"""Doc."""\nfrom __future__ import annotations\nimport a\n',
        [("__future__", ("annotations",), 2, 0, set()), ("a", (), 3, 0, set())],
    ),
    ("no imports at all", "x = 1\n", []),
    (
        "utf-8 cookie",
        "# -*- coding: utf-8 -*-\ndef f():\n    import a\n",
        [("a", (), 3, 0, {"in_function"})],
    ),
]

FLAGS = ("type_only", "weak", "dynamic", "in_function", "star")


def _shape(
    records: tuple[ImportRecord, ...],
) -> list[tuple[str, tuple[str, ...], int, int, set[str]]]:
    return [
        (r.module, r.names, r.line, r.level, {f for f in FLAGS if getattr(r, f)}) for r in records
    ]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_import_forms(
    source: str, expected: list[tuple[str, tuple[str, ...], int, int, set[str]]]
) -> None:
    result = extract(source.encode())
    assert result.error is None
    assert _shape(result.records) == expected


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_fast_path_agrees_with_whole_file_parse(source: str, expected: object) -> None:
    data = source.encode()
    assert extract_raw(data)[0] == _extract_whole(data)[0]


def test_statement_text_for_explanations() -> None:
    records = extract(b"from ..a import b as c, d\nimport x.y as z\n__import__('q')\n").records
    assert [r.statement for r in records] == [
        "from ..a import b as c, d",
        "import x.y as z",
        "__import__('q')",
    ]


def test_pep695_syntax_is_read_under_the_running_python() -> None:
    source = (
        b"type Alias[T] = list[T]\n"
        b"import a\n"
        b"if TYPE_CHECKING:\n    from b import C\n"
        b"def f[T](x: T) -> T:\n    from .c import d\n    return x\n"
        b"class Box[T]:\n    importlib.import_module('e')\n"
    )
    import sys

    if sys.version_info < (3, 12):
        with pytest.raises(SyntaxError):
            compile(source, "<pep695>", "exec")
    result = extract(source)
    assert result.error is None
    # Under 3.11 too: the type parameters are blanked for ast (libcst was ~50x slower).
    assert result.parser == "ast"
    assert _shape(result.records) == [
        ("a", (), 2, 0, set()),
        ("b", ("C",), 4, 0, {"type_only"}),
        ("c", ("d",), 6, 1, {"in_function"}),
        ("e", (), 9, 0, {"dynamic"}),
    ]


def test_syntax_error_is_a_record_not_an_exception() -> None:
    result = extract(b"import a\ndef f(:\n    import b\n", "pkg/bad.py")
    assert result.records == ()
    assert result.error is not None
    assert (result.error.path, result.error.line) == ("pkg/bad.py", 2)


def test_syntax_error_away_from_imports_does_not_hide_them() -> None:
    # The fast path parses only statements that mention "import": a broken statement
    # elsewhere cannot hide an import, so the file's imports still count (parse.error
    # reports the breakage for changed files).
    result = extract(b"import a\ndef f(:\n    pass\n")
    assert result.error is None
    assert _shape(result.records) == [("a", (), 1, 0, set())]


def test_encoding_cookie_and_non_utf8_bytes() -> None:
    data = "# -*- coding: latin-1 -*-\nNAME = 'café'\nimport a\n".encode("latin-1")
    result = extract(data)
    assert result.error is None
    assert _shape(result.records) == [("a", (), 3, 0, set())]


def test_undecodable_file_is_reported() -> None:
    result = extract(b"import a; x = '\xff'\n")
    assert result.records == () and result.error is not None


@pytest.mark.parametrize(
    "expression",
    [b"(" * 5000 + b")" * 5000, b"1+" * 100_000 + b"1", b"-" * 100_000 + b"1"],
    ids=["parentheses", "binary operators", "unary operators"],
)
def test_giant_expressions_are_reported_without_crashing(expression: bytes) -> None:
    # libcst's parser would crash the whole process on these: it must not be tried. (On a
    # line of its own the expression is never parsed: the def is narrowed to its import.)
    data = b"def f():\n    import a; x = " + expression + b"\n"
    for raw in (extract_raw(data), _extract_whole(data)):
        assert raw[1] is not None
        assert raw[0] == ()


def test_file_without_import_keyword_is_not_parsed() -> None:
    assert extract(b"def broken(:\n").parser == "none"


PEP_695 = [
    b"import os\nclass Box[T: dict[str, int]](Base):\n    import json\n"
    b"    def get[U](self, x: U) -> U:\n        from a import b\n        return x\n",
    b"from typing import Callable\n\ndef first[T](xs: list[T]) -> T:\n    import lazy.mod as m\n"
    b"    return m.first(xs)\n",
    b"import a\ntype Pair[T] = tuple[T, T]\ntype Alias = int\nfrom b import (\n    c,\n    d,\n)\n",
    b"def f[\n  T,\n  U: (int, str),\n](x): import z\nimport y\n",
    b"import a\r\nclass Q[T](Queue):\r\n    def put(self):\r\n        import b\r\n",
    b"if TYPE_CHECKING:\n    from a import B\n    type X = B\n",  # an alias in a block
    b"type X = int\nimport os\n",  # at the start of a module
]


@pytest.mark.parametrize("src", PEP_695)
def test_type_parameters_are_read_by_ast_exactly_as_libcst_reads_them(src: bytes) -> None:
    # Python 3.12 generics are a syntax error to 3.11's parser; libcst reads such a file
    # ~50x slower. Blanking the parameter lists gives ast the same imports, lines and columns.
    from guardrails.imports._extract_cst import extract_libcst
    from guardrails.imports.extract import extract_raw

    records, problem, parser = extract_raw(src)
    assert (parser, problem) == ("ast", None)
    assert records == extract_libcst(src, (1, "invalid syntax"))[0]
    assert records  # every sample imports something


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="ast reads 3.12 syntax itself")
def test_a_file_still_broken_after_blanking_goes_to_libcst() -> None:
    from guardrails.imports.extract import extract_raw

    # A 3.12-only f-string (same quotes nested) is not a type parameter: libcst decides.
    src = b'import a\nclass B[T]:\n    import b\n    x = f"{\'a\' + "b"}"\n'
    records, problem, parser = extract_raw(src)
    assert (parser, problem) == ("libcst", None)
    assert [(r[0], r[2]) for r in records] == [("a", 1), ("b", 3)]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="ast reads 3.12 syntax itself")
def test_a_type_parameter_list_the_bracket_scan_may_misread_goes_to_libcst() -> None:
    # The scan counts brackets without reading strings: "(" in a bound would make it end in a
    # later comment, and the blanked file would parse with `import c` blanked away.
    from guardrails.imports.extract import extract_raw

    src = b'import a\nclass A[T: Literal["("]]:\n    import c\n    x = 1  # note): ok\n'
    records, problem, parser = extract_raw(src)
    assert (parser, problem) == ("libcst", None)
    assert [(r[0], r[2]) for r in records] == [("a", 1), ("c", 3)]
    # An empty list is a syntax error that blanks would hide: libcst says so too.
    records, problem, parser = extract_raw(b"import a\nclass A[]:\n    import b\n")
    assert (records, problem, parser) == ((), (2, "invalid syntax"), "libcst")


# A large class: methods without imports around the ones that have them. Each case is
# padded past the size from which a class or def is narrowed to its importing statements.
_FILLER = "".join(f"    def m{i}(self, a, b=1):\n        return a + b * {i}\n\n" for i in range(40))

NARROWED = [
    (
        "lazy import in a method",
        "import a\n\n\nclass C:\n" + _FILLER + "    def lazy(self):\n        import b\n"
        "        return b\n" + _FILLER,
    ),
    (
        "black-style signatures at the body's width",
        "def top(\n    x=(1, 2),\n    y=[3],\n):\n" + _FILLER.replace("    def", "    z = 1\n    def")
        + "    import inner\n",
    ),
    (
        "decorated methods and a nested class",
        "class C:\n" + _FILLER + "    @property\n    @cached\n    def p(self):\n"
        "        from . import rel\n\n    class Inner:\n" + _FILLER.replace("    ", "        ")
        + "        try:\n            import yaml\n        except ImportError:\n"
        "            yaml = None\n        else:\n            import json\n"
        "        if TYPE_CHECKING:\n            import typing_only\n",
    ),
    (
        "a decorator that mentions import, on a def that does not",
        "class C:\n" + _FILLER + "    @requires(importable)\n    def f(self):\n"
        "        return 1\n" + _FILLER,
    ),
    (
        "a docstring whose lines sit at the body's width",
        'class C:\n    """Doc.\n    def fake():\n    import not_real\n    """\n' + _FILLER
        + "    def f(self):\n        importlib.import_module('dyn')\n",
    ),
    (
        "a backslash at the end of a line",
        "class C:\n" + _FILLER + "    x = imported + \\\n    2\n" + _FILLER
        + "    def f(self):\n        import b\n",
    ),
    (
        "crlf",
        ("class C:\n" + _FILLER + "    def f(self):\n        import b\n").replace("\n", "\r\n"),
    ),
    (
        "import only in the header",
        "@decorate(importer)\nclass C:\n" + _FILLER,
    ),
    (
        "async def and a lambda default",
        "async def main(x=lambda: __import__('lam')):\n" + _FILLER.replace("    def", "    def")
        + "    async with s:\n        import inner\n",
    ),
]


@pytest.mark.parametrize(("name", "source"), NARROWED, ids=[c[0] for c in NARROWED])
def test_a_large_class_or_def_narrowed_reads_what_the_whole_file_holds(
    name: str, source: str
) -> None:
    import ast

    from guardrails.imports.extract import _import_spans, _narrowed

    data = source.encode()
    assert len(data) > 2048
    whole = _extract_whole(data)
    assert whole[1] is None
    assert extract_raw(data) == whole
    # ... from the narrowed text itself, not from a fallback to the whole file.
    spans = _import_spans(data)
    assert spans is not None
    chunks = [b"".join(_narrowed(data, a, b, 0) for a, b in group) for group in spans]
    for chunk in chunks:
        ast.parse(chunk)
    narrowed = sum(map(len, chunks)) < len(data) // 2
    assert narrowed == (name != "import only in the header")


def test_narrowing_parses_only_the_importing_statements() -> None:
    from guardrails.imports.extract import _import_spans, _narrowed

    data = NARROWED[0][1].encode()
    spans = _import_spans(data)
    assert spans is not None
    text = b"".join(_narrowed(data, a, b, 0) for group in spans for a, b in group)
    assert text.count(b"\n") == data.count(b"\n")  # the same lines, so the same line numbers
    assert b"def lazy" in text and b"def m1(" not in text and len(text) < len(data) // 5
    # A continuation line at the body's width splits a statement: what is left does not
    # parse, and the whole file is read instead, with the same records.
    odd = data.replace(b"    def lazy", b"    y = [1,\n    2]\n    def lazy")
    assert extract_raw(odd) == _extract_whole(odd)


# Where a line scan cannot tell the body's statements apart, the class or def is parsed
# whole: the same records as the whole file, not a guess.
KEPT_WHOLE = [
    (
        "a form feed in the indentation resets the column",
        "class C:\n" + _FILLER + "\fdef g():\n    import os\n",
    ),
    (
        "a form feed before an if TYPE_CHECKING",
        "def f():\n" + _FILLER + "    x = 1\n    \fif TYPE_CHECKING:\n    import os\n",
    ),
    (
        "a lambda continued inside brackets at the body's width",
        "class C:\n" + _FILLER + "    x = [lambda:\n    __import__('os'),\n    2]\n",
    ),
    (
        "a bracket closed inside a string does not count",
        "class C:\n" + _FILLER + "    x = [lambda: ')',\n    __import__('os'), '(',\n    2]\n",
    ),
]


@pytest.mark.parametrize(("name", "source"), KEPT_WHOLE, ids=[c[0] for c in KEPT_WHOLE])
def test_a_body_the_line_scan_cannot_split_is_read_whole(name: str, source: str) -> None:
    data = source.encode()
    whole = _extract_whole(data)
    assert whole[1] is None and whole[0], name
    assert extract_raw(data) == whole


def test_a_syntax_error_in_a_body_statement_without_import_goes_unreported() -> None:
    """The trade the fast path makes at the top level holds inside a narrowed class too: a
    broken statement that cannot hide an import is not parsed (``parse.error`` reports it
    for a changed file); the imports around it are read."""
    data = (
        "class C:\n" + _FILLER + "    def broken(self):\n        x = = 1\n"
        "    def lazy(self):\n        import b\n"
    ).encode()
    assert _extract_whole(data)[1] is not None
    records, error, parser = extract_raw(data)
    assert error is None and parser == "ast"
    assert [(r[0], r[2]) for r in records] == [("b", data.split(b"\n").index(b"        import b") + 1)]
