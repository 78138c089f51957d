"""Import extraction: one Python file's bytes in, its import statements out.

Content only: nothing here knows the file's path or package, so results are cached by blob id
and reused across revisions and renames. Relative imports keep their ``level`` and are made
absolute later, by :mod:`guardrails.imports.resolve`.

The fast path is the stdlib ``ast`` parser, walking statement lists only (expressions are
scanned for ``importlib.import_module`` / ``__import__`` just in files whose bytes mention
them). Code written for a newer Python than the one running (PEP 695 ``type X = ...`` on 3.11)
falls back to libcst, whose parser reads Python 3.0-3.14. A file that neither accepts is an
:class:`ExtractError`, never an exception.
"""

from __future__ import annotations

import ast
import functools
import itertools
import re
from typing import NamedTuple

from guardrails.pyast import dotted_name, mask_type_parameters

# Bits of ImportRecord's flags, packed into one int for the cache.
TYPE_ONLY, WEAK, DYNAMIC, IN_FUNCTION, STAR = 1, 2, 4, 8, 16

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})
_DYNAMIC_MARKERS = (b"import_module", b"__import__")
_DYNAMIC_FUNCS = ("importlib.import_module", "import_module", "__import__")
_LIBCST_VERSION = "3.14"  # the newest grammar our pinned libcst (>=1.4 native parser) reads


class ImportRecord(NamedTuple):
    """One imported module as written in one file.

    ``module`` is the dotted name without leading dots (``""`` for ``from . import x``);
    ``level`` counts the dots of a relative import. ``names`` are the names a ``from`` import
    binds (``("*",)`` for a star import); empty for ``import a.b`` and dynamic imports.
    """

    module: str
    names: tuple[str, ...]
    line: int
    level: int = 0
    type_only: bool = False  # under `if TYPE_CHECKING:` (its `else:` is runtime)
    weak: bool = False  # in try/except ImportError (body or fallback handler)
    dynamic: bool = False  # importlib.import_module("lit") / __import__("lit")
    in_function: bool = False  # inside a def or lambda: runs only when called
    star: bool = False
    statement: str = ""  # canonical one-line text of the statement, for explanations


class ExtractError(NamedTuple):
    """A file no parser accepts. ``path`` is filled in by the caller (extraction sees bytes)."""

    path: str
    line: int | None
    message: str


class Extraction(NamedTuple):
    records: tuple[ImportRecord, ...]
    error: ExtractError | None = None
    parser: str = "ast"  # "none" (no import keyword at all), "ast" or "libcst"


# The cache stores plain tuples: (module, names, line, level, flags, statement).
RawRecord = tuple[str, tuple[str, ...], int, int, int, str]
# ((records...), (error_line, error_message) | None, parser)
RawExtraction = tuple[tuple[RawRecord, ...], "tuple[int | None, str] | None", str]


def extract(data: bytes, path: str = "<unknown>") -> Extraction:
    """Every import in ``data`` (a Python file's bytes, any PEP 263 encoding)."""
    return to_extraction(extract_raw(data), path)


def to_extraction(raw: RawExtraction, path: str) -> Extraction:
    records, error, parser = raw
    return Extraction(
        tuple(to_record(r) for r in records),
        None if error is None else ExtractError(path, error[0], error[1]),
        parser,
    )


def to_record(r: RawRecord) -> ImportRecord:
    module, names, line, level, flags, statement = r
    return ImportRecord(
        module,
        names,
        line,
        level,
        bool(flags & TYPE_ONLY),
        bool(flags & WEAK),
        bool(flags & DYNAMIC),
        bool(flags & IN_FUNCTION),
        bool(flags & STAR),
        statement,
    )


def extract_raw(data: bytes) -> RawExtraction:
    """Like :func:`extract`, as plain tuples (what the cache stores)."""
    if b"import" not in data:
        return ((), None, "none")
    spans = _import_spans(data)
    if spans is not None:
        out: list[RawRecord] = []
        try:
            for statements in spans:
                start = statements[0][0]
                chunk = b"".join(_narrowed(data, a, b, 0) for a, b in statements)
                first = len(out)
                _walk(_parse(chunk).body, 0, out, any(m in chunk for m in _DYNAMIC_MARKERS))
                offset = data.count(b"\n", 0, start)
                if offset:
                    out[first:] = [
                        (a, b, ln + offset, c, d, e) for a, b, ln, c, d, e in out[first:]
                    ]
        except (SyntaxError, ValueError, UnicodeError, RecursionError, MemoryError):
            pass  # a span the lexer got wrong, or a real error: read the whole file
        else:
            out.sort(key=_line_of)
            return (tuple(out), None, "ast")
    return _extract_whole(data)


