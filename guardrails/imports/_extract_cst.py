"""The libcst fallback of import extraction, for code the running Python cannot parse.

Code written for a newer Python than the one running (PEP 695 ``type X = ...`` on 3.11)
is read with libcst, whose parser reads Python 3.0-3.14. Imported only when the stdlib
parser refused a file: importing libcst costs ~0.2 s, and most runs never need it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from guardrails.imports.extract import (
    _DYNAMIC_FUNCS,
    _IMPORT_ERRORS,
    _LIBCST_VERSION,
    DYNAMIC,
    IN_FUNCTION,
    STAR,
    TYPE_ONLY,
    WEAK,
    RawExtraction,
    RawRecord,
    _line_of,
)

# libcst's Rust parser crashes the process (no exception) on expressions a few thousand
# operators or parentheses deep; the stdlib parser fails on those too, so such files are
# reported instead of retried.
_LIBCST_MAX_BYTES = 2_000_000
_LIBCST_MAX_LINE = 4_000
_LIBCST_MAX_DEPTH = 200
_BRACKETS = re.compile(rb"[^()\[\]{}]+")


def _libcst_safe(data: bytes, ast_message: str) -> bool:
    if "too many nested" in ast_message or "too complex" in ast_message:
        return False
    if len(data) > _LIBCST_MAX_BYTES:
        return False
    if max(map(len, data.splitlines()), default=0) > _LIBCST_MAX_LINE:
        return False
    depth = deepest = 0
    for b in _BRACKETS.sub(b"", data):
        depth = depth + 1 if b in b"([{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest <= _LIBCST_MAX_DEPTH


def extract_libcst(data: bytes, ast_error: tuple[int | None, str]) -> RawExtraction:
    if not _libcst_safe(data, ast_error[1]):
        return ((), ast_error, "ast")
    try:
        import libcst as cst
        from libcst.metadata import MetadataWrapper
    except ImportError:  # pragma: no cover - libcst is a dependency
        return ((), ast_error, "ast")
    try:
        module = cst.parse_module(
            data, config=cst.PartialParserConfig(python_version=_LIBCST_VERSION)
        )
    except Exception:  # noqa: BLE001 - ParserSyntaxError and odder types on odder input
        # Neither parser accepts it: ast's location is the precise one for broken code.
        return ((), ast_error, "libcst")
    visitor = _cst_visitor_class()()
    try:
        MetadataWrapper(module, unsafe_skip_copy=True).visit(visitor)
    except RecursionError:
        return ((), (None, "statements nested too deeply to read"), "libcst")
    visitor.out.sort(key=_line_of)
    return (tuple(visitor.out), None, "libcst")


@functools.lru_cache(maxsize=1)
def _cst_visitor_class() -> Any:
    """Built on first use: importing libcst costs ~0.2 s, and most runs never need it."""
    import libcst as cst
    from libcst.metadata import PositionProvider

    name_of = cst.helpers.get_full_name_for_node

    class CSTImports(cst.CSTVisitor):
        """The same walk as :func:`_walk`, over libcst nodes."""

        METADATA_DEPENDENCIES = (PositionProvider,)

        def __init__(self) -> None:
            super().__init__()
            self.out: list[RawRecord] = []
            self.flags = [0]

        def _line(self, node: Any) -> int:
            return int(self.get_metadata(PositionProvider, node).start.line)

        def _with(self, flags: int, *nodes: Any) -> None:
            self.flags.append(flags)
            try:
                for n in nodes:
                    if n is not None:
                        n.visit(self)
            finally:
                self.flags.pop()

        def visit_Import(self, node: Any) -> bool:
            flags = self.flags[-1]
            for a in node.names:
                name = name_of(a.name) or ""
                alias = name if a.asname is None else f"{name} as {name_of(a.asname.name)}"
                self.out.append((name, (), self._line(node), 0, flags, f"import {alias}"))
            return False

        def visit_ImportFrom(self, node: Any) -> bool:
            flags = self.flags[-1]
            module = (name_of(node.module) or "") if node.module else ""
            level = len(node.relative)
            if isinstance(node.names, cst.ImportStar):
                names: tuple[str, ...] = ("*",)
                shown = "*"
                flags |= STAR
            else:
                names = tuple(name_of(a.name) or "" for a in node.names)
                shown = ", ".join(
                    n if a.asname is None else f"{n} as {name_of(a.asname.name)}"
                    for n, a in zip(names, node.names, strict=True)
                )
            text = f"from {'.' * level}{module} import {shown}"
            self.out.append((module, names, self._line(node), level, flags, text))
            return False

        def visit_If(self, node: Any) -> bool:
            tc = _cst_type_checking(cst, node.test)
            flags = self.flags[-1]
            node.test.visit(self)
            self._with(flags | TYPE_ONLY if tc > 0 else flags, node.body)
            self._with(flags | TYPE_ONLY if tc < 0 else flags, node.orelse)
            return False

        def visit_FunctionDef(self, node: Any) -> bool:
            self._with(self.flags[-1] | IN_FUNCTION, node.body)
            return False

        def visit_Lambda(self, node: Any) -> bool:
            self._with(self.flags[-1] | IN_FUNCTION, node.body)
            return False

        def _visit_try(self, node: Any) -> bool:
            flags = self.flags[-1]
            weak = flags | WEAK if _cst_catches_import_error(cst, node.handlers) else flags
            self._with(weak, node.body, *node.handlers)
            self._with(flags, node.orelse, node.finalbody)
            return False

        visit_Try = _visit_try
        visit_TryStar = _visit_try

        def visit_Call(self, node: Any) -> bool:
            func = name_of(node.func)
            if func in _DYNAMIC_FUNCS and node.args:
                arg = node.args[0].value
                if isinstance(arg, cst.SimpleString):
                    value = arg.evaluated_value
                    if isinstance(value, str) and value and not value.startswith("."):
                        flags = self.flags[-1] | DYNAMIC
                        text = f"{func}({value!r})"
                        self.out.append((value, (), self._line(node), 0, flags, text))
            return True

    return CSTImports


def _cst_type_checking(cst: Any, test: Any) -> int:
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return -_cst_type_checking(cst, test.expression)
    if isinstance(test, cst.Name) and test.value == "TYPE_CHECKING":
        return 1
    if isinstance(test, cst.Attribute) and test.attr.value == "TYPE_CHECKING":
        return 1
    return 0


def _cst_catches_import_error(cst: Any, handlers: Any) -> bool:
    for h in handlers:
        if h.type is None:
            continue
        types = [e.value for e in h.type.elements] if isinstance(h.type, cst.Tuple) else [h.type]
        for t in types:
            name = cst.helpers.get_full_name_for_node(t)
            if name is not None and name.rsplit(".", 1)[-1] in _IMPORT_ERRORS:
                return True
    return False
