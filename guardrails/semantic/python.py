"""Semantic diff of the base and head versions of one Python file.

Cost model (measured on a 460-line module, see docs/benchmarks-check.md): libcst parses ~7x
slower than the stdlib parser and PositionProvider costs more than the parse itself, so we
never hand a whole file to libcst. Instead:

1. both sides are split into *segments* (one top-level statement with the comments above
   it) using ``ast`` line numbers, which the C parser gives us almost for free;
2. segments whose text is identical on both sides are unchanged, by construction: they
   define the same symbols and a moved block adds no call the base did not have;
3. only the remaining segments go to libcst (with PositionProvider, on the segment alone).

Giant expressions make libcst's parser pathologically slow (5,000 nested parentheses: 13 s
and 2.6 GB) or recurse past Python's limit. A segment whose ``ast`` is deeper than
:data:`MAX_DEPTH` is not given to libcst at all, and libcst runs in a worker thread with a
large stack and a raised recursion limit, so a deep-but-allowed segment parses instead of
failing; anything that still fails becomes a :class:`ParseProblem`, never an exception.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import threading
import tokenize
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from guardrails.changes import ADDED, SYMLINK_MODE, FileChange, LineRange, is_binary
from guardrails.semantic import _ast_symbols
from guardrails.semantic.facts import (
    CallSite,
    Handler,
    ImportStatement,
    ModuleDiff,
    ParseProblem,
    StringLiteral,
    Symbol,
    SymbolChange,
)

if TYPE_CHECKING:
    from guardrails.semantic import _cst

# What Python imports or runs: modules, stubs, Windows scripts, and bytecode (sourceless
# imports load a committed .pyc; it cannot be reviewed: binary, which blocks in CI).
PYTHON_SUFFIXES = (".py", ".pyi", ".pyw", ".pyc")


def is_python_file(path: str | None, data: bytes | None = None) -> bool:
    """A file Python imports or runs: by its name, or a ``#!...python`` script by its content."""
    if path is None:
        return False
    if path.endswith(PYTHON_SUFFIXES):
        return True
    if data is None or not data.startswith(b"#!"):
        return False
    first = data[:256].split(b"\n", 1)[0]
    return b"python" in first


def is_python_change(change: FileChange) -> bool:
    return (
        is_python_file(change.new_path, change.new_data)
        or is_python_file(change.old_path, change.old_data)
        or change.link_source is not None
        or change.linked_from_python
        or (change.new_mode == SYMLINK_MODE and is_python_file(change.new_path))
    )


MAX_FILE_BYTES = 2 * 1024 * 1024
# ast depth of one top-level statement above which libcst is not attempted. Measured with
# libcst 1.9: nested calls at depth 190 take 0.6 s; CPython itself rejects more than 200
# nested parentheses, so only operator/attribute chains get deeper in valid code.
MAX_DEPTH = 200
WORKER_STACK = 256 * 1024 * 1024  # virtual; only the pages touched are committed
WORKER_RECURSION = 50_000

# Python's own newlines only: str.splitlines also splits on \f, \v, \x1c.. which would shift
# every line number after a form feed.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    return _LINE.findall(text)


@dataclass
class _Segment:
    start: int  # first file line, comments above the statement included
    end: int
    text: str
    nodes: list[ast.stmt] = field(default_factory=list)
    offset: int = 0  # file line of the nodes' line 0 (they may come from a parsed chunk)


@dataclass
class _Side:
    name: str  # "old" | "new"
    lines: list[str] = field(default_factory=list)
    # Its statements' line numbers are relative to their segment's ``offset``: read them
    # through the segments, never straight from the tree.
    tree: ast.Module | None = None
    segments: list[_Segment] = field(default_factory=list)
    problem: ParseProblem | None = None
    present: bool = False


def _read(
    name: str, data: bytes | None, max_bytes: int, parsed: dict[str, list[ast.stmt]]
) -> _Side:
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
    chunks = _parse_chunks(side.lines, parsed)
    if chunks is not None:
        side.tree = ast.Module(body=[n for _, body in chunks for n in body], type_ignores=[])
        side.segments = _segments(chunks, side.lines)
        return side
    try:
        side.tree = ast.parse(text)
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
    side.segments = _segments([(0, side.tree.body)], side.lines)
    return side