def _parse(data: bytes) -> ast.Module:
    # Python 3.12's type parameters (``class Box[T]:``) are a syntax error to an older
    # interpreter's parser, and libcst (the fallback for newer syntax) reads a whole file ~50x
    # slower: on localstack nine such files were half of a cold graph. They never hold an
    # import, so with them blanked ``ast`` reads the imports exactly; the file goes to libcst
    # only if it still does not parse.
    try:
        return ast.parse(data)
    except SyntaxError:
        masked = mask_type_parameters(data)
        if masked is None:
            raise
        return ast.parse(masked)


def _extract_whole(data: bytes) -> RawExtraction:
    try:
        tree = _parse(data)
    except SyntaxError as exc:  # includes newer syntax than the running Python
        from guardrails.imports._extract_cst import extract_libcst

        return extract_libcst(data, (exc.lineno, exc.msg))
    except (ValueError, UnicodeError) as exc:  # NUL bytes, a wrong encoding cookie
        return ((), (None, f"cannot decode: {exc}"), "ast")
    except (RecursionError, MemoryError):
        # A giant nested expression. libcst's Rust parser could overflow its own stack (and
        # take the process with it), so report instead of retrying.
        return ((), (None, "expression nested too deeply to parse"), "ast")
    out: list[RawRecord] = []
    scan_calls = any(m in data for m in _DYNAMIC_MARKERS)
    try:
        _walk(tree.body, 0, out, scan_calls)
    except RecursionError:
        return ((), (None, "statements nested too deeply to read"), "ast")
    out.sort(key=_line_of)
    return (tuple(out), None, "ast")


# --- top-level statement spans ----------------------------------------------------------------
#
# Parsing dominates a cold build (about 2 ms for a 150-line file), yet imports sit in a few
# top-level statements: the header block, and the odd function with a lazy import. So the
# fast path splits the file into top-level statements with a small lexer (strings and
# comments are skipped whole; a statement starts at a column-0 line that is not a
# continuation) and parses only the statements whose text contains "import" (every import
# statement and every import_module/__import__ call does). Anything the lexer may have got
# wrong (odd encodings, a span that does not parse) falls back to parsing the whole file.
# What this gives up: a syntax error in a statement without imports goes unreported here
# (it cannot hide an import; `parse.error` reports it for changed files).

# Strings (skipped whole: a quote, "#" or newline inside one is text) and comments.
_STRINGS = rb"""
     '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''
    |\"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\"
    |'[^'\\\n]*(?:\\.[^'\\\n]*)*'
    |"[^"\\\n]*(?:\\.[^"\\\n]*)*"
    |\#[^\n]*
"""
_LEXER = re.compile(_STRINGS + rb"|\n(?=[^\s#)\]}])", re.VERBOSE | re.DOTALL)
# Column-0 lines that continue the statement before them.
_CONTINUES = re.compile(rb"(?:else|elif|except|finally)\b")
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
# Encodings in which every byte below 0x80 is that ASCII character, so the byte lexer can
# trust quotes, "#", backslashes and newlines. (In Shift-JIS or Big5 a second byte can be a
# backslash.) Spans after the first are parsed without the cookie, i.e. as UTF-8.
_LEXABLE = frozenset({"utf-8", "utf8", "utf_8", "ascii", "us-ascii"})
_NEWLINE = 10


def _import_spans(data: bytes) -> list[list[tuple[int, int]]] | None:
    """Byte ranges of the top-level statements that mention "import", adjacent ones grouped
    (each group is parsed at once)."""
    head = data[: data.find(b"\n", data.find(b"\n") + 1) + 1] if b"\n" in data else data
    cookie = _COOKIE.search(head)
    if cookie and cookie.group(1).decode("ascii", "replace").lower() not in _LEXABLE:
        return None  # an encoding the byte lexer cannot trust
    if data.count(b"\r") != data.count(b"\r\n"):
        return None  # old Mac line ends
    starts = [0]
    continues = _CONTINUES.match
    line = 0  # start of the last column-0 line
    last = data.rfind(b"import")  # no need to lex past the statement holding the last one
    for m in _LEXER.finditer(data):
        if m.group()[0] != _NEWLINE:
            continue
        pos = m.end()
        if starts[-1] > last:
            break
        decorated, line = data[line] == _AT, pos  # a decorator stays with its def
        if decorated or _continued(data, pos) or continues(data, pos):
            continue
        starts.append(pos)
    starts.append(len(data))
    spans: list[list[tuple[int, int]]] = []
    hit = data.find(b"import")
    i = 0
    while hit != -1:
        while starts[i + 1] <= hit:
            i += 1
        begin, end = starts[i], starts[i + 1]
        if spans and spans[-1][-1][1] == begin:
            spans[-1].append((begin, end))
        else:
            spans.append([(begin, end)])
        hit = data.find(b"import", end)
    return spans


