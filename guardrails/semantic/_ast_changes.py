"""The head side of one segment read from the stdlib ``ast``: symbols, and the calls, strings,
handlers and imports on its touched lines, without libcst.

``check --staged`` runs on every commit, and importing libcst alone costs 200-350 ms, more
than the rest of the hook. The stdlib parser has already read every segment (that is how
they were cut), so this module gives what ``_cst.extract(lines, offset, touched,
symbol_lines)`` gives for the same segment, fact for fact and in the same order. It is the
twin of ``_cst._ChangeVisitor`` and follows its rules:

* a statement whose lines the change does not touch is skipped, except that imports in it
  still bind names (and module-level ``if``/``try``/``with`` blocks are entered for them);
* a call, string, handler or import is reported when its own lines touch the change;
* a string is bound to the name, keyword or dict key it is assigned to.

Where it cannot be sure of libcst's answer it raises :class:`GiveUp` and the caller uses
libcst for that segment: an expression whose source span alone is not an expression (libcst's
text may own parentheses the span lacks), an implicit concatenation that holds an f-string
(libcst does not look inside those), a one-line suite continued with a backslash.
``tests/test_semantic_readers.py`` keeps the two readers agreeing on real code.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable, Sequence

import msgspec

from guardrails.pyast import dotted_name
from guardrails.semantic._ast_symbols import (
    Extractor,
    GiveUp,
    _bindings,
    _is_literal,
    _value,
    normalise,
)
from guardrails.semantic._type_params import HiddenMap
from guardrails.semantic.facts import Arg, Handler, ImportStatement, StringLiteral, Symbol

_COMMENT = re.compile(r"#[^\r\n]*")

LinePredicate = Callable[[int, int], bool]  # (start, end) file lines -> touches the change?

_TRY: tuple[type[ast.stmt], ...] = (ast.Try, ast.TryStar)
# 3.12+: an f-string is several tokens (none on 3.11, where it is one STRING).
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)
# Blocks entered although untouched, for the imports they may hold (compat shims): libcst's
# If, Try, TryStar and With (async included) and their else/finally suites.
_MAY_HOLD_IMPORTS: tuple[type[ast.stmt], ...] = (*_TRY, ast.If, ast.With, ast.AsyncWith)


class SegmentFacts(msgspec.Struct):
    """What one segment of the head (or, symbols only, the base) says; both readers fill it."""

    symbols: list[Symbol] = msgspec.field(default_factory=list)
    calls: list[tuple[int, int, str, tuple[Arg, ...]]] = msgspec.field(
        default_factory=list
    )  # written names
    strings: list[StringLiteral] = msgspec.field(default_factory=list)
    handlers: list[Handler] = msgspec.field(default_factory=list)
    imports: list[ImportStatement] = msgspec.field(default_factory=list)
    # every import binding in the segment
    aliases: dict[str, str] = msgspec.field(default_factory=dict)


class _Walker:
    def __init__(self, ex: Extractor, touched: LinePredicate) -> None:
        self.ex = ex
        self.touched = touched
        self.facts = SegmentFacts()
        # (line, column, fact) in walk order (which is field order: a function's body before
        # its decorators); sorted by position at the end, which is the order libcst's
        # pre-order visit meets them in.
        self.calls: list[tuple[int, int, tuple[int, int, str, tuple[Arg, ...]]]] = []
        self.strings: list[tuple[int, int, StringLiteral]] = []
        self.contexts: dict[int, str] = {}  # id(string node) -> name it is bound to

    def span(self, node: ast.stmt | ast.expr | ast.excepthandler) -> tuple[int, int]:
        end = node.end_lineno if node.end_lineno is not None else node.lineno
        return node.lineno + self.ex.offset, end + self.ex.offset

    # -- statements ------------------------------------------------------------------------
    def statements(self, stmts: Sequence[ast.stmt]) -> None:
        for stmt in stmts:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        if not self.touched(*self.span(stmt)):
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.facts.aliases.update(_bindings(stmt))
            elif isinstance(stmt, _MAY_HOLD_IMPORTS):
                for child in ast.iter_child_nodes(stmt):
                    if isinstance(child, ast.stmt):
                        self.statement(child)
                    elif isinstance(child, ast.ExceptHandler):
                        self.statements(child.body)
            return
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.import_(stmt)
            return
        hidden = self.ex.hidden.get(id(stmt))
        if hidden is not None:
            # libcst visits a type parameter list's bounds (the ast lost them: read from the
            # list on its own), and binds no name to an alias's strings.
            for bound in hidden.bounds:
                self.node(bound)
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            name = dotted_name(stmt.targets[0])
            if name:
                self.contexts[id(stmt.value)] = name.rsplit(".", 1)[-1]
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            name = dotted_name(stmt.target)
            if name:
                self.contexts[id(stmt.value)] = name.rsplit(".", 1)[-1]
        star = isinstance(stmt, ast.TryStar)
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                self.statement(child)
            elif isinstance(child, ast.excepthandler):
                self.handler(child, star)
            else:
                self.node(child)

    def import_(self, stmt: ast.Import | ast.ImportFrom) -> None:
        self.facts.aliases.update(_bindings(stmt))
        start = stmt.lineno + self.ex.offset
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                self.facts.imports.append(ImportStatement(start, alias.name, ()))
        else:
            module = "." * stmt.level + (stmt.module or "")
            names = tuple(a.name for a in stmt.names)
            self.facts.imports.append(ImportStatement(start, module, names))

    def handler(self, node: ast.excepthandler, star: bool) -> None:
        assert isinstance(node, ast.ExceptHandler)
        start = node.lineno + self.ex.offset
        last = node.body[-1]
        end = (last.end_lineno or last.lineno) + self.ex.offset
        # libcst's visitor knows `except` clauses, not `except*` ones.
        if not star and self.touched(start, end):
            catches = ""
            if node.type is not None:
                catches = dotted_name(node.type) or self.ex.code(node.type)
            swallows = all(self.noop(s) for s in node.body)
            self.facts.handlers.append(Handler(start, catches, swallows))
        if node.type is not None:
            self.node(node.type)
        self.statements(node.body)

    def noop(self, stmt: ast.stmt) -> bool:
        if isinstance(stmt, (ast.Pass, ast.Continue)):
            return True
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            value = stmt.value.value
            if value is Ellipsis:
                return True
            # A docstring-like string, but not an implicit concatenation (libcst's
            # ConcatenatedString is not a no-op there).
            return isinstance(value, (str, bytes)) and self.string_tokens(stmt.value) == 1
        return False

    # -- expressions -----------------------------------------------------------------------
    def node(self, node: ast.AST) -> None:
        """Pre-order walk of an expression (or a pattern, a comprehension, an argument)."""
        if isinstance(node, ast.Call):
            self.call(node)
            return
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                self.string(node)
            return
        elif isinstance(node, ast.JoinedStr):
            # libcst reads inside an f-string's expressions, but not inside an implicit
            # concatenation that holds one; that can only matter when there is something
            # inside to find.
            found = any(isinstance(n, (ast.Call, ast.Constant)) for n in _inside(node))
            if found and self.string_tokens(node) == 1:
                for part in _expressions(node):
                    self.node(part)
            return
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if k is not None and _is_literal(k):
                    key = _value(k)
                    if isinstance(key, str):
                        self.contexts[id(v)] = key
                if k is not None:
                    self.node(k)
                self.node(v)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):  # a lambda's body is an expression; never here
                self.statement(child)
            else:
                self.node(child)

    def call(self, node: ast.Call) -> None:
        start, end = self.span(node)
        written = dotted_name(node.func)
        if written is not None and self.touched(start, end):
            items: list[ast.expr | ast.keyword] = [*node.args, *node.keywords]
            items.sort(key=lambda a: (a.lineno, a.col_offset))
            args: list[Arg] = []
            assert node.func.end_lineno is not None and node.func.end_col_offset is not None
            after = (node.func.end_lineno, node.func.end_col_offset)  # where the last item ended
            for i, item in enumerate(items):
                if isinstance(item, ast.keyword):
                    keyword, star, value = item.arg, ("**" if item.arg is None else ""), item.value
                    literal_string = isinstance(value, ast.Constant) and isinstance(
                        value.value, (str, bytes)
                    )
                    if keyword is not None and literal_string:
                        self.contexts[id(value)] = keyword
                elif isinstance(item, ast.Starred):
                    keyword, star, value = None, "*", item.value
                else:
                    keyword, star, value = None, "", item
                ok = _is_literal(value)
                args.append(
                    Arg(
                        keyword=keyword,
                        star=star,
                        code=self.arg_code(value, after, 1 if i == 0 else 0),
                        is_literal=ok,
                        value=_value(value) if ok else None,
                    )
                )
                assert item.end_lineno is not None and item.end_col_offset is not None
                after = (item.end_lineno, item.end_col_offset)
            self.calls.append((node.lineno, node.col_offset, (start, end, written, tuple(args))))
        self.node(node.func)
        for arg in node.args:
            self.node(arg)
        for kw in node.keywords:
            self.node(kw.value)

    def arg_code(self, value: ast.expr, after: tuple[int, int], call_parens: int) -> str:
        """libcst's normalised text of an argument's value.

        ``after`` is where the previous argument (or the called name) ends, and
        ``call_parens`` how many ``(`` between there and the value are the call's own.
        """
        if not isinstance(value, ast.GeneratorExp):
            try:
                return self.ex.code(value)
            except GiveUp:
                if isinstance(value, (ast.Starred, ast.NamedExpr, ast.Yield)):
                    raise
        # Only the source between the previous argument and this one says whether libcst's
        # node owns parentheses the stdlib's span lacks: it holds commas, `k=`, stars,
        # comments and brackets, never a string, so a `#` there starts a comment.
        between = _COMMENT.sub("", self.ex.source(_Span(*after, value.lineno, value.col_offset)))
        own_parens = between.count("(") - call_parens
        if isinstance(value, ast.GeneratorExp):
            text = self.ex.source(value).strip()
            if own_parens < 0:
                # `f(x for x in y)`: the stdlib gives the generator the call's parentheses,
                # libcst none (their whitespace and comments are the call's), and its text
                # alone is not an expression.
                return " ".join(self.bare_generator(value).split())
            return normalise(text)  # `f((x for x in y))`: its own, which both keep
        # Its text alone is not an expression (an argument over several lines, like
        # implicitly joined strings). In parentheses of its own, libcst's node owns them and
        # its text normalises like ours in brackets; without, libcst falls back to
        # normalising the whitespace, and so do we.
        text = self.ex.source(value).strip()
        if own_parens < 0:
            raise GiveUp("an argument whose brackets cannot be told apart")
        try:
            tree = ast.parse("(" + text + ")", mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
            raise GiveUp("not an expression even in brackets") from e
        return ast.unparse(tree) if own_parens else " ".join(text.split())

    def bare_generator(self, value: ast.GeneratorExp) -> str:
        """The source of a generator that shares its call's parentheses, without them and
        without the whitespace and comments inside them around the generator."""
        assert value.end_lineno is not None and value.end_col_offset is not None
        gen = value.generators[-1]
        last = gen.ifs[-1] if gen.ifs else gen.iter
        assert last.end_lineno is not None and last.end_col_offset is not None
        tail = self.ex.source(
            _Span(last.end_lineno, last.end_col_offset, value.end_lineno, value.end_col_offset)
        )
        if _COMMENT.sub("", tail).strip() != ")":
            raise GiveUp("a generator's last clause in brackets of its own")
        inner = self.ex.source(
            _Span(value.lineno, value.col_offset + 1, last.end_lineno, last.end_col_offset)
        )
        while True:  # the call's whitespace and comments before the generator
            stripped = inner.lstrip()
            if not stripped.startswith("#"):
                return stripped
            inner = stripped.split("\n", 1)[1] if "\n" in stripped else ""

    def string(self, node: ast.Constant) -> None:
        start, end = self.span(node)
        if self.touched(start, end):
            assert isinstance(node.value, str)
            found = StringLiteral(start, node.value, self.contexts.get(id(node)))
            self.strings.append((node.lineno, node.col_offset, found))

    def string_tokens(self, node: ast.expr) -> int:
        """How many string tokens the source of ``node`` is made of (2+: implicit concatenation)."""
        # Parenthesised, a span over several lines tokenizes as one expression.
        text = "(" + self.ex.source(node) + ")"
        count = depth = 0
        try:
            for t in tokenize.generate_tokens(io.StringIO(text).readline):
                # Python 3.12+ tokenizes an f-string into pieces (FSTRING_START .. END, with
                # the tokens of its expressions between): one top-level piece is one string.
                if t.type == _FSTRING_START:
                    count += depth == 0
                    depth += 1
                elif t.type == _FSTRING_END:
                    depth -= 1
                elif t.type == tokenize.STRING and depth == 0:
                    count += 1
            return count
        except (tokenize.TokenError, SyntaxError) as e:
            raise GiveUp("string spans the tokenizer cannot read alone") from e


def _expressions(node: ast.JoinedStr) -> list[ast.expr]:
    """The expressions inside an f-string's braces, its format specs' included."""
    out: list[ast.expr] = []
    for part in node.values:
        if isinstance(part, ast.FormattedValue):
            out.append(part.value)
            if isinstance(part.format_spec, ast.JoinedStr):
                out.extend(_expressions(part.format_spec))
    return out


def _inside(node: ast.JoinedStr) -> list[ast.AST]:
    return [n for e in _expressions(node) for n in ast.walk(e)]


class _Span(ast.expr):
    """A stretch of source between two positions (for Extractor.source)."""

    def __init__(self, line: int, col: int, end_line: int, end_col: int) -> None:
        super().__init__()
        self.lineno, self.col_offset, self.end_lineno, self.end_col_offset = (
            line,
            col,
            end_line,
            end_col,
        )


def extract(
    nodes: list[ast.stmt],
    lines: Sequence[str],
    offset: int,
    symbol_lines: dict[str, tuple[int, int]],
    touched: LinePredicate,
    hidden: HiddenMap | None = None,
) -> SegmentFacts:
    """``_cst.extract(segment lines, segment start - 1, touched, symbol_lines)`` from the ast.

    ``nodes`` are the segment's statements, numbered from ``offset`` (file line of their line
    0); ``lines`` are the file's lines. Raises GiveUp where libcst must decide.
    """
    ex = Extractor(lines, offset, symbol_lines, hidden)
    ex.statements(nodes, None, False)
    walker = _Walker(ex, touched)
    walker.statements(nodes)
    walker.facts.symbols = ex.symbols
    walker.calls.sort(key=lambda c: (c[0], c[1]))
    walker.facts.calls = [c for _, _, c in walker.calls]
    walker.strings.sort(key=lambda s: (s[0], s[1]))
    walker.facts.strings = [s for _, _, s in walker.strings]
    return walker.facts