# A line that may start a top-level statement begins with none of these. A wrong guess only
# costs time: the chunk before it fails to parse (see _parse_chunks).
_NOT_A_START = frozenset(" \t\f\v\r\n#)]}")
_CLAUSE = re.compile(r"(?:else|elif|except|finally)\b")


def _parse_chunks(
    lines: list[str], parsed: dict[str, list[ast.stmt]]
) -> list[tuple[int, list[ast.stmt]]] | None:
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
    """
    starts = [0]
    previous = ""
    for i, line in enumerate(lines):
        if i and line and line[0] not in _NOT_A_START:
            if not previous.startswith("@") and not _CLAUSE.match(line):
                starts.append(i)
            previous = line
    starts.append(len(lines))
    out: list[tuple[int, list[ast.stmt]]] = []
    wasted = 0  # characters parsed in chunks that failed: at most about one whole parse
    budget = sum(map(len, lines))
    k = 0
    while k < len(starts) - 1:
        first = starts[k]
        j = k + 1
        while True:
            text = "".join(lines[first : starts[j]])
            body = parsed.get(text)
            if body is not None:
                break
            try:
                body = ast.parse(text).body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                wasted += len(text)
                j += 1
                if wasted > budget or j == len(starts):
                    return None
                continue
            parsed[text] = body
            break
        out.append((first, body))
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


def _segments(chunks: list[tuple[int, list[ast.stmt]]], lines: list[str]) -> list[_Segment]:
    out: list[_Segment] = []
    prev_end = 0
    for offset, body in chunks:
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


T = TypeVar("T")
_guard = threading.Lock()


def run_guarded(fn: Callable[[], T]) -> T:
    """Run ``fn`` in a worker thread with a large stack and a raised recursion limit.

    The limit is interpreter-wide, so it is raised only while the worker runs and the
    caller waits; the lock keeps two callers from restoring each other's limit.
    """
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # handed back to the caller's thread
            box["error"] = e

    with _guard:
        limit = sys.getrecursionlimit()
        try:
            previous = threading.stack_size(WORKER_STACK)
        except (ValueError, RuntimeError):  # platform without adjustable stacks
            return fn()
        try:
            sys.setrecursionlimit(max(limit, WORKER_RECURSION))
            worker = threading.Thread(target=target, name="guardrails-libcst", daemon=True)
            worker.start()
            worker.join()
        finally:
            # Also on an interrupt: the main thread's small stack must not keep the raised limit.
            threading.stack_size(previous)
            sys.setrecursionlimit(limit)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def _toucher(
    change: FileChange, new: _Side, whole: bool, changed: Sequence[LineRange]
) -> Callable[[int, int], bool]:
    """Which head lines the rules judge: git's added lines, plus every statement whose meaning
    changed although git shows its line as unchanged (``changed``), or the whole file."""
    ranges: Sequence[LineRange] = (*change.added_lines, *changed)
    if whole or (not change.added_lines and change.status == ADDED):
        ranges = (LineRange(1, max(len(new.lines), 1)),)

    def touched(start: int, end: int) -> bool:
        return any(r.start <= end and start <= r.end for r in ranges)

    return touched


# Fields that hold nested statements: a statement's own meaning is everything else.
_BLOCKS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})
_Block = (ast.stmt, ast.excepthandler, ast.match_case)


def _own_key(node: ast.AST) -> str:
    """What a statement says, without its nested statements or its position."""
    parts = [type(node).__name__]
    for name in node._fields:
        if name in _BLOCKS:
            continue
        value = getattr(node, name, None)
        if isinstance(value, list):
            parts.append(
                ",".join(ast.dump(v) if isinstance(v, ast.AST) else repr(v) for v in value)
            )
        else:
            parts.append(ast.dump(value) if isinstance(value, ast.AST) else repr(value))
    return "\0".join(parts)


def _walk_statements(nodes: Iterable[ast.AST]) -> Iterable[ast.AST]:
    stack = list(nodes)[::-1]
    while stack:
        node = stack.pop()
        yield node
        children = [
            c for f in _BLOCKS for c in (getattr(node, f, None) or ()) if isinstance(c, _Block)
        ]
        stack.extend(reversed(children))


def _span(node: ast.AST) -> tuple[int, int]:
    where = node.pattern if isinstance(node, ast.match_case) else node  # a case has no lines
    start, end = getattr(where, "lineno", 1), getattr(where, "end_lineno", None)
    return start, end or start


def _header(node: ast.AST, offset: int) -> LineRange:
    """The lines of a statement itself: decorators and header, not the nested blocks."""
    start, end = _span(node)
    start = min([start, *(_span(d)[0] for d in getattr(node, "decorator_list", ()))])
    inner = [c for f in _BLOCKS for c in (getattr(node, f, None) or ()) if isinstance(c, _Block)]
    if inner:
        end = max(start, min(_span(c)[0] for c in inner) - 1)
    return LineRange(start + offset, end + offset)


def _meaning_changed(
    old: _Side, old_segs: list[_Segment], new_segs: list[_Segment]
) -> list[LineRange]:
    """Head statements that say something no changed base statement said.

    git marks lines, not meaning: deleting the two \"\"\" lines around a docstring turns the
    text between them into code without touching its lines, and a bare CR or a rename can
    hide lines too. Every statement of a changed head segment whose own text (nested blocks
    and positions aside) appears in no changed base segment is judged as added.
    """
    if not new_segs:
        return []
    if not old.present:
        return []
    if any(not seg.nodes for seg in old_segs):  # the base did not parse: nothing to compare
        return [LineRange(seg.start, seg.end) for seg in new_segs]
    known = {_own_key(n) for seg in old_segs for n in _walk_statements(seg.nodes)}
    out: list[LineRange] = []
    for seg in new_segs:
        if not seg.nodes:
            out.append(LineRange(seg.start, seg.end))
            continue
        for node in _walk_statements(seg.nodes):
            if _own_key(node) not in known:
                out.append(_header(node, seg.offset))
    return out


@dataclass
class _Analysis:
    symbols: dict[str, Symbol] = field(default_factory=dict)
    facts: list[_cst.SegmentFacts] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)


def _analyse(
    side: _Side, segments: list[_Segment], touched: Callable[[int, int], bool] | None
) -> _Analysis:
    out = _Analysis()
    for seg in segments:
        if seg.nodes and _ast_depth(seg.nodes) > MAX_DEPTH:
            out.problems.append(
                ParseProblem(
                    side.name,
                    "too-deep",
                    f"expression nested deeper than {MAX_DEPTH} levels; not analysed",
                    seg.nodes[0].lineno + seg.offset,
                )
            )
            continue
        symbol_lines: dict[str, tuple[int, int]] | None = None
        if seg.nodes:
            symbol_lines = {}
            _ast_names(seg.nodes, None, symbol_lines)
            if seg.offset:
                symbol_lines = {
                    q: (a + seg.offset, b + seg.offset) for q, (a, b) in symbol_lines.items()
                }
            if touched is None:  # base side: symbols only, and the ast is already here
                try:
                    symbols = _ast_symbols.extract(seg.nodes, side.lines, seg.offset, symbol_lines)
                except _ast_symbols.GiveUp:
                    pass
                else:
                    for sym in symbols:
                        out.symbols[sym.qualname] = sym
                    continue
        # libcst costs 200-350 ms to import, and `check --staged` runs on every commit: load it
        # only once a segment really goes to it, not for changes that touch no Python.
        import libcst as cst

        from guardrails.semantic import _cst

        try:
            facts = _cst.extract(
                side.lines[seg.start - 1 : seg.end], seg.start - 1, touched, symbol_lines
            )
        except cst.ParserSyntaxError as e:
            line = e.raw_line + seg.start - 1
            out.problems.append(ParseProblem(side.name, "syntax", e.message, line))
            continue
        except RecursionError:
            out.problems.append(
                ParseProblem(side.name, "recursion", "too deeply nested to analyse", seg.start)
            )
            continue
        except MemoryError:
            out.problems.append(ParseProblem(side.name, "too-deep", "out of memory", seg.start))
            continue
        for sym in facts.symbols:
            out.symbols[sym.qualname] = sym
        out.facts.append(facts)
    return out


def _unmatched(old: _Side, new: _Side) -> tuple[list[_Segment], list[_Segment]]:
    """The segments of each side with no equal on the other: same text, or failing that the
    same ast (positions, comments and formatting aside: ``ast.dump`` leaves them out).

    Why the ast: a formatter's run over 400 files changes every line it touches and no
    statement's meaning; comparing the trees lets the cost follow the changed statements
    instead of sending every reformatted statement to libcst (32 s on localstack's reformat),
    and lets a reformat report nothing it did not change.
    """
    old_segs, new_segs = _pick_common(old.segments, new.segments, lambda s: s.text)
    if old_segs and new_segs:
        old_segs, new_segs = _pick_common(old_segs, new_segs, _tree_key)
    return old_segs, new_segs


def _tree_key(seg: _Segment) -> tuple[object, ...]:
    """The statements' shape, positions left out: node types and field values in preorder.

    What ``ast.dump`` compares, at 2.5x its speed (no repr, no string building). Values carry
    their type (``1`` is not ``True``) and floats their repr (``0.0`` is not ``-0.0``). A
    segment without statements (a side ast could not read) only ever equals itself.
    """
    if not seg.nodes:
        return ("text", seg.text)
    out: list[object] = []
    push = out.append
    stack: list[object] = list(reversed(seg.nodes))
    while stack:
        n = stack.pop()
        if isinstance(n, ast.AST):
            push(n.__class__)
            for name in n._fields:
                stack.append(getattr(n, name, None))
        elif isinstance(n, list):
            push(len(n))
            stack.extend(n)
        elif isinstance(n, (float, complex)):
            push(repr(n))
        else:
            push(type(n))
            push(n)
    return tuple(out)


def _pick_common(
    olds: list[_Segment], news: list[_Segment], key: Callable[[_Segment], Hashable]
) -> tuple[list[_Segment], list[_Segment]]:
    old_keys, new_keys = [key(s) for s in olds], [key(s) for s in news]
    common = Counter(old_keys) & Counter(new_keys)

    def pick(segments: list[_Segment], keys: list[Hashable]) -> list[_Segment]:
        left = Counter(common)
        out = []
        for s, k in zip(segments, keys, strict=True):
            if left[k] > 0:
                left[k] -= 1
            else:
                out.append(s)
        return out

    return pick(olds, old_keys), pick(news, new_keys)


def diff_python(change: FileChange, *, max_bytes: int = MAX_FILE_BYTES) -> ModuleDiff:
    """Never raises for bad input: unreadable sides become ``ModuleDiff.problems``.

    Everything runs in the guarded worker: CPython's own ``ast`` construction also hits the
    recursion limit on long operator chains (20,000 ``+`` terms), and with the raised limit
    it reads them, so the depth check can point at the statement instead of losing the file.
    """
    try:
        return run_guarded(lambda: _diff(change, max_bytes))
    except RecursionError:
        return ModuleDiff(
            change.old_path,
            change.new_path,
            problems=(ParseProblem("new", "recursion", "too deeply nested to analyse"),),
        )


def _diff(change: FileChange, max_bytes: int) -> ModuleDiff:
    parsed: dict[str, list[ast.stmt]] = {}  # chunk text -> statements, for both sides
    # A copy, a rename that changes what the file is, or a module symlink: what the head holds
    # at this path is new code as a whole, not an edit of the base side git paired it with.
    whole = change.new_content or change.link_source is not None
    new_data = change.link_source if change.link_source is not None else change.new_data
    if change.new_mode == SYMLINK_MODE and change.link_source is None and new_data is not None:
        target = new_data.decode("utf-8", "replace")
        return ModuleDiff(
            change.old_path,
            change.new_path,
            problems=(
                ParseProblem(
                    "new",
                    "unreadable",
                    f"a symlink to {target!r}, outside the repository or missing: Python "
                    "would import code the gate cannot read",
                ),
            ),
        )
    old = _read("old", None if whole else change.old_data, max_bytes, parsed)
    new = _read("new", new_data, max_bytes, parsed)
    old_segs, new_segs = _unmatched(old, new)
    changed: list[LineRange] = []
    if not whole and not old.problem and not new.problem:
        changed = _meaning_changed(old, old_segs, new_segs)
    touched = _toucher(change, new, whole or not old.present, changed)
    if old.problem and not (old.problem.kind == "syntax" and old.segments):
        old_segs = []
    if new.problem and not (new.problem.kind == "syntax" and new.segments):
        new_segs = []
    a_old, a_new = _analyse(old, old_segs, None), _analyse(new, new_segs, touched)
    problems: list[ParseProblem] = []
    for side, analysis in ((old, a_old), (new, a_new)):
        if side.problem is not None and side.tree is None and side.segments:
            if analysis.facts:
                side.problem = None  # libcst read what this interpreter's ast could not
            else:
                analysis.problems.clear()  # one problem per side: CPython's message reads best
        if side.problem is not None:
            problems.append(side.problem)
        problems.extend(analysis.problems)

    changes: tuple[SymbolChange, ...] = ()
    if not problems and (old.present or new.present):
        changes = _diff_symbols(old, new, a_old.symbols, a_new.symbols, old_segs, new_segs)

    aliases = _top_level_aliases(new.tree) if new.tree is not None else {}
    for facts in a_new.facts:
        aliases.update(facts.aliases)
    calls: list[CallSite] = []
    strings: list[StringLiteral] = []
    handlers: list[Handler] = []
    imports: list[ImportStatement] = []
    for facts in a_new.facts:
        calls.extend(CallSite(s, e, _resolve(w, aliases), w, args) for s, e, w, args in facts.calls)
        strings.extend(facts.strings)
        handlers.extend(facts.handlers)
        imports.extend(facts.imports)
    return ModuleDiff(
        old_path=change.old_path,
        new_path=change.new_path,
        changes=changes,
        calls=tuple(sorted(calls, key=lambda c: c.line)),  # stable: source order within a line
        strings=tuple(sorted(strings, key=lambda s: (s.line, s.value))),
        handlers=tuple(sorted(handlers, key=lambda h: h.line)),
        imports=tuple(sorted(imports, key=lambda i: (i.line, i.module))),
        old_all=_dunder_all(old.tree),
        new_all=_dunder_all(new.tree),
        problems=tuple(sorted(problems, key=lambda p: (p.side != "new", p.line or 0, p.message))),
    )


# -- symbols -----------------------------------------------------------------------------


def _diff_symbols(
    old: _Side,
    new: _Side,
    old_syms: dict[str, Symbol],
    new_syms: dict[str, Symbol],
    old_segs: list[_Segment],
    new_segs: list[_Segment],
) -> tuple[SymbolChange, ...]:
    old_kept = _names_outside(old, old_segs)
    new_kept = _names_outside(new, new_segs)
    removed = [s for q, s in old_syms.items() if q not in new_syms and q not in new_kept]
    added = [s for q, s in new_syms.items() if q not in old_syms and q not in old_kept]
    out: list[SymbolChange] = []
    for q, before in old_syms.items():
        after = new_syms.get(q)
        if after is not None:
            details = _details(before, after)
            if details:
                out.append(SymbolChange("modified", before, after, details))
    out.extend(_pair_renames(removed, added))
    return tuple(sorted(out, key=_change_order))


def _change_order(c: SymbolChange) -> tuple[int, int, str, str]:
    # Head-side changes first in head order, then removals in base order.
    if c.new is not None:
        return (0, c.new.line, c.qualname, c.kind)
    assert c.old is not None
    return (1, c.old.line, c.qualname, c.kind)


def _details(a: Symbol, b: Symbol) -> tuple[str, ...]:
    out = []
    if a.kind != b.kind:
        out.append("kind")
    if a.signature != b.signature:
        if a.signature and b.signature and a.signature.is_async != b.signature.is_async:
            out.append("async")
        if not a.signature or not b.signature or a.signature.params != b.signature.params:
            out.append("signature")
        elif a.signature.returns != b.signature.returns:
            out.append("returns")
    for name in ("decorators", "bases", "value", "annotation", "target"):
        if getattr(a, name) != getattr(b, name):
            out.append(name)
    if a.default != b.default or a.has_default != b.has_default:
        out.append("default")
    return tuple(out)


def _pair_renames(removed: list[Symbol], added: list[Symbol]) -> list[SymbolChange]:
    out: list[SymbolChange] = []
    taken: set[str] = set()
    renamed_parents: dict[str, str] = {}
    for r in sorted(removed, key=lambda s: s.qualname.count(".")):
        parent = renamed_parents.get(r.parent or "", r.parent)
        candidates = [
            a
            for a in added
            if a.qualname not in taken
            and a.kind == r.kind
            and a.parent == parent
            and a.kind != "import"
            and (
                (r.body_digest is not None and a.body_digest == r.body_digest)
                or (r.signature is not None and a.signature == r.signature and r.signature.params)
                or (r.value is not None and a.value == r.value)
                or (r.kind == "field" and a.annotation == r.annotation and a.default == r.default)
            )
        ]
        if r.parent in renamed_parents and candidates:
            # Members of a renamed class move with it; pair by name first.
            same = [a for a in candidates if a.name == r.name]
            candidates = same or candidates
        if len(candidates) == 1 or (candidates and r.parent in renamed_parents):
            a = candidates[0]
            taken.add(a.qualname)
            if r.kind == "class":
                renamed_parents[r.qualname] = a.qualname
            if r.name == a.name:
                details = _details(r, a)
                if details:
                    out.append(SymbolChange("modified", r, a, details, best_effort=True))
                continue
            out.append(SymbolChange("renamed", r, a, _details(r, a), best_effort=True))
        else:
            out.append(SymbolChange("removed", r, None))
    out.extend(SymbolChange("added", None, a) for a in added if a.qualname not in taken)
    return out


def _names_outside(side: _Side, parsed: list[_Segment]) -> set[str]:
    """Qualified names defined in the segments that were not parsed (unchanged ones)."""
    if side.tree is None:
        return set()
    parsed_ids = {id(s) for s in parsed}
    names: dict[str, tuple[int, int]] = {}
    for seg in side.segments:
        if id(seg) not in parsed_ids:
            _ast_names(seg.nodes, None, names)
    return set(names)


def _ast_names(
    nodes: Iterable[ast.stmt], scope: str | None, out: dict[str, tuple[int, int]]
) -> None:
    """Qualified names a block defines, with (line, end line): the same names and lines the
    libcst extractor gives, so the two can stand in for each other."""
    for node in nodes:
        end = node.end_lineno or node.lineno
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            qual = f"{scope}.{node.name}" if scope else node.name
            out[qual] = (node.lineno, end)
            if isinstance(node, ast.ClassDef):
                _ast_names(node.body, qual, out)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    out[f"{scope}.{t.id}" if scope else t.id] = (node.lineno, end)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    continue
                bound = alias.asname or (
                    alias.name if isinstance(node, ast.ImportFrom) else alias.name.split(".", 1)[0]
                )
                out[f"{scope}.{bound}" if scope else bound] = (node.lineno, end)
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for block in ("body", "orelse", "finalbody"):
                _ast_names(getattr(node, block, []), scope, out)
            for h in getattr(node, "handlers", []):
                _ast_names(h.body, scope, out)


# -- names through imports ---------------------------------------------------------------


def _top_level_aliases(tree: ast.Module) -> dict[str, str]:
    aliases: dict[str, str] = {}

    def walk(nodes: Iterable[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        aliases[a.asname] = a.name
                    else:
                        head = a.name.split(".", 1)[0]
                        aliases[head] = head
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                for a in node.names:
                    if a.name != "*":
                        sep = "." if module and not module.endswith(".") else ""
                        aliases[a.asname or a.name] = f"{module}{sep}{a.name}"
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                for block in ("body", "orelse", "finalbody"):
                    walk(getattr(node, block, []))
                for h in getattr(node, "handlers", []):
                    walk(h.body)

    walk(tree.body)
    return aliases


def _resolve(written: str, aliases: dict[str, str]) -> str:
    head, _, rest = written.partition(".")
    target = aliases.get(head)
    if target is None:
        return written
    return f"{target}.{rest}" if rest else target


def _dunder_all(tree: ast.Module | None) -> tuple[str, ...] | None:
    if tree is None:
        return None
    names: list[str] | None = None
    for node in tree.body:
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            target = node.target
        if not (isinstance(target, ast.Name) and target.id == "__all__"):
            continue
        assert isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
        value = node.value
        if not isinstance(value, (ast.List, ast.Tuple)) or not all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
        ):
            return None  # computed: unknown
        items = [e.value for e in value.elts]  # type: ignore[attr-defined]
        names = (names or []) + items if isinstance(node, ast.AugAssign) else items
    return tuple(names) if names is not None else None
