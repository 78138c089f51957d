"""Commit trailers: a port of git's trailer.c (``git interpret-trailers --parse``).

Pure string work, no git involved: :func:`parse_trailers` finds the trailer block of a
commit message exactly where git would, so ``Co-authored-by:`` and ``Approved-by:`` read
the same here as in ``git log``.
"""

from __future__ import annotations

import re

from guardrails.changes import Trailer

_SPACE = " \t\n\v\f\r"  # C isspace()
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_GIT_GENERATED = ("Signed-off-by: ", "(cherry picked from commit ")
_COMMENT = "#"
_CUT_LINE = "# ------------------------ >8 ------------------------\n"


def _next_line(s: str, i: int) -> int:
    nl = s.find("\n", i)
    return len(s) if nl < 0 else nl + 1


def _last_line(s: str, end: int) -> int:
    """Start of the line before ``end`` (a trailing newline belongs to that line); -1 if none."""
    if end <= 0:
        return -1
    nl = s.rfind("\n", 0, end - 1)
    return nl + 1


def _is_blank(s: str, i: int) -> bool:
    while i < len(s) and s[i] != "\n" and s[i] in _SPACE:
        i += 1
    return i >= len(s) or s[i] == "\n"


def _separator(s: str, i: int = 0) -> int:
    """Offset of the ':' after a token (``[A-Za-z0-9-]+ *``) starting at ``i``, or -1."""
    seen_space = False
    for j in range(i, len(s)):
        c = s[j]
        if c == ":":
            return j - i
        if not seen_space and c in _TOKEN_CHARS:
            continue
        if j != i and c in " \t":
            seen_space = True
            continue
        break
    return -1


def _patch_start(s: str) -> int:
    i = 0
    while i < len(s):
        if s.startswith("---", i) and i + 3 < len(s) and s[i + 3] in _SPACE:
            return i
        i = _next_line(s, i)
    return len(s)


def _ignored_tail(s: str, end: int) -> int:
    """Bytes at the end that are comments, blank lines or an old ``Conflicts:`` block."""
    if s.startswith(_CUT_LINE):
        cutoff = 0
    else:
        cut = s.find("\n" + _CUT_LINE, 0, end)
        cutoff = end if cut < 0 else cut + 1
    boc, bol, in_conflicts = 0, 0, False
    while bol < cutoff:
        nxt = _next_line(s, bol)
        if s[bol] in (_COMMENT, "\n"):
            boc = boc or bol
        elif s.startswith("Conflicts:\n", bol):
            in_conflicts = True
            boc = boc or bol
        elif in_conflicts and s[bol] == "\t":
            pass
        elif boc:
            boc, in_conflicts = 0, False
        bol = nxt
    return end - boc if boc else end - cutoff


def _trailer_start(s: str, end: int) -> int:
    """Where the trailer block starts (``end`` when there is none): git's 25% heuristic."""
    i = 0
    while i < end:  # the first paragraph is the title and cannot hold trailers
        if s[i] != _COMMENT and _is_blank(s, i):
            break
        i = _next_line(s, i)
    end_of_title = i
    only_spaces, recognized = True, False
    trailers = non_trailers = continuations = 0
    bol = _last_line(s, end)
    while bol >= end_of_title:
        if s[bol] == _COMMENT:
            non_trailers += continuations
            continuations = 0
        elif _is_blank(s, bol):
            if not only_spaces:
                non_trailers += continuations
                if (recognized and trailers * 3 >= non_trailers) or (trailers and not non_trailers):
                    return _next_line(s, bol)
                return end
        else:
            only_spaces = False
            if s.startswith(_GIT_GENERATED, bol):
                trailers += 1
                continuations = 0
                recognized = True
            elif _separator(s, bol) >= 1 and s[bol] not in _SPACE:
                trailers += 1
                continuations = 0
            elif s[bol] in _SPACE:
                continuations += 1
            else:
                non_trailers += 1 + continuations
                continuations = 0
        bol = _last_line(s, bol)
    return end


def _unfold(value: str) -> str:
    return re.sub(r"\n[ \t\n\v\f\r]*", " ", value).strip(_SPACE)


def parse_trailers(message: str) -> tuple[Trailer, ...]:
    """The trailers of a commit message, exactly as ``git interpret-trailers --parse``.

    Only git's defaults apply (separator ``:``; ``Signed-off-by`` and ``(cherry picked from
    commit`` are the git-generated trailers): a repository's ``trailer.*`` config is ignored
    on purpose, because the change under review could edit it.
    """
    patch = _patch_start(message)
    end = patch - _ignored_tail(message, patch)
    start = _trailer_start(message, end)
    items: list[str] = []
    last_is_trailer = False
    for line in re.findall(r"[^\n]*\n|[^\n]+$", message[start:end]):
        if last_is_trailer and line[0] in _SPACE:
            items[-1] += line
            continue
        items.append(line)
        last_is_trailer = _separator(line) >= 1
    found: list[Trailer] = []
    for item in items:
        sep = _separator(item)
        if item.startswith(_COMMENT) or sep < 1:
            continue
        found.append(Trailer(item[:sep].strip(_SPACE), _unfold(item[sep + 1 :].strip(_SPACE))))
    return tuple(found)
