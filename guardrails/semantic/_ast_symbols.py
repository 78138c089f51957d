"""Symbols of one base-side segment read from the stdlib ``ast``, without libcst.

The base side of a diff only needs symbols (no calls, strings or lines of nodes), and the
``ast`` of each segment is already parsed, so parsing it again with libcst (7x slower) is
waste. This module reproduces ``_cst_symbols.Extractor.statements`` exactly, and gives up (raises
:class:`GiveUp`, and the caller uses libcst) wherever it cannot be sure of the same answer:

* an expression's text is its source span; when that span alone is not an expression the
  stdlib parser reads, libcst's text (which may own parentheses the span lacks) could
  normalise differently;
* a definition whose lines the caller's ``ast`` walk did not record;
* a suite that may be a one-line suite continued with a backslash (libcst reads the
  statements of a one-line suite as small statements and records no symbols for them).
"""

from __future__ import annotations

import ast
import functools
import hashlib
from collections.abc import Sequence
from typing import cast

from guardrails.pyast import dotted_name
from guardrails.semantic._type_params import HiddenMap
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

# Also used by _cst (one definition for both readers).
RECORD_DECORATORS = frozenset(
    {"dataclass", "define", "frozen", "mutable", "s", "attrs", "dataclass_transform"}
)
RECORD_BASES = frozenset({"BaseModel", "NamedTuple", "TypedDict", "Struct", "Schema", "SQLModel"})
FIELD_CALLS = frozenset({"field", "Field", "ib", "attrib"})


# ``try: ... except* E:`` (3.11+) has the same suites.
_TRY: tuple[type[ast.stmt], ...] = (ast.Try, ast.TryStar)


class GiveUp(Exception):
    """This segment needs libcst to be read exactly as before."""


@functools.lru_cache(maxsize=4096)
def normalise(code: str) -> str:
    """Canonical source of an expression so that reformatting is not a change."""
    text = code.strip()
    try:
        return ast.unparse(ast.parse(text, mode="eval"))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return " ".join(text.split())


def leaf(code: str) -> str:
    return code.split("(", 1)[0].rsplit(".", 1)[-1]


def _is_literal(node: ast.expr) -> bool:
    """_cst_symbols.literal(...)[0] for the libcst node of the same source."""
    if isinstance(node, ast.Constant):
        # True/False/None, numbers, strings, bytes, implicit concatenation; libcst's
        # Ellipsis is not a literal there.
        return node.value is not Ellipsis
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        if not _is_literal(node.operand):
            return False
        value = _value(node.operand)
        return isinstance(value, (int, float, complex))
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        if not all(not isinstance(e, ast.Starred) and _is_literal(e) for e in node.elts):
            return False
        if isinstance(node, ast.Set):
            try:
                frozenset(_value(e) for e in node.elts)
            except TypeError:
                return False
        return True
    if isinstance(node, ast.Dict):
        pairs: dict[object, object] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None or not (_is_literal(k) and _is_literal(v)):
                return False
            try:
                pairs[_value(k)] = None
            except TypeError:
                return False
        return True
    return False


