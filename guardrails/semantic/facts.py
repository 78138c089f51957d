"""What the semantic diff of one Python file says, as plain immutable data.

Rules read these records; they never see a libcst node. Lines are 1-based lines of the file
they belong to: ``old_*`` of the base version, ``new_*`` and call/string/handler lines of the
head version.
"""

from __future__ import annotations

import msgspec

from guardrails.semantic.kinds import (
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
)

__all__ = [
    "CLASS",
    "CONSTANT",
    "FIELD",
    "FUNCTION",
    "IMPORT",
    "KEYWORD_ONLY",
    "METHOD",
    "POSITIONAL",
    "POSITIONAL_ONLY",
    "VAR_KEYWORD",
    "VAR_POSITIONAL",
    "Arg",
    "CallSite",
    "Handler",
    "ImportStatement",
    "ModuleDiff",
    "Param",
    "ParseProblem",
    "Signature",
    "StringLiteral",
    "Symbol",
    "SymbolChange",
]


class Param(msgspec.Struct, frozen=True):
    name: str
    kind: str
    default: str | None = None  # normalised source of the default; None = required
    annotation: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None and self.kind not in (VAR_POSITIONAL, VAR_KEYWORD)

    def render(self) -> str:
        prefix = {VAR_POSITIONAL: "*", VAR_KEYWORD: "**"}.get(self.kind, "")
        text = prefix + self.name
        if self.annotation:
            text += f": {self.annotation}"
        if self.default is not None:
            text += f" = {self.default}" if self.annotation else f"={self.default}"
        return text


class Signature(msgspec.Struct, frozen=True):
    params: tuple[Param, ...]
    returns: str | None = None
    is_async: bool = False

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def positional(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.kind in (POSITIONAL_ONLY, POSITIONAL))

    def render(self) -> str:
        parts: list[str] = []
        kinds = [p.kind for p in self.params]
        for i, p in enumerate(self.params):
            if (
                p.kind == KEYWORD_ONLY
                and VAR_POSITIONAL not in kinds[:i]
                and (i == 0 or kinds[i - 1] != KEYWORD_ONLY)
            ):
                parts.append("*")
            parts.append(p.render())
            if p.kind == POSITIONAL_ONLY and (
                i + 1 == len(kinds) or kinds[i + 1] != POSITIONAL_ONLY
            ):
                parts.append("/")
        text = f"({', '.join(parts)})"
        return ("async " if self.is_async else "") + text


class Symbol(msgspec.Struct, frozen=True):
    """A name a module defines: ``f``, ``Class``, ``Class.method``, ``Class.field``, ``CONST``."""

    qualname: str
    kind: str
    line: int
    end_line: int
    signature: Signature | None = None  # functions and methods
    decorators: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()  # classes
    value: str | None = None  # constants: normalised literal source; None when not a literal
    annotation: str | None = None  # fields and annotated constants
    default: str | None = None  # fields: normalised default source; None = required
    has_default: bool = False  # fields: whether any default is given
    # classes: dataclass/attrs/pydantic/NamedTuple/TypedDict; fields: declared in such a class
    record: bool = False
    target: str | None = None  # imports: what the name is bound to ("os.path.join")
    body_digest: str | None = None  # whitespace-insensitive digest of the body (rename pairing)

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    @property
    def parent(self) -> str | None:
        return self.qualname.rsplit(".", 1)[0] if "." in self.qualname else None


class SymbolChange(msgspec.Struct, frozen=True):
    """``kind`` is added | removed | renamed | modified.

    Renames are a guess (a removed and an added symbol of the same kind and parent with the
    same signature or body): ``best_effort`` says so, and consumers must word them as such.
    ``details`` lists what differs for ``modified``: signature, decorators, bases, value,
    annotation, default, async, kind.
    """

    kind: str
    old: Symbol | None
    new: Symbol | None
    details: tuple[str, ...] = ()
    best_effort: bool = False

    @property
    def qualname(self) -> str:
        sym = self.old if self.old is not None else self.new
        assert sym is not None
        return sym.qualname


class Arg(msgspec.Struct, frozen=True):
    keyword: str | None  # None for positional
    star: str  # "", "*" or "**"
    code: str  # source text as written (normalised whitespace)
    is_literal: bool
    value: object = None  # the literal's Python value when is_literal


class CallSite(msgspec.Struct, frozen=True):
    """A call on an added or altered line of the head file."""

    line: int
    end_line: int
    # Resolved through imports: "subprocess.run" for ``sp.run`` after ``import subprocess as sp``.
    name: str
    written: str  # as written: "sp.run"
    args: tuple[Arg, ...] = ()

    def keyword(self, name: str) -> Arg | None:
        return next((a for a in self.args if a.keyword == name), None)

    def positional(self) -> tuple[Arg, ...]:
        return tuple(a for a in self.args if a.keyword is None and a.star == "")

    @property
    def has_star_kwargs(self) -> bool:
        return any(a.star == "**" for a in self.args)

    @property
    def has_star_args(self) -> bool:
        return any(a.star == "*" for a in self.args)


class StringLiteral(msgspec.Struct, frozen=True):
    line: int
    value: str
    context: str | None = None  # the assigned name, keyword or dict key it is bound to


class Handler(msgspec.Struct, frozen=True):
    """An ``except`` clause on added lines. ``catches`` is "" for a bare ``except:``."""

    line: int
    catches: str
    swallows: bool  # the body only passes (pass / ... / continue)


class ImportStatement(msgspec.Struct, frozen=True):
    line: int
    module: str  # "" for ``from . import x``; dots kept for relative imports (".sibling")
    names: tuple[str, ...]  # () for ``import a.b``


class ParseProblem(msgspec.Struct, frozen=True):
    """Why (part of) one side could not be analysed. ``side`` is "old" or "new".

    ``kind``: syntax | encoding | binary | too-large | too-deep | recursion.
    """

    side: str
    kind: str
    message: str
    line: int | None = None


class ModuleDiff(msgspec.Struct, frozen=True):
    old_path: str | None
    new_path: str | None
    changes: tuple[SymbolChange, ...] = ()
    calls: tuple[CallSite, ...] = ()
    strings: tuple[StringLiteral, ...] = ()
    handlers: tuple[Handler, ...] = ()
    imports: tuple[ImportStatement, ...] = ()
    old_all: tuple[str, ...] | None = None  # __all__ of the base, when a literal
    new_all: tuple[str, ...] | None = None
    problems: tuple[ParseProblem, ...] = ()

    @property
    def path(self) -> str:
        return self.new_path if self.new_path is not None else (self.old_path or "")

    def new_classes(self) -> set[str]:
        """Classes the head defines that the base did not (added, or a rename's new name)."""
        return {
            c.new.qualname
            for c in self.changes
            if c.kind in ("added", "renamed") and c.new is not None and c.new.kind == CLASS
        }

    def problem(self, side: str) -> ParseProblem | None:
        return next((p for p in self.problems if p.side == side), None)

    @property
    def comparable(self) -> bool:
        """Both sides were analysed, so ``changes`` is meaningful."""
        return not self.problems
