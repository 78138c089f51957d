"""One side of a Python file, read and cut into segments: a top-level statement with the
comments above it, found from ``ast`` line numbers (parsed chunk by chunk, so both sides of
a change share the parse of their common statements), plus the line bookkeeping and the
limits (size, nesting depth) past which a side is a :class:`ParseProblem`.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import tokenize
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import msgspec

from guardrails.changes import is_binary
from guardrails.changes import split_lines as split_lines
from guardrails.semantic._module_names import _ast_names
from guardrails.semantic._type_params import HiddenMap, parse_masked
from guardrails.semantic.facts import ParseProblem
from guardrails.semantic.python_files import MAX_FILE_BYTES as MAX_FILE_BYTES

# ast depth of one top-level statement above which libcst is not attempted. Measured with
# libcst 1.9: nested calls at depth 190 take 0.6 s; CPython itself rejects more than 200
# nested parentheses, so only operator/attribute chains get deeper in valid code.
MAX_DEPTH = 200


class _Segment(msgspec.Struct):
    start: int  # first file line, comments above the statement included
    end: int
    text: str
    nodes: list[ast.stmt] = msgspec.field(default_factory=list)
    offset: int = 0  # file line of the nodes' line 0 (they may come from a parsed chunk)
    # What blanking Python 3.12 type parameters hid from the nodes (see _type_params).
    hidden: HiddenMap = msgspec.field(default_factory=dict)
    # A skeleton (see Skeleton): the names its statement defines, and the chunk text to parse
    # should the statement be needed after all (:func:`flesh_out`); ``nodes`` is empty.
    names: tuple[str, ...] | None = None
    chunk: str | None = None


class _Side(msgspec.Struct):
    name: str  # "old" | "new"
    lines: list[str] = msgspec.field(default_factory=list)
    # Its statements' line numbers are relative to their segment's ``offset``: read them
    # through the segments, never straight from the tree.
    tree: ast.Module | None = None
    segments: list[_Segment] = msgspec.field(default_factory=list)
    problem: ParseProblem | None = None
    present: bool = False


# Chunk text -> its statements (line numbers relative to the chunk) and what blanking type
# parameters hid from them; shared by both sides of a change.
Parsed = dict[str, tuple[list[ast.stmt], HiddenMap]]

# -- skeletons: the def/class statements of a large file that neither side changed -----------
#
# A changed file's sides are read chunk by chunk (see _parse_chunks) and both sides share
# the parse of each chunk text, but every chunk is still parsed once: localstack's
# services/s3/provider.py is one 4,800-line class, ~30 ms to parse, on every commit that
# touches the file anywhere. Yet of a statement whose text is the same on both sides the
# diff reads only where it ends and the names it defines. A :class:`Skeleton` is exactly
# that, remembered (by the caller) per chunk text digest from an earlier run: a chunk with
# one is not parsed unless the other side changed it, then it is (flesh_out). Only a chunk
# that is one def or class statement gets one: those bind no import alias and no
# ``__all__``, which the diff reads from the module's other statements.

SKELETON_BYTES = 4 * 1024  # a side smaller than this parses in well under a millisecond
_SKELETAL = re.compile(r"(?:@|def |async def |class )")


class Skeleton(NamedTuple):
    line: int  # the statement's first and last line, relative to its chunk
    end: int
    names: tuple[str, ...]  # what _ast_names finds in it, in order


class Skeletons:
    """The skeletons a diff may use (``known``: chunk digest -> skeleton) and, per side
    name, every skeleton of that side, used or newly read (``sides``): what the caller
    remembers for the next run."""

    def __init__(self, known: Mapping[str, Skeleton] | None = None) -> None:
        self.known: dict[str, Skeleton] = dict(known or {})
        self.sides: dict[str, dict[str, Skeleton]] = {}


def chunk_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _skeleton(body: list[ast.stmt], hidden: HiddenMap) -> Skeleton | None:
    if len(body) != 1 or hidden:
        return None
    node = body[0]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return None
    names: dict[str, tuple[int, int]] = {}
    _ast_names(body, None, names)
    return Skeleton(node.lineno, node.end_lineno or node.lineno, tuple(names))


def _fits(skeleton: Skeleton, lines: int) -> bool:
    """Whether a remembered skeleton can be the one statement of a chunk of ``lines`` lines
    (a def or class defines its own name first): one that cannot is parsed instead."""
    return 1 <= skeleton.line <= skeleton.end <= lines and bool(skeleton.names)


def flesh_out(segments: Iterable[_Segment], parsed: Parsed) -> None:
    """Parse the skeletons among ``segments``: they are needed as statements after all."""
    for seg in segments:
        if seg.chunk is None:
            continue
        found = parsed.get(seg.chunk)
        if found is None:
            try:
                found = ast.parse(seg.chunk).body, {}
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                found = [], {}  # cannot happen (it parsed before); read as unparsable
            parsed[seg.chunk] = found
        seg.nodes, seg.names, seg.chunk = list(found[0]), None, None


def _read(
    name: str,
    data: bytes | None,
    max_bytes: int,
    parsed: Parsed,
    skeletons: Skeletons | None = None,
) -> _Side:
    """One side read and cut into segments. With ``skeletons`` (and a side of at least
    :data:`SKELETON_BYTES`), its def/class chunks may be skeletons, and ``skeletons.sides``
    gets every skeleton of this side."""
    side = _Side(name)
    if data is None:
        return side
    side.present = True
    if is_binary(data):
        side.problem = ParseProblem(name, "binary", "binary content, not Python source")
        return side
    if len(data) > max_bytes:
        side.problem = ParseProblem(
            name,
            "too-large",
            f"{len(data) / 2**20:.1f} MiB is over the {max_bytes / 2**20:.0f} MiB analysis limit",
        )
        return side
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except SyntaxError as e:  # unknown codec in the cookie, or a BOM that contradicts it
        side.problem = ParseProblem(name, "encoding", str(e.msg if hasattr(e, "msg") else e), 1)
        return side
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        side.problem = ParseProblem(
            name, "encoding", f"cannot decode as {e.encoding}: {e.reason}", line
        )
        return side
    side.lines = split_lines(text)
    mine: dict[str, Skeleton] | None = None
    if skeletons is not None and len(data) >= SKELETON_BYTES:
        mine = {}
    chunks = _parse_chunks(side.lines, parsed, skeletons.known if skeletons else {}, mine)
    if chunks is not None:
        if skeletons is not None and mine is not None:
            skeletons.sides[name] = mine
        side.tree = ast.Module(
            body=[n for _, body, _, _ in chunks if isinstance(body, list) for n in body],
            type_ignores=[],
        )
        side.segments = _segments(chunks, side.lines)
        return side
    hidden: HiddenMap = {}
    try:
        try:
            side.tree = ast.parse(text)
        except SyntaxError:
            masked = parse_masked(text)
            if masked is None:
                raise  # CPython's own message and line, exactly as without type parameters
            side.tree = ast.Module(body=masked[0], type_ignores=[])
            hidden = masked[1]
    except SyntaxError as e:
        problem = ParseProblem(name, "syntax", e.msg, e.lineno)
        # Newer syntax than this interpreter's (PEP 695 on 3.11): libcst may still read it, as
        # one segment. Its parser is slow on deep nesting, so scan brackets first.
        if _bracket_depth(text) > MAX_DEPTH:
            side.problem = problem
            return side
        side.segments = [_Segment(1, len(side.lines), text)]
        side.problem = problem  # cleared if libcst reads it
        return side
    except (ValueError, RecursionError, MemoryError) as e:  # NUL bytes; pathological nesting
        kind = "syntax" if isinstance(e, ValueError) else "too-deep"
        side.problem = ParseProblem(name, kind, str(e) or type(e).__name__, None)
        return side
    side.segments = _segments([(0, side.tree.body, hidden, text)], side.lines)
    return side


# A line that may start a top-level statement begins with none of these. A wrong guess only
# costs time: the chunk before it fails to parse (see _parse_chunks).
_NOT_A_START = frozenset(" \t\f\v\r\n#)]}")
_CLAUSE = re.compile(r"(?:else|elif|except|finally)\b")


Chunk = tuple[int, "list[ast.stmt] | Skeleton", HiddenMap, str]  # first line, body, hidden, text


def _parse_chunks(
    lines: list[str],
    parsed: Parsed,
    known: Mapping[str, Skeleton] | None = None,
    mine: dict[str, Skeleton] | None = None,
) -> list[Chunk] | None:
    """Parse a module as chunks of top-level statements, or None to parse it whole.

    The chunks start at lines that begin in column 0. If every chunk parses on its own, the
    chunks' statements are exactly the whole module's: a cut inside a statement leaves an
    open bracket, string, continuation or decorator at the end of the chunk before it, or a
    lone ``else``/``except`` clause at the start of the next one, and neither parses (the
    stdlib parser checks nothing across statements). A chunk that fails is merged with the
    next; once the failed chunks add up to the module's size, or at the end of the file, the
    caller parses the whole text and reports any error exactly as before.

    Why: the base and head of a changed file share almost every top-level statement, and
    ``parsed`` (chunk text -> statements, line numbers relative to the chunk) is shared by
    both sides, so the head costs a parse of its changed statements only.

    With ``mine`` (a large side: see :class:`Skeleton`), a def/class chunk whose digest is
    in ``known`` is not parsed (its body is the skeleton), and ``mine`` gets the skeleton of
    every def/class chunk of the side.
    """
    starts = [0]
    previous = ""
    for i, line in enumerate(lines):
        if i and line and line[0] not in _NOT_A_START:
            if not previous.startswith("@") and not _CLAUSE.match(line):
                starts.append(i)
            previous = line
    starts.append(len(lines))
    out: list[Chunk] = []
    wasted = 0  # characters parsed in chunks that failed: at most about one whole parse
    budget = sum(map(len, lines))
    k = 0
    while k < len(starts) - 1:
        first = starts[k]
        j = k + 1
        while True:
            text = "".join(lines[first : starts[j]])
            # Only a chunk of one start can be one def or class (merged ones never are).
            skeletal = mine is not None and j == k + 1 and _SKELETAL.match(text) is not None
            digest = chunk_digest(text) if skeletal else None
            found = parsed.get(text)
            if found is not None:
                break
            skeleton = (known or {}).get(digest) if digest is not None else None
            if skeleton is not None and _fits(skeleton, starts[j] - first):
                break
            skeleton = None
            try:
                found = ast.parse(text).body, {}
            except SyntaxError:
                # Python 3.12 type parameters (on an older Python) are read with them blanked.
                found = parse_masked(text)
            except (ValueError, RecursionError, MemoryError):
                found = None
            if found is None:
                wasted += len(text)
                j += 1
                if wasted > budget or j == len(starts):
                    return None
                continue
            parsed[text] = found
            break
        if found is None:  # a skeleton stands for the chunk
            assert mine is not None and digest is not None and skeleton is not None
            mine[digest] = skeleton
            out.append((first, skeleton, {}, text))
        else:
            if digest is not None and mine is not None:
                made = _skeleton(*found)
                if made is not None:
                    mine[digest] = made
            out.append((first, found[0], found[1], text))
        k = j
    return out


def _bracket_depth(text: str) -> int:
    depth = best = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            best = max(best, depth)
        elif ch in ")]}":
            depth -= 1
    return best


def _segments(chunks: list[Chunk], lines: list[str]) -> list[_Segment]:
    out: list[_Segment] = []
    prev_end = 0
    for offset, body, hidden, text in chunks:
        first_segment = len(out)
        if isinstance(body, Skeleton):  # one def/class statement, alone in its chunk
            end = body.end + offset
            seg = _Segment(prev_end + 1, end, "".join(lines[prev_end:end]), [], offset)
            seg.names, seg.chunk = body.names, text
            out.append(seg)
            prev_end = end
            continue
        for node in body:
            start = node.lineno + offset
            end = (node.end_lineno or node.lineno) + offset
            if out and start <= out[-1].end:  # `a = 1; b = 2` on one line (never across chunks)
                seg = out[-1]
                seg.nodes.append(node)
                if end > seg.end:
                    seg.end = end
                    seg.text = "".join(lines[seg.start - 1 : end])
                prev_end = seg.end
                continue
            out.append(_Segment(prev_end + 1, end, "".join(lines[prev_end:end]), [node], offset))
            prev_end = end
        if hidden:  # each segment keeps what was hidden from its own statements
            for seg in out[first_segment:]:
                seg.hidden = {
                    id(n): h
                    for n in ast.walk(ast.Module(seg.nodes, []))
                    if (h := hidden.get(id(n))) is not None
                }
    return out


def _ast_depth(nodes: Iterable[ast.AST]) -> int:
    """Depth of the deepest node below ``nodes`` (which count as 1), or MAX_DEPTH + 1 as soon
    as it is known to be deeper. Level by level, reading ``_fields`` directly:
    ``ast.iter_child_nodes`` costs two generators per node."""
    level = list(nodes)
    depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return depth
        below: list[ast.AST] = []
        for node in level:
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, ast.AST):
                    below.append(value)
                elif isinstance(value, list):
                    below.extend(v for v in value if isinstance(v, ast.AST))
        level = below
    return depth
