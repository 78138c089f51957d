"""Small readers of stdlib ``ast`` nodes, shared by every stage that reads Python.

Import extraction, attribute-use resolution and the semantic diff all name expressions the
same way, and read Python 3.12 type parameters the same way; one definition keeps them
agreeing.
"""

from __future__ import annotations

import ast
import re


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


# Python 3.12's type parameters (``class Box[T]:``, ``def first[T](xs: list[T]) -> T:``,
# ``type Pair[T] = tuple[T, T]``) are a syntax error to an older interpreter's parser. With
# them blanked (same length, newlines kept: every line and column stays where it was) the
# stdlib parser reads the rest of the file; each stage decides what the blanks may hide.
_NEW_HEADER = re.compile(rb"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w+[ \t]*(?=\[)", re.M)
_TYPE_ALIAS = re.compile(rb"^([ \t]*)type(?=[ \t]+\w+[ \t]*[=\[])", re.M)


def type_parameter_ranges(data: bytes) -> list[tuple[int, int]] | None:
    """Sorted byte ranges of the 3.12 type parameter lists (brackets included) of ``def`` and
    ``class`` headers and of the ``type`` keywords of aliases, or None when a list is
    unbalanced. Found by pattern, not by parsing: a match inside a string is possible, and the
    caller must check each range against what the parser then reads."""
    ranges: list[tuple[int, int]] = []
    for m in _NEW_HEADER.finditer(data):
        depth, i = 0, m.end()
        while i < len(data):
            c = data[i]
            if c in b"([{":
                depth += 1
            elif c in b")]}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        else:
            return None  # unbalanced: not ours to guess
        ranges.append((m.end(), i + 1))
    for m in _TYPE_ALIAS.finditer(data):
        # `type Pair[T] = tuple[T, T]` without its keyword is a subscript assignment, which
        # any Python parses.
        ranges.append((m.end(1), m.end(1) + 4))
    return sorted(ranges)


def blank(data: bytes, ranges: list[tuple[int, int]]) -> bytes:
    """``data`` with each of the sorted ``ranges`` blanked."""
    out: list[bytes] = []
    at = 0
    for start, end in ranges:
        out.append(data[at:start])
        # Blanks of the same length; a list over several lines keeps its newlines, each
        # after a backslash so the header stays one logical line (a backslash at a line's
        # end moves no line and no column of any statement).
        for line in data[start:end].splitlines(keepends=True):
            body = line.rstrip(b"\r\n")
            eol = line[len(body) :]
            out.append(b" " * len(body) + (b"\\" + eol if eol else b""))
        at = end
    out.append(data[at:])
    return b"".join(out)


_ALIAS = re.compile(rb"type([ \t]+)(\w+)")


def blank_type_parameters(data: bytes, ranges: list[tuple[int, int]]) -> bytes:
    """``data`` with the lists of ``ranges`` blanked and ``type X`` written ``X     ``: a
    blank keyword at the start of a line would be an indent, and moving the name keeps every
    column after it, so a list after it stays where it was."""
    lists = [r for r in ranges if data[r[0] : r[1]] != b"type"]
    out = bytearray(blank(data, lists))
    for start, end in ranges:
        m = _ALIAS.match(data, start) if data[start:end] == b"type" else None
        if m is not None:
            out[start : m.end()] = m.group(2) + b" " * (m.end(1) - start)
    return bytes(out)


def mask_type_parameters(data: bytes) -> bytes | None:
    """``data`` with 3.12 type parameter lists and ``type`` alias keywords blanked, or None
    when it has none or when a blank could hide something else.

    For import extraction, which takes the stdlib parser's word for the rest: a list that
    holds a quote or a ``#`` is left to libcst (the bracket scan does not read strings and
    comments, so it may have ended in the wrong place), and so is an empty one (a syntax
    error that blanks would hide)."""
    ranges = type_parameter_ranges(data)
    if not ranges:
        return None
    for start, end in ranges:
        inner = data[start + 1 : end - 1]
        if data[start:end] != b"type" and (
            not inner.strip() or any(c in inner for c in (b'"', b"'", b"#"))
        ):
            return None
    return blank_type_parameters(data, ranges)