def _value(node: ast.expr) -> object:
    """Value of a node for which _is_literal holds."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp):
        number = _value(node.operand)
        assert isinstance(number, (int, float, complex))
        return -number
    if isinstance(node, ast.Tuple):
        return tuple(_value(e) for e in node.elts)
    if isinstance(node, ast.Set):
        return frozenset(_value(e) for e in node.elts)
    if isinstance(node, ast.List):
        return [_value(e) for e in node.elts]
    assert isinstance(node, ast.Dict)
    return {_value(k): _value(v) for k, v in zip(node.keys, node.values, strict=True) if k}


class Extractor:
    def __init__(
        self,
        lines: Sequence[str],
        offset: int,
        symbol_lines: dict[str, tuple[int, int]],
        hidden: HiddenMap | None = None,
    ) -> None:
        self.lines = lines  # the file's lines
        # What blanking 3.12 type parameters hid (an alias reads as an assignment).
        self.hidden: HiddenMap = hidden or {}
        self.offset = offset  # file line of the nodes' line 0
        self.symbol_lines = symbol_lines  # file lines
        self.symbols: list[Symbol] = []
        self._optional_keys = False
        self._record = False

    def where(self, qual: str) -> tuple[int, int]:
        found = self.symbol_lines.get(qual)
        if found is None:
            raise GiveUp(qual)
        return found

    def code(self, node: ast.expr) -> str:
        if isinstance(node, (ast.GeneratorExp, ast.Starred, ast.NamedExpr, ast.Yield)):
            raise GiveUp("span may differ from libcst's node")
        text = self.source(node).strip()
        try:
            tree = ast.parse(text, mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
            raise GiveUp("not an expression on its own") from e
        return ast.unparse(tree)  # normalise(text), without parsing it twice

    def value_code(self, node: ast.expr) -> str:
        """code() of a statement's value (``X = ...``): over several lines it can only be in
        brackets of its own (or continued with backslashes, which parse alone), and libcst's
        node owns those parentheses, so the text in brackets is what libcst normalises."""
        try:
            return self.code(node)
        except GiveUp:
            if isinstance(node, (ast.GeneratorExp, ast.Starred, ast.NamedExpr, ast.Yield)):
                raise
            text = self.source(node).strip()
            try:
                tree = ast.parse("(" + text + ")", mode="eval")
            except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
                raise GiveUp("not an expression even in brackets") from e
            return ast.unparse(tree)

    def source(self, node: ast.expr) -> str:
        assert node.end_lineno is not None and node.end_col_offset is not None
        first = node.lineno + self.offset - 1
        last = node.end_lineno + self.offset - 1
        if first == last:
            raw = self.lines[first].encode("utf-8")
            return raw[node.col_offset : node.end_col_offset].decode("utf-8")
        head = self.lines[first].encode("utf-8")[node.col_offset :].decode("utf-8")
        tail = self.lines[last].encode("utf-8")[: node.end_col_offset].decode("utf-8")
        return head + "".join(self.lines[first + 1 : last]) + tail

    def digest(self, start: int, end: int) -> str:
        # Lines below the header line, whitespace-insensitive: pairs a rename whose body did
        # not change (the same slice as _cst's, which indexes from the segment).
        body = "".join(self.lines[start:end])
        return hashlib.sha1("".join(body.split()).encode("utf-8", "surrogatepass")).hexdigest()[:16]

    # -- the walk of _cst_symbols.Extractor.statements ---------------------------------------------
    def block(self, body: list[ast.stmt], scope: str | None, in_class: bool) -> None:
        """One suite: an indented block is walked; a one-line suite (``class A: x = 1``)
        holds small statements that libcst's walk does not look at."""
        if not body:
            return
        first = body[0]
        line = self.lines[first.lineno + self.offset - 1]
        before = line.encode("utf-8")[: first.col_offset].decode("utf-8")
        if before.strip():
            return  # after the header's colon on the same line
        index = first.lineno + self.offset - 2
        if index >= 0 and self.lines[index].rstrip("\r\n").endswith("\\"):
            raise GiveUp("a suite continued with a backslash")
        self.statements(body, scope, in_class)

    def statements(self, stmts: list[ast.stmt], scope: str | None, in_class: bool) -> None:
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.function(stmt, scope, in_class)
            elif isinstance(stmt, ast.ClassDef):
                self.klass(stmt, scope)
            elif isinstance(stmt, (ast.AnnAssign, ast.Assign, ast.Import, ast.ImportFrom)):
                self.small(stmt, scope, in_class)
            elif isinstance(stmt, ast.If):
                self.block(stmt.body, scope, in_class)
                self.block(stmt.orelse, scope, in_class)  # an elif is an If in orelse
            elif isinstance(stmt, _TRY):
                # _cst_symbols._suites order: body, else, handlers, finally.
                tried = cast(ast.Try, stmt)  # TryStar has the same fields
                self.block(tried.body, scope, in_class)
                self.block(tried.orelse, scope, in_class)
                for h in tried.handlers:
                    self.block(h.body, scope, in_class)
                self.block(tried.finalbody, scope, in_class)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                self.block(stmt.body, scope, in_class)
            elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
                self.block(stmt.body, scope, in_class)
                self.block(stmt.orelse, scope, in_class)

    def function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: str | None, in_class: bool
    ) -> None:
        qual = f"{scope}.{node.name}" if scope else node.name
        line, end = self.where(qual)
        self.symbols.append(
            Symbol(
                qualname=qual,
                kind=METHOD if in_class else FUNCTION,
                line=line,
                end_line=end,
                signature=self.signature(node),
                decorators=tuple(self.code(d) for d in node.decorator_list),
                body_digest=self.digest(line, end),
            )
        )

    def signature(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Signature:
        a = node.args
        params: list[Param] = []

        def add(arg: ast.arg, kind: str, default: ast.expr | None) -> None:
            params.append(
                Param(
                    name=arg.arg,
                    kind=kind,
                    default=self.code(default) if default is not None else None,
                    annotation=self.code(arg.annotation) if arg.annotation else None,
                )
            )

        positional = [*a.posonlyargs, *a.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults))
        defaults += a.defaults
        for i, x in enumerate(positional):
            add(x, POSITIONAL_ONLY if i < len(a.posonlyargs) else POSITIONAL, defaults[i])
        if a.vararg is not None:
            add(a.vararg, VAR_POSITIONAL, None)
        for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=True):
            add(x, KEYWORD_ONLY, d)
        if a.kwarg is not None:
            add(a.kwarg, VAR_KEYWORD, None)
        returns = self.code(node.returns) if node.returns else None
        return Signature(tuple(params), returns, isinstance(node, ast.AsyncFunctionDef))

    def klass(self, node: ast.ClassDef, scope: str | None) -> None:
        qual = f"{scope}.{node.name}" if scope else node.name
        line, end = self.where(qual)
        decorators = tuple(self.code(d) for d in node.decorator_list)
        bases = tuple(self.code(b.value if isinstance(b, ast.Starred) else b) for b in node.bases)
        record = any(leaf(d) in RECORD_DECORATORS for d in decorators) or any(
            leaf(b) in RECORD_BASES for b in bases
        )
        optional_keys = False
        for k in node.keywords:  # code() only for `total=`, as _cst's any() short-circuits
            if k.arg == "total" and self.code(k.value) == "False":
                optional_keys = True
                break
        self.symbols.append(
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
        self.block(node.body, qual, True)
        self._optional_keys, self._record = outer

    def small(
        self,
        node: ast.AnnAssign | ast.Assign | ast.Import | ast.ImportFrom,
        scope: str | None,
        in_class: bool,
    ) -> None:
        if isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name):
                self.assignment(node.target.id, node.annotation, node.value, scope, in_class)
        elif isinstance(node, ast.Assign):
            if id(node) in self.hidden:
                return  # `type X = ...`: libcst's TypeAlias, which it records no symbol for
            for t in node.targets:
                if isinstance(t, ast.Name):
                    self.assignment(t.id, None, node.value, scope, in_class)
        elif not in_class:
            for bound, target in _bindings(node):
                qual = f"{scope}.{bound}" if scope else bound
                line, end = self.where(qual)
                self.symbols.append(Symbol(qual, IMPORT, line, end, target=target))

    def assignment(
        self,
        name: str,
        annotation: ast.expr | None,
        value: ast.expr | None,
        scope: str | None,
        in_class: bool,
    ) -> None:
        qual = f"{scope}.{name}" if scope else name
        line, end = self.where(qual)
        ann = self.code(annotation) if annotation is not None else None
        if in_class and (
            (ann is not None and not ann.startswith(("ClassVar", "typing.ClassVar")))
            or (isinstance(value, ast.Call) and leaf(dotted_name(value.func) or "") in FIELD_CALLS)
        ):
            has_default, default = self.field_default(value)
            if ann is not None and ann.startswith(("NotRequired", "typing.NotRequired")):
                has_default = True
            self.symbols.append(
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
        if value is not None and _is_literal(value):
            text = self.value_code(value)
        self.symbols.append(Symbol(qual, CONSTANT, line, end, value=text, annotation=ann))

    def field_default(self, value: ast.expr | None) -> tuple[bool, str | None]:
        if value is None:
            return False, None
        if isinstance(value, ast.Call) and leaf(dotted_name(value.func) or "") in FIELD_CALLS:
            for k in value.keywords:
                if k.arg in ("default", "default_factory", "factory"):
                    return True, self.code(k.value)
            positional = [a for a in value.args if not isinstance(a, ast.Starred)]
            if positional and leaf(dotted_name(value.func) or "") == "Field":
                first = positional[0]
                if isinstance(first, ast.Constant) and first.value is Ellipsis:
                    if self.source(first).strip() != "...":
                        raise GiveUp("Ellipsis spelled otherwise")
                    return False, None
                return True, self.code(first)
            return False, None
        return True, self.value_code(value)


def _bindings(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """_cst_symbols.bindings for the same statement."""
    out: list[tuple[str, str]] = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname is not None:
                out.append((alias.asname, alias.name))
            else:
                head = alias.name.split(".", 1)[0]
                out.append((head, head))
        return out
    module = "." * node.level + (node.module or "")
    for alias in node.names:
        if alias.name == "*":
            return out
        name = alias.name
        bound = alias.asname or name
        out.append(
            (bound, f"{module}.{name}" if module and not module.endswith(".") else module + name)
        )
    return out


def extract(
    nodes: list[ast.stmt],
    lines: Sequence[str],
    offset: int,
    symbol_lines: dict[str, tuple[int, int]],
    hidden: HiddenMap | None = None,
) -> list[Symbol]:
    """Symbols of one segment, as ``_cst.extract(..., touched=None, symbol_lines)`` gives."""
    ex = Extractor(lines, offset, symbol_lines, hidden)
    ex.statements(nodes, None, False)
    return ex.symbols
