"""libcst reader of one segment's definitions: symbols, signatures, record fields (see _cst.py).

The ast reader (_ast_symbols) reproduces :meth:`Extractor.statements` exactly; this one is
used where the ast cannot read the segment (newer syntax) and for the changed statements.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import libcst as cst

from guardrails.semantic._ast_changes import SegmentFacts as SegmentFacts
from guardrails.semantic._ast_symbols import (
    FIELD_CALLS,
    RECORD_BASES,
    RECORD_DECORATORS,
    normalise,
)
from guardrails.semantic._cst_lines import Spans
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
    Param,
    Signature,
    Symbol,
)

# Classes whose annotated attributes are constructor fields (shared with the ast reader).
_RECORD_DECORATORS = RECORD_DECORATORS
_RECORD_BASES = RECORD_BASES
_FIELD_CALLS = FIELD_CALLS


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


class Extractor:
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
            for bound, target in bindings(small):
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


def bindings(node: cst.Import | cst.ImportFrom) -> list[tuple[str, str]]:
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
