"""libcst extraction for one top-level segment of a module (see python.py for segments).

No libcst metadata is requested: lines come from one codegen walk (_LineState), which also
records the nodes the change visitor acts on (_replay). Only a segment the stdlib parser
cannot read (newer syntax) uses PositionProvider, on the segment alone, without the
wrapper's deep copy (we parsed the tree ourselves and never share it). Lines are shifted
by ``offset`` into file lines. Fix text and messages are not built here: rules do that, and
only for what they report.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

try:  # the base class PositionProvider itself builds on; see _LineState
    from libcst._nodes.internal import CodegenState as _CodegenState
except ImportError:  # pragma: no cover - a libcst that moved it: use PositionProvider
    _CodegenState = None  # type: ignore[assignment,misc]

from guardrails.semantic._ast_symbols import (
    FIELD_CALLS,
    RECORD_BASES,
    RECORD_DECORATORS,
    normalise,
)
from guardrails.semantic.facts import (
    CLASS,
    CONSTANT,
    FIELD,
    FUNCTION,
    IMPORT,
    KEYWORD_ONLY,
    METHOD,
    POSITIONAL,
    POSITIONAL_ONLY,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    Arg,
    Handler,
    ImportStatement,
    Param,
    Signature,
    StringLiteral,
    Symbol,
)

# Classes whose annotated attributes are constructor fields (shared with the ast reader).
_RECORD_DECORATORS = RECORD_DECORATORS
_RECORD_BASES = RECORD_BASES
_FIELD_CALLS = FIELD_CALLS

LinePredicate = Callable[[int, int], bool]  # (start, end) -> touches an added line?
Spans = dict[cst.CSTNode, tuple[int, int]]  # node -> (first line, last line), segment-relative


def _all_subclasses(cls: type) -> set[type]:
    out: set[type] = set(cls.__subclasses__())
    for sub in list(out):
        out |= _all_subclasses(sub)
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
    | _all_subclasses(cst.BaseCompoundStatement)
    | _all_subclasses(cst.BaseSmallStatement)
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


def _spans_and_order(module: cst.Module) -> tuple[Spans, list[list[object]]]:
    """line_spans plus, from the same walk, the nodes _ChangeVisitor acts on, in visit order."""
    state = _LineState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        visited=_VISITED,
    )
    module._codegen(state)
    return state.spans, state.order


def _replay(visitor: cst.CSTVisitor, order: list[list[object]]) -> None:
    """``module.visit(visitor)`` for a visitor that only reads and acts on _VISITED types.

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


@dataclass
class SegmentFacts:
    symbols: list[Symbol] = field(default_factory=list)
    calls: list[tuple[int, int, str, tuple[Arg, ...]]] = field(
        default_factory=list
    )  # written names
    strings: list[StringLiteral] = field(default_factory=list)
    handlers: list[Handler] = field(default_factory=list)
    imports: list[ImportStatement] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # every import binding in the segment


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


_NAMED_LITERALS = {"True": True, "False": False, "None": None}


def literal(node: cst.BaseExpression) -> tuple[bool, object]:
    """(True, value) when ``node`` is a literal made of literals, else (False, None)."""
    if isinstance(node, cst.Name) and node.value in _NAMED_LITERALS:
        return True, _NAMED_LITERALS[node.value]
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
        return True, node.evaluated_value
    if isinstance(node, cst.SimpleString):
        try:
            return True, node.evaluated_value
        except Exception:  # malformed escapes: not a usable literal
            return False, None
    if isinstance(node, cst.ConcatenatedString):
        joined = node.evaluated_value
        return (joined is not None), joined
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        ok, number = literal(node.expression)
        if ok and isinstance(number, (int, float, complex)):
            return True, -number
        return False, None
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        items: list[object] = []
        for el in node.elements:
            if not isinstance(el, cst.Element):
                return False, None
            ok, item = literal(el.value)
            if not ok:
                return False, None
            items.append(item)
        if isinstance(node, cst.Tuple):
            return True, tuple(items)
        if isinstance(node, cst.Set):
            try:
                return True, frozenset(items)
            except TypeError:
                return False, None
        return True, items
    if isinstance(node, cst.Dict):
        pairs: dict[object, object] = {}
        for entry in node.elements:
            if not isinstance(entry, cst.DictElement):
                return False, None
            ok_k, k = literal(entry.key)
            ok_v, v = literal(entry.value)
            if not (ok_k and ok_v):
                return False, None
            try:
                pairs[k] = v
            except TypeError:
                return False, None
        return True, pairs
    return False, None


