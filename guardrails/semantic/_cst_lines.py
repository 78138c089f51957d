"""Lines of libcst nodes without libcst's metadata machinery (see _cst.py).

One codegen walk (_LineState) gives the first and last line of the few node types the
change visitor asks about, and records the nodes it acts on, so that ``_replay`` can hand
them over without libcst's own visit (which rebuilds and revalidates every node).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

try:  # the base class PositionProvider itself builds on; see _LineState
    from libcst._nodes.internal import CodegenState as _CodegenState
except ImportError:  # pragma: no cover - a libcst that moved it: use PositionProvider
    _CodegenState = None  # type: ignore[assignment,misc]

Spans = dict[cst.CSTNode, tuple[int, int]]  # node -> (first line, last line), segment-relative
HAS_LINE_STATE = _CodegenState is not None


def all_subclasses(cls: type) -> set[type]:
    out: set[type] = set(cls.__subclasses__())
    for sub in list(out):
        out |= all_subclasses(sub)
    return out


# The nodes _ChangeVisitor asks lines for (statements: to skip untouched ones), plus every
# node type libcst hoists a statement's start or end from (``record_syntactic_position``'s
# start_node/end_node: small statements, suites, else/finally/handlers, import aliases).
_TRACKED: frozenset[type] = frozenset(
    {
        cst.Call,
        cst.SimpleString,
        cst.ConcatenatedString,
        cst.ExceptHandler,
        cst.ExceptStarHandler,
        cst.IndentedBlock,
        cst.SimpleStatementSuite,
        cst.SimpleStatementLine,
        cst.Else,
        cst.Finally,
        cst.MatchCase,
        cst.ImportAlias,
        cst.RightParen,
    }
    | all_subclasses(cst.BaseCompoundStatement)
    | all_subclasses(cst.BaseSmallStatement)
)
_NEWLINE = re.compile(r"\r\n?|\n")

if _CodegenState is not None:

    @dataclass(frozen=False)
    class _LineState(_CodegenState):
        """PositionProvider's bookkeeping reduced to what we use: first and last *line* of
        the few node types in _TRACKED. PositionProvider builds two CodePosition objects and
        a CodeRange for every node and hashes each node twice; on our benchmark it cost more
        than the parse. Same codegen walk, same syntactic-position rules, so the same lines.
        """

        line: int = 1
        spans: Spans = field(default_factory=dict)
        # With ``visited`` set: the nodes of those types in pre-order (the walk is in source
        # order), each with the index just past its subtree; see _replay.
        visited: frozenset[type] = frozenset()
        order: list[list[object]] = field(default_factory=list)
        _stack: list[int] = field(default_factory=list)
        _open: list[int] = field(default_factory=list)

        def add_indent_tokens(self) -> None:
            pass  # indentation holds no newline

        def add_token(self, value: str) -> None:
            if "\n" in value or "\r" in value:
                self.line += len(_NEWLINE.findall(value))

        def before_codegen(self, node: cst.CSTNode) -> None:
            self._stack.append(self.line)
            if type(node) in self.visited:
                self._open.append(len(self.order))
                self.order.append([node, 0])

        def after_codegen(self, node: cst.CSTNode) -> None:
            start = self._stack.pop()
            kind = type(node)
            if kind in _TRACKED and node not in self.spans:
                self.spans[node] = (start, self.line)
            if kind in self.visited:
                self.order[self._open.pop()][1] = len(self.order)

        @contextmanager
        def record_syntactic_position(
            self,
            node: cst.CSTNode,
            *,
            start_node: cst.CSTNode | None = None,
            end_node: cst.CSTNode | None = None,
        ) -> Iterator[None]:
            start = self.line
            try:
                yield
            finally:
                if type(node) in _TRACKED:
                    if start_node is not None and start_node in self.spans:
                        start = self.spans[start_node][0]
                    end = self.line
                    if end_node is not None and end_node in self.spans:
                        end = self.spans[end_node][1]
                    self.spans[node] = (start, end)


def line_spans(module: cst.Module, *, everything: bool = False) -> Spans:
    """Lines of the nodes _ChangeVisitor needs (``everything``: of every node)."""
    if _CodegenState is None or everything:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        return {n: (r.start.line, r.end.line) for n, r in wrapper.resolve(PositionProvider).items()}
    state = _LineState(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(state)
    return state.spans


def spans_and_order(
    module: cst.Module, visited: frozenset[type]
) -> tuple[Spans, list[list[object]]]:
    """line_spans plus, from the same walk, the nodes of the ``visited`` types in visit order."""
    state = _LineState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        visited=visited,
    )
    module._codegen(state)
    return state.spans, state.order


def replay(visitor: cst.CSTVisitor, order: list[list[object]]) -> None:
    """``module.visit(visitor)`` for a visitor that only reads and acts on the recorded types.

    libcst's own walk rebuilds (and validates) every node it passes, which cost more than
    the parse. The codegen walk that gives us lines already passes every node in source
    order, parents first, so it records the few nodes the visitor acts on; here they are
    handed to ``on_visit`` in that order, and a False answer skips the node's subtree, as
    libcst would. Nodes of other types only have the default ``on_visit`` (visit children).
    """
    i, n = 0, len(order)
    while i < n:
        node, end = order[i]
        assert isinstance(node, cst.CSTNode) and isinstance(end, int)
        i = i + 1 if visitor.on_visit(node) else end
