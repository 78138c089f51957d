"""Python 3.12 type parameters read with an older interpreter's stdlib parser.

``class Box[T]:``, ``def first[T](xs: list[T]) -> T:`` and ``type Pair[T] = ...`` do not
parse on 3.11, and libcst (the fallback for newer syntax) would read the whole file: 36 s for
a 1,800-function file, and its 200-350 ms import on every commit touching one. So a chunk
that does not parse is parsed again with its type parameter lists and ``type`` keywords
blanked (:func:`guardrails.pyast.blank`: every line and column stays where it was).

The blanks are found by pattern, so each must be proved to be what it looks like, or the
chunk is not read here (libcst reads it, as before): a blanked list must sit right after
the name of a ``def`` or ``class`` the parser read at that line and column, a blanked
``type`` right before an assignment to a name or a subscripted name; and what was blanked
must be valid 3.12 syntax (a list of ``T``, ``T: bound``, ``*Ts``, ``**P``; an alias value
that is one expression), checked with the parser itself, so a real syntax error is still
one. A range inside a string is dropped and the chunk parsed again without it.

What the blanks hid is kept per statement (:class:`Hidden`), because libcst sees it: the
bounds and constraints of a list hold calls and strings it reports, and an alias is no
assignment to it (no symbol, no name bound to its strings).
"""

from __future__ import annotations

import ast
import bisect
import re

import msgspec

from guardrails.pyast import blank_type_parameters, type_parameter_ranges

_NEWLINE = re.compile(rb"\r\n|\r|\n")
_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


class Hidden(msgspec.Struct, frozen=True):
    """What the blanks hid from one statement."""

    text: str  # the source blanked: "[T: int]" of a def or class, "type" of an alias
    # A def or class list's bounds and constraints, at their lines and columns in the chunk.
    bounds: tuple[ast.expr, ...] = ()

    @property
    def alias(self) -> bool:
        return self.text == "type"


HiddenMap = dict[int, Hidden]  # id(statement) -> what the blanks hid from it


def parse_masked(text: str) -> tuple[list[ast.stmt], HiddenMap] | None:
    """The statements of ``text`` (which the stdlib parser rejects) read with its type
    parameters blanked, and what each blank hid; None when that proves nothing."""
    data = text.encode("utf-8")
    ranges = type_parameter_ranges(data)
    for _ in range(2):
        if not ranges:
            return None
        try:
            # Blanks replace whole ASCII-delimited ranges, so the bytes stay UTF-8.
            masked = blank_type_parameters(data, ranges)
            body = ast.parse(masked.decode("utf-8")).body
        except _PARSE_ERRORS:
            return None
        hidden, kept = _prove(body, data, masked, ranges)
        if len(kept) == len(ranges):
            return body, hidden
        ranges = kept  # a match inside a string: parse without it
    return None


def _prove(
    body: list[ast.stmt], data: bytes, masked: bytes, ranges: list[tuple[int, int]]
) -> tuple[HiddenMap, list[tuple[int, int]]]:
    starts = [0, *(m.end() for m in _NEWLINE.finditer(data))]
    at: dict[tuple[int, int], ast.stmt] = {
        (n.lineno, n.col_offset): n
        for n in ast.walk(ast.Module(body=body, type_ignores=[]))
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign))
    }
    hidden: HiddenMap = {}
    kept: list[tuple[int, int]] = []
    for start, end in ranges:
        line = bisect.bisect_right(starts, start)
        first = starts[line - 1]
        found = None
        if data[start:end] == b"type":
            found = _alias(at, masked, starts, line, start - first)
        else:
            head = data[first:start]
            indent = len(head) - len(head.lstrip(b" \t"))
            node = at.get((line, indent))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bounds = _parameters(data[start:end], line, start - first)
                if bounds is not None:
                    found = node, Hidden(data[start:end].decode("utf-8"), bounds)
        if found is not None and id(found[0]) not in hidden:
            hidden[id(found[0])] = found[1]
            kept.append((start, end))
    return hidden, kept


def _alias(
    at: dict[tuple[int, int], ast.stmt], data: bytes, starts: list[int], line: int, col: int
) -> tuple[ast.stmt, Hidden] | None:
    """The assignment the alias at ``col`` of ``line`` was read as (``data``: as masked)."""
    node = at.get((line, col))
    if not isinstance(node, ast.Assign) or len(node.targets) != 1:
        return None
    target = node.targets[0]
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        begin = _offset(starts, target.value.end_lineno, target.value.end_col_offset)
        stop = _offset(starts, target.end_lineno, target.end_col_offset)
        raw = data[begin:stop]
        pad = len(raw) - len(raw.lstrip(b" \t"))
        begin_line = bisect.bisect_right(starts, begin + pad)
        if _parameters(raw[pad:], begin_line, begin + pad - starts[begin_line - 1]) is None:
            return None
    elif not isinstance(target, ast.Name):
        return None
    # 3.12 takes one expression: no bare tuple, no yield. An annotation is one too.
    value = data[
        _offset(starts, node.value.lineno, node.value.col_offset) : _offset(
            starts, node.value.end_lineno, node.value.end_col_offset
        )
    ]
    try:
        ast.parse("_: " + value.decode("utf-8"))
    except _PARSE_ERRORS:
        return None
    return node, Hidden("type")


def _offset(starts: list[int], line: int | None, col: int | None) -> int:
    assert line is not None and col is not None
    return starts[line - 1] + col


def _parameters(raw: bytes, line: int, col: int) -> tuple[ast.expr, ...] | None:
    """The bounds and constraints of the type parameter list ``raw`` (``[`` at ``col`` of
    ``line``), positioned as in the file, or None if it is not a valid list.

    Read as the parameters of a function whose ``(`` stands where the ``[`` stood: ``T``,
    ``T: bound``, ``*Ts`` and ``**P`` are parameters, and what a list may not hold
    (defaults, ``/``, a bare ``*``, annotated stars, nothing) shows in the function's ast.
    ``[**P, T]`` is valid 3.12 but not as parameters: it is left to libcst.
    """
    if col < 5 or not (raw.startswith(b"[") and raw.endswith(b"]")):
        return None
    snippet = b"\n" * (line - 1) + b"def _" + b" " * (col - 5) + b"(" + raw[1:-1] + b"):pass"
    try:
        fn = ast.parse(snippet.decode("utf-8")).body[0]
    except _PARSE_ERRORS:
        return None
    assert isinstance(fn, ast.FunctionDef)
    a = fn.args
    if (
        a.posonlyargs
        or a.defaults
        or any(d is not None for d in a.kw_defaults)
        or (a.vararg is not None and a.vararg.annotation is not None)
        or (a.kwarg is not None and a.kwarg.annotation is not None)
        or (a.kwonlyargs and a.vararg is None)
        or not (a.args or a.vararg or a.kwarg)
    ):
        return None
    return tuple(x.annotation for x in (*a.args, *a.kwonlyargs) if x.annotation is not None)