def _body_statements(body: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return body.body


class _Extractor:
    def __init__(
        self,
        module: cst.Module,
        positions: Spans,
        offset: int,
        lines: Sequence[str],
        symbol_lines: dict[str, tuple[int, int]] | None,
    ) -> None:
        self.module = module
        self.positions = positions
        self.offset = offset
        self.lines = lines  # the segment's own lines
        self.symbol_lines = symbol_lines
        self.facts = SegmentFacts()

    def where(self, qual: str, name_node: cst.CSTNode, node: cst.CSTNode) -> tuple[int, int]:
        """Line of a definition (its name) and the last line of its node."""
        if self.symbol_lines is not None and qual in self.symbol_lines:
            return self.symbol_lines[qual]
        return self.span(name_node)[0], self.span(node)[1]

    # -- helpers -------------------------------------------------------------------------
    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        start, end = self.positions[node]
        return start + self.offset, end + self.offset

    def code(self, node: cst.CSTNode) -> str:
        return normalise(self.module.code_for_node(node))

    def digest(self, start: int, end: int) -> str:
        # Lines of the body below the header, whitespace-insensitive: pairs a rename whose
        # body did not change.
        body = "".join(self.lines[start - self.offset : end - self.offset])
        return hashlib.sha1("".join(body.split()).encode("utf-8", "surrogatepass")).hexdigest()[:16]

    # -- symbols -------------------------------------------------------------------------
    def statements(self, stmts: Iterable[cst.CSTNode], scope: str | None, in_class: bool) -> None:
        for stmt in stmts:
            if isinstance(stmt, cst.FunctionDef):
                self.function(stmt, scope, in_class)
            elif isinstance(stmt, cst.ClassDef):
                self.klass(stmt, scope)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    self.small(small, stmt, scope, in_class)
            elif isinstance(stmt, (cst.If, cst.Try, cst.TryStar, cst.With, cst.For, cst.While)):
                # Conditional definitions (compat shims, TYPE_CHECKING) live in the same scope.
                for suite in _suites(stmt):
                    self.statements(_body_statements(suite), scope, in_class)

    def function(self, node: cst.FunctionDef, scope: str | None, in_class: bool) -> None:
        qual = f"{scope}.{node.name.value}" if scope else node.name.value
        line, end = self.where(qual, node.name, node)
        self.facts.symbols.append(
            Symbol(
                qualname=qual,
                kind=METHOD if in_class else FUNCTION,
                line=line,
                end_line=end,
                signature=self.signature(node),
                decorators=tuple(self.code(d.decorator) for d in node.decorators),
                body_digest=self.digest(line, end),
            )
        )

    def signature(self, node: cst.FunctionDef) -> Signature:
        p = node.params
        params: list[Param] = []

        def add(param: cst.Param, kind: str) -> None:
            params.append(
                Param(
                    name=param.name.value,
                    kind=kind,
                    default=self.code(param.default) if param.default is not None else None,
                    annotation=self.code(param.annotation.annotation) if param.annotation else None,
                )
            )

        for x in p.posonly_params:
            add(x, POSITIONAL_ONLY)
        for x in p.params:
            add(x, POSITIONAL)
        if isinstance(p.star_arg, cst.Param):
            add(p.star_arg, VAR_POSITIONAL)
        for x in p.kwonly_params:
            add(x, KEYWORD_ONLY)
        if isinstance(p.star_kwarg, cst.Param):
            add(p.star_kwarg, VAR_KEYWORD)
        returns = self.code(node.returns.annotation) if node.returns else None
        return Signature(tuple(params), returns, node.asynchronous is not None)

    def klass(self, node: cst.ClassDef, scope: str | None) -> None:
        qual = f"{scope}.{node.name.value}" if scope else node.name.value
        line, end = self.where(qual, node.name, node)
        decorators = tuple(self.code(d.decorator) for d in node.decorators)
        bases = tuple(self.code(b.value) for b in node.bases)
        record = any(_leaf(d) in _RECORD_DECORATORS for d in decorators) or any(
            _leaf(b) in _RECORD_BASES for b in bases
        )
        optional_keys = any(
            k.keyword is not None and k.keyword.value == "total" and self.code(k.value) == "False"
            for k in node.keywords
        )
        self.facts.symbols.append(
            Symbol(
                qualname=qual,
                kind=CLASS,
                line=line,
                end_line=end,
                decorators=decorators,
                bases=bases,
                record=record,
                body_digest=self.digest(line, end),
            )
        )
        outer = (self._optional_keys, self._record)
        self._optional_keys, self._record = optional_keys, record
        self.statements(_body_statements(node.body), qual, True)
        self._optional_keys, self._record = outer

    _optional_keys = False
    _record = False

    def small(
        self,
        small: cst.BaseSmallStatement,
        line_node: cst.CSTNode,
        scope: str | None,
        in_class: bool,
    ) -> None:
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            self.assignment(
                small.target.value, small.annotation.annotation, small.value, small, scope, in_class
            )
        elif isinstance(small, cst.Assign):
            for t in small.targets:
                if isinstance(t.target, cst.Name):
                    self.assignment(t.target.value, None, small.value, small, scope, in_class)
        elif isinstance(small, (cst.Import, cst.ImportFrom)) and not in_class:
            for bound, target in _bindings(small):
                qual = f"{scope}.{bound}" if scope else bound
                line, end = self.where(qual, line_node, line_node)
                self.facts.symbols.append(Symbol(qual, IMPORT, line, end, target=target))

    def assignment(
        self,
        name: str,
        annotation: cst.BaseExpression | None,
        value: cst.BaseExpression | None,
        node: cst.CSTNode,
        scope: str | None,
        in_class: bool,
    ) -> None:
        qual = f"{scope}.{name}" if scope else name
        line, end = self.where(qual, node, node)
        ann = self.code(annotation) if annotation is not None else None
        if in_class and (
            (ann is not None and not ann.startswith(("ClassVar", "typing.ClassVar")))
            or (isinstance(value, cst.Call) and _leaf(dotted(value.func) or "") in _FIELD_CALLS)
        ):
            has_default, default = self.field_default(value)
            if ann is not None and ann.startswith(("NotRequired", "typing.NotRequired")):
                has_default = True
            self.facts.symbols.append(
                Symbol(
                    qual,
                    FIELD,
                    line,
                    end,
                    annotation=ann,
                    default=default,
                    has_default=has_default or self._optional_keys,
                    record=self._record,
                )
            )
            return
        text = None
        if value is not None and literal(value)[0]:
            text = self.code(value)
        self.facts.symbols.append(Symbol(qual, CONSTANT, line, end, value=text, annotation=ann))

    def field_default(self, value: cst.BaseExpression | None) -> tuple[bool, str | None]:
        if value is None:
            return False, None
        if isinstance(value, cst.Call) and _leaf(dotted(value.func) or "") in _FIELD_CALLS:
            for a in value.args:
                kw = a.keyword.value if a.keyword else None
                if kw in ("default", "default_factory", "factory"):
                    return True, self.code(a.value)
            positional = [a for a in value.args if a.keyword is None and not a.star]
            if positional and _leaf(dotted(value.func) or "") == "Field":
                first = positional[0].value
                if isinstance(first, cst.Ellipsis):
                    return False, None
                return True, self.code(first)
            return False, None
        return True, self.code(value)


def _leaf(code: str) -> str:
    return code.split("(", 1)[0].rsplit(".", 1)[-1]


def _suites(stmt: cst.CSTNode) -> list[cst.BaseSuite]:
    out: list[cst.BaseSuite] = [stmt.body]  # type: ignore[attr-defined]
    orelse = getattr(stmt, "orelse", None)
    while orelse is not None:
        out.append(orelse.body)
        orelse = getattr(orelse, "orelse", None) if isinstance(orelse, cst.If) else None
    for h in getattr(stmt, "handlers", ()):
        out.append(h.body)
    final = getattr(stmt, "finalbody", None)
    if final is not None:
        out.append(final.body)
    return out


def _bindings(node: cst.Import | cst.ImportFrom) -> list[tuple[str, str]]:
    """(name bound in the module, what it refers to) for one import statement."""
    out: list[tuple[str, str]] = []
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                out.append((alias.asname.name.value, full))
            else:
                head = full.split(".", 1)[0]
                out.append((head, head))
        return out
    module = ("." * len(node.relative)) + (dotted(node.module) or "" if node.module else "")
    if isinstance(node.names, cst.ImportStar):
        return out
    for alias in node.names:
        name = dotted(alias.name) or ""
        bound = (
            alias.asname.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
            else name
        )
        out.append(
            (bound, f"{module}.{name}" if module and not module.endswith(".") else module + name)
        )
    return out


class _ChangeVisitor(cst.CSTVisitor):
    """Calls, strings, handlers and imports on added lines; skips untouched statements."""

    def __init__(self, ex: _Extractor, touched: LinePredicate) -> None:
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
                        self.ex.facts.aliases.update(_bindings(small))
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
        self.ex.facts.aliases.update(_bindings(node))
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
    | _all_subclasses(cst.BaseCompoundStatement)
)


def _may_hold_imports(node: cst.CSTNode) -> bool:
    # Module-level `if`/`try` blocks often hold the imports (compat shims); functions and
    # classes bind names in their own scope, which touched code elsewhere cannot see.
    return isinstance(node, (cst.If, cst.Try, cst.TryStar, cst.With, cst.Else, cst.Finally))


def _is_noop(stmt: cst.CSTNode) -> bool:
    if isinstance(stmt, cst.SimpleStatementLine):
        return all(
            isinstance(s, (cst.Pass, cst.Continue))
            or (isinstance(s, cst.Expr) and isinstance(s.value, (cst.Ellipsis, cst.SimpleString)))
            for s in stmt.body
        )
    return False


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
        if _CodegenState is None:
            positions = line_spans(module)
        else:
            positions, order = _spans_and_order(module)
    ex = _Extractor(module, positions, offset, lines, symbol_lines)
    ex.statements(module.body, None, False)
    if touched is not None:
        visitor = _ChangeVisitor(ex, touched)
        if order is None:
            module.visit(visitor)
        else:
            _replay(visitor, order)
    return ex.facts
