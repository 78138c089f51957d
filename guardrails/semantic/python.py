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

The seams, one module each: :mod:`.python_files` (what counts as Python),
:mod:`._segments` (reading a side and cutting it into segments), :mod:`._matching` (which
segments and statements changed), :mod:`._symbol_changes` (the symbol diff),
:mod:`._module_names` (names, aliases, ``__all__``) and :mod:`._worker` (the big-stack
thread). This module wires them: :func:`diff_python` and the per-side analysis.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import msgspec

from guardrails.changes import ADDED, SYMLINK_MODE, FileChange, LineRange
from guardrails.nogc import no_gc
from guardrails.semantic import _ast_changes, _ast_symbols
from guardrails.semantic._matching import _meaning_changed, _tree_key, _unmatched
from guardrails.semantic._module_names import _ast_names, _dunder_all, _resolve, _top_level_aliases
from guardrails.semantic._segments import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    Parsed,
    Skeletons,
    _ast_depth,
    _read,
    _Segment,
    _Side,
    split_lines,
)
from guardrails.semantic._symbol_changes import _diff_symbols
from guardrails.semantic._worker import WORKER_RECURSION, WORKER_STACK, run_guarded
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
from guardrails.semantic.python_files import PYTHON_SUFFIXES, is_python_change, is_python_file

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "PYTHON_SUFFIXES",
    "WORKER_RECURSION",
    "WORKER_STACK",
    "diff_python",
    "is_python_change",
    "is_python_file",
    "run_guarded",
    "split_lines",
]


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


class _Analysis(msgspec.Struct):
    symbols: dict[str, Symbol] = msgspec.field(default_factory=dict)
    facts: list[_ast_changes.SegmentFacts] = msgspec.field(default_factory=list)
    problems: list[ParseProblem] = msgspec.field(default_factory=list)


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
            # The ast is already here: read the segment from it (the base side needs only
            # symbols), and hand it to libcst only where the ast reader cannot be sure.
            try:
                if touched is None:
                    found = _ast_changes.SegmentFacts(
                        symbols=_ast_symbols.extract(
                            seg.nodes, side.lines, seg.offset, symbol_lines, seg.hidden
                        )
                    )
                else:
                    found = _ast_changes.extract(
                        seg.nodes, side.lines, seg.offset, symbol_lines, touched, seg.hidden
                    )
            except _ast_symbols.GiveUp:
                pass
            else:
                for sym in found.symbols:
                    out.symbols[sym.qualname] = sym
                if touched is not None:
                    out.facts.append(found)
                continue
        # libcst costs 200-350 ms to import, and `check --staged` runs on every commit: load it
        # only once a segment really goes to it (newer syntax, or the ast reader gave up).
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


# A base side at least this large lets its ast go before the head is read (see _let_go).
LEAN_BYTES = 256 * 1024


def _let_go(side: _Side) -> dict[int, Hashable] | None:
    """Replace the statements of a readable side by their :func:`_tree_key`, all that pairing
    needs, and return those keys (segment id -> key); None when the side is not readable.

    Why: a generated module of 1 MiB is ~30 MiB of ast, and holding both sides' trees while
    pairing was the peak of a whole `check --base` run (a reformat of localstack: ~150 MiB).
    Most large changed files are regenerated or reformatted, so every segment pairs and the
    base tree is never needed again; otherwise the caller reads it once more.
    """
    if side.problem is not None or side.tree is None:
        return None
    keys: dict[int, Hashable] = {id(seg): _tree_key(seg) for seg in side.segments}
    for seg in side.segments:
        seg.nodes = []
        seg.hidden = {}  # keyed by the ids of those statements
    side.tree = None
    return keys


def diff_python(
    change: FileChange, *, max_bytes: int = MAX_FILE_BYTES, skeletons: Skeletons | None = None
) -> ModuleDiff:
    """Never raises for bad input: unreadable sides become ``ModuleDiff.problems``.

    ``skeletons``: def/class statements read in an earlier run, by chunk digest (see
    :class:`~guardrails.semantic._segments.Skeleton`); the diff is the same with or without
    them, and ``skeletons.sides`` gets each large side's skeletons for the next run.

    Everything runs in the guarded worker: CPython's own ``ast`` construction also hits the
    recursion limit on long operator chains (20,000 ``+`` terms), and with the raised limit
    it reads them, so the depth check can point at the statement instead of losing the file.
    """
    try:
        # Both sides' trees are ~10x the file in objects, none in a cycle (guardrails.nogc).
        with no_gc():
            return run_guarded(lambda: _diff(change, max_bytes, skeletons))
    except RecursionError:
        return ModuleDiff(
            change.old_path,
            change.new_path,
            problems=(ParseProblem("new", "recursion", "too deeply nested to analyse"),),
        )


def _diff(change: FileChange, max_bytes: int, skeletons: Skeletons | None = None) -> ModuleDiff:
    parsed: Parsed = {}  # chunk text -> statements, for both sides
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
    old_data = None if whole else change.old_data
    lean = old_data is not None and len(old_data) >= LEAN_BYTES
    if lean:
        skeletons = None  # a side let go is read again whole: nothing to skip
    old = _read("old", old_data, max_bytes, {} if lean else parsed, skeletons)
    old_all = _dunder_all(old.tree)
    old_keys = _let_go(old) if lean else None
    new = _read("new", new_data, max_bytes, parsed, skeletons)
    old_segs, new_segs = _unmatched(old, new, old_keys, parsed)
    if old_keys is not None and (old_segs or new_segs):
        # Something changed, and the rest reads the old side's statements: read it again,
        # sharing the head's chunks (only the changed ones are parsed twice). Same text, same
        # segments: the unmatched ones are found again by position.
        at = {id(seg): i for i, seg in enumerate(old.segments)}
        old = _read("old", old_data, max_bytes, parsed)
        old_segs = [old.segments[at[id(seg)]] for seg in old_segs]
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
        old_all=old_all,
        new_all=_dunder_all(new.tree),
        problems=tuple(sorted(problems, key=lambda p: (p.side != "new", p.line or 0, p.message))),
    )
