"""libcst extraction for one top-level segment of a module (see python.py for segments).

No libcst metadata is requested: lines come from one codegen walk (``_cst_lines``), which
also records the nodes the change visitor acts on; definitions are read by ``_cst_symbols``.
Only a segment the stdlib parser cannot read (newer syntax) uses PositionProvider, on the
segment alone, without the wrapper's deep copy (we parsed the tree ourselves and never
share it). Lines are shifted by ``offset`` into file lines. Fix text and messages are not
built here: rules do that, and only for what they report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from guardrails.semantic._cst_lines import (
    HAS_LINE_STATE,
    Spans,
    all_subclasses,
    line_spans,
    replay,
    spans_and_order,
)
from guardrails.semantic._cst_symbols import Extractor, SegmentFacts, bindings, dotted, literal
from guardrails.semantic.facts import (
    Arg,
    Handler,
    ImportStatement,
    StringLiteral,
)

LinePredicate = Callable[[int, int], bool]  # (start, end) -> touches an added line?


class _ChangeVisitor(cst.CSTVisitor):
    """Calls, strings, handlers and imports on added lines; skips untouched statements."""

    def __init__(self, ex: Extractor, touched: LinePredicate) -> None:
        super().__init__()
        self.ex = ex
        self.touched = touched
        self.contexts: dict[int, str] = {}  # id(string node) -> name it is bound to

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(
            node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
        ) and not self.touched(*self.ex.span(node)):
            # Imports in untouched statements still bind names the touched code may call.
            if isinstance(node, cst.SimpleStatementLine):
                for small in node.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        self.ex.facts.aliases.update(bindings(small))
            return isinstance(node, cst.BaseCompoundStatement) and _may_hold_imports(node)
        return super().on_visit(node)

    def visit_Import(self, node: cst.Import) -> None:
        self._import(node, "", tuple())

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = ("." * len(node.relative)) + (dotted(node.module) or "" if node.module else "")
        names = (
            ("*",)
            if isinstance(node.names, cst.ImportStar)
            else tuple(dotted(a.name) or "" for a in node.names)
        )
        self._import(node, module, names)

    def _import(
        self, node: cst.Import | cst.ImportFrom, module: str, names: tuple[str, ...]
    ) -> None:
        self.ex.facts.aliases.update(bindings(node))
        start, end = self.ex.span(node)
        if not self.touched(start, end):
            return
        if isinstance(node, cst.Import):
            for alias in node.names:
                self.ex.facts.imports.append(ImportStatement(start, dotted(alias.name) or "", ()))
        else:
            self.ex.facts.imports.append(ImportStatement(start, module, names))

    def visit_Call(self, node: cst.Call) -> None:
        start, end = self.ex.span(node)
        if not self.touched(start, end):
            return
        written = dotted(node.func)
        if written is None:
            return
        args = []
        for a in node.args:
            ok, value = literal(a.value)
            args.append(
                Arg(
                    keyword=a.keyword.value if a.keyword is not None else None,
                    star=a.star if isinstance(a.star, str) else "",
                    code=self.ex.code(a.value),
                    is_literal=ok,
                    value=value,
                )
            )
            if a.keyword is not None and isinstance(
                a.value, (cst.SimpleString, cst.ConcatenatedString)
            ):
                self.contexts[id(a.value)] = a.keyword.value
        self.ex.facts.calls.append((start, end, written, tuple(args)))

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            name = dotted(node.targets[0].target)
            if name:
                self.contexts[id(node.value)] = name.rsplit(".", 1)[-1]

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = dotted(node.target)
        if name and node.value is not None:
            self.contexts[id(node.value)] = name.rsplit(".", 1)[-1]

    def visit_DictElement(self, node: cst.DictElement) -> None:
        ok, key = literal(node.key)
        if ok and isinstance(key, str):
            self.contexts[id(node.value)] = key

    def visit_SimpleString(self, node: cst.SimpleString) -> bool:
        self._string(node)
        return False

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        self._string(node)
        return False

    def _string(self, node: cst.SimpleString | cst.ConcatenatedString) -> None:
        start, end = self.ex.span(node)
        if not self.touched(start, end):
            return
        ok, value = literal(node)
        if ok and isinstance(value, str):
            self.ex.facts.strings.append(StringLiteral(start, value, self.contexts.get(id(node))))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        start, _ = self.ex.span(node)
        # The clause line or its body changed: `except Exception:` added over an old body counts.
        _, end = self.ex.span(node.body)
        if not self.touched(start, end):
            return
        catches = "" if node.type is None else (dotted(node.type) or self.ex.code(node.type))
        body = node.body.body
        swallows = bool(body) and all(_is_noop(s) for s in body)
        self.ex.facts.handlers.append(Handler(start, catches, swallows))


# The node types _ChangeVisitor acts on: statements (it skips untouched ones) and those it
# has a visit_ method for. _replay relies on this list being complete.
_VISITED: frozenset[type] = frozenset(
    {
        cst.SimpleStatementLine,
        cst.Import,
        cst.ImportFrom,
        cst.Call,
        cst.Assign,
        cst.AnnAssign,
        cst.DictElement,
        cst.SimpleString,
        cst.ConcatenatedString,
        cst.ExceptHandler,
    }
    | all_subclasses(cst.BaseCompoundStatement)
)


def _may_hold_imports(node: cst.CSTNode) -> bool:
    # Module-level `if`/`try` blocks often hold the imports (compat shims); functions and
    # classes bind names in their own scope, which touched code elsewhere cannot see.
    return isinstance(node, (cst.If, cst.Try, cst.TryStar, cst.With, cst.Else, cst.Finally))


def _is_noop(stmt: cst.CSTNode) -> bool:
    """A statement line, or a small statement of a one-line suite (``except E: pass``),
    that does nothing."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return all(_is_noop(s) for s in stmt.body)
    return isinstance(stmt, (cst.Pass, cst.Continue)) or (
        isinstance(stmt, cst.Expr) and isinstance(stmt.value, (cst.Ellipsis, cst.SimpleString))
    )


def extract(
    lines: Sequence[str],
    offset: int,
    touched: LinePredicate | None,
    symbol_lines: dict[str, tuple[int, int]] | None = None,
) -> SegmentFacts:
    """Facts of one segment: ``lines`` are the file's lines ``offset+1 ..``.

    ``touched`` is None for the base side (symbols only). ``symbol_lines`` maps qualified
    names to (line, end line) when the caller already knows them (from ``ast``): then the
    base side needs no PositionProvider at all, which is most of libcst's cost.
    """
    module = cst.parse_module("".join(lines))
    positions: Spans = {}
    order: list[list[object]] | None = None
    if symbol_lines is None:  # no ast to lean on (newer syntax): every definition needs lines
        positions = line_spans(module, everything=True)
    elif touched is not None:
        if not HAS_LINE_STATE:
            positions = line_spans(module)
        else:
            positions, order = spans_and_order(module, _VISITED)
    ex = Extractor(module, positions, offset, lines, symbol_lines)
    ex.statements(module.body, None, False)
    if touched is not None:
        visitor = _ChangeVisitor(ex, touched)
        if order is None:
            module.visit(visitor)
        else:
            replay(visitor, order)
    return ex.facts


__all__ = ["LinePredicate", "SegmentFacts", "extract", "line_spans"]