# --- inside a large class or def ------------------------------------------------------------
#
# A top-level class of 2,000 lines with one lazy import in one method is still most of a
# cold parse. So a large class or def is narrowed: its header is kept and, of its body, only
# the statements that mention "import" (each narrowed in turn); every other body statement
# becomes as many empty lines, so line numbers stay exact. Dropping a statement without
# "import" drops no import and changes no enclosing context (the flags a def or class gives
# its body come from its header). A line as deep as the body inside brackets splits no
# statement: a piece that does not close what it opens keeps the class or def whole, and
# other text that does not parse sends the whole file to the parser. As for top-level
# statements, a syntax error in a body statement without "import" goes unreported here.

_NARROW_MIN = 2048  # bytes: smaller statements are parsed whole
# The header: strings, comments, brackets and every line start that is not blank.
_HEADER = re.compile(_STRINGS + rb"|[(\[{]|[)\]}]|\n[ \t]*(?=[^\s#])", re.VERBOSE | re.DOTALL)
_CODE = re.compile(_STRINGS, re.VERBOSE | re.DOTALL)  # what is not code: strings, comments
_NARROWS = re.compile(rb"(?:async[ \t]+def|def|class)\b|@")
_OPEN, _CLOSE = frozenset(b"([{"), frozenset(b")]}")
_BACKSLASH, _AT, _CR = 92, 64, 13


@functools.lru_cache(maxsize=16)
def _body_lines(width: int) -> re.Pattern[bytes]:
    """Strings, comments and the line starts exactly ``width`` blanks deep."""
    return re.compile(_STRINGS + rb"|\n[ \t]{%d}(?=[^\s#)\]}])" % width, re.VERBOSE | re.DOTALL)


def _narrowed(data: bytes, start: int, end: int, indent: int) -> bytes:
    """``data[start:end]``, one statement at ``indent``; a large class or def narrowed to
    the body statements that mention "import"."""
    if (
        end - start < _NARROW_MIN
        or not _NARROWS.match(data, start + indent)
        or data.find(b"\f", start, end) != -1  # a form feed resets the column: read whole
    ):
        return data[start:end]
    # The body starts at the first line outside brackets that is indented deeper.
    depth = 0
    body = width = -1
    for m in _HEADER.finditer(data, start, end):
        c = data[m.start()]
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
        elif (
            c == _NEWLINE
            and depth == 0
            and m.end() - m.start() - 1 > indent
            and not _continued(data, m.start() + 1)
        ):
            body, width = m.start() + 1, m.end() - m.start() - 1
            break
    if body < 0:
        return data[start:end]
    starts = [body]
    line = body  # start of the last line at the body's width
    for m in _body_lines(width).finditer(data, body, end):
        if data[m.start()] != _NEWLINE:
            continue
        pos = m.start() + 1
        decorated, line = data[line + width] == _AT, pos  # a decorator stays with its def
        if decorated or _continued(data, pos) or _CONTINUES.match(data, m.end()):
            continue
        starts.append(pos)
    starts.append(end)
    pieces = [data[start:body]]
    kept = 0
    for a, b in itertools.pairwise(starts):
        if not _balanced(data[a:b]):
            # A line at the body's width inside brackets (`x = [lambda:` then a line as
            # deep as the statement): the pieces are not statements, read it whole.
            return data[start:end]
        if data.find(b"import", a, b) == -1:
            pieces.append(b"\n" * data.count(b"\n", a, b))
        else:
            pieces.append(_narrowed(data, a, b, width))
            kept += 1
    if not kept:  # "import" only in the header: the body must not be emptied
        return data[start:end]
    return b"".join(pieces)


def _balanced(text: bytes) -> bool:
    """Whether ``text`` closes every bracket it opens, strings and comments aside."""
    code = _CODE.sub(b"", text)
    return (
        code.count(b"(") == code.count(b")")
        and code.count(b"[") == code.count(b"]")
        and code.count(b"{") == code.count(b"}")
    )


def _continued(data: bytes, pos: int) -> bool:
    """Whether the line that ends just before ``pos`` ends in a backslash."""
    last = pos - 2 if pos < 3 or data[pos - 2] != _CR else pos - 3
    return last >= 0 and data[last] == _BACKSLASH


def _line_of(r: RawRecord) -> int:
    return r[2]


# --- ast ------------------------------------------------------------------------------------


def _type_checking(test: ast.expr) -> int:
    """+1 for `TYPE_CHECKING` / `x.TYPE_CHECKING`, -1 for their negation, 0 otherwise."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return -_type_checking(test.operand)
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return 1
    if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
        return 1
    return 0


def _catches_import_error(handlers: list[ast.ExceptHandler]) -> bool:
    for h in handlers:
        types = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
        for t in types:
            name = dotted_name(t) if t is not None else None
            if name is not None and name.rsplit(".", 1)[-1] in _IMPORT_ERRORS:
                return True
    return False


def _alias(a: ast.alias) -> str:
    return a.name if a.asname is None else f"{a.name} as {a.asname}"


_BODY_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


# ast.TryStar (except*) exists from Python 3.11 on.
_TRY_TYPES: tuple[type[ast.stmt], ...] = tuple(
    t for t in (ast.Try, getattr(ast, "TryStar", None)) if t is not None
)


def _walk(body: list[ast.stmt], flags: int, out: list[RawRecord], scan_calls: bool) -> None:
    for node in body:
        if isinstance(node, ast.Import):
            for a in node.names:
                out.append((a.name, (), node.lineno, 0, flags, f"import {_alias(a)}"))
            continue
        if isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            f = flags | STAR if names == ("*",) else flags
            dots = "." * node.level
            text = f"from {dots}{node.module or ''} import {', '.join(map(_alias, node.names))}"
            out.append((node.module or "", names, node.lineno, node.level, f, text))
            continue
        if scan_calls:
            _scan_calls(node, flags, out)
        if isinstance(node, ast.If):
            tc = _type_checking(node.test)
            _walk(node.body, flags | TYPE_ONLY if tc > 0 else flags, out, scan_calls)
            _walk(node.orelse, flags | TYPE_ONLY if tc < 0 else flags, out, scan_calls)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _walk(node.body, flags | IN_FUNCTION, out, scan_calls)
        elif isinstance(node, _TRY_TYPES):
            handlers: list[ast.ExceptHandler] = getattr(node, "handlers", [])
            weak = flags | WEAK if _catches_import_error(handlers) else flags
            _walk(getattr(node, "body", []), weak, out, scan_calls)
            for h in handlers:
                _walk(h.body, weak, out, scan_calls)
            _walk(getattr(node, "orelse", []), flags, out, scan_calls)
            _walk(getattr(node, "finalbody", []), flags, out, scan_calls)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                _walk(case.body, flags, out, scan_calls)
        else:  # ClassDef, For, While, With (and async forms): plain bodies
            inner = getattr(node, "body", None)
            if inner:
                _walk(inner, flags, out, scan_calls)
            orelse = getattr(node, "orelse", None)
            if orelse:
                _walk(orelse, flags, out, scan_calls)


def _scan_calls(stmt: ast.stmt, flags: int, out: list[RawRecord]) -> None:
    """Dynamic imports with a literal name in the statement's own expressions."""
    stack: list[tuple[ast.AST, int]] = []
    for field, value in ast.iter_fields(stmt):
        if field not in _BODY_FIELDS:
            for v in value if isinstance(value, list) else (value,):
                if isinstance(v, ast.AST):
                    stack.append((v, flags))
    while stack:
        node, f = stack.pop()
        if isinstance(node, ast.Call):
            _dynamic_call(node, f, out)
        elif isinstance(node, ast.Lambda):
            f |= IN_FUNCTION
        stack.extend((child, f) for child in ast.iter_child_nodes(node))


def _dynamic_call(call: ast.Call, flags: int, out: list[RawRecord]) -> None:
    func = dotted_name(call.func)
    if func not in _DYNAMIC_FUNCS:
        return
    if not call.args:
        return
    arg = call.args[0]
    if not isinstance(arg, ast.Constant) or not isinstance(arg.value, str):
        return
    name = arg.value
    if not name or name.startswith("."):
        return  # relative to a runtime `package=`: cannot be known statically
    out.append((name, (), call.lineno, 0, flags | DYNAMIC, f"{func}({name!r})"))
