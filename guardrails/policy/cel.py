"""CEL, the only language a pack may use: sandboxed, no I/O, no code from the change.

The binding is ``cel-expr-python`` (Google's cel-cpp): importing it costs a few ms and one
evaluation tens of microseconds (docs/policies.md has the comparison). It is imported on the
first compile, so a run that loads no pack never pays for it. Every variable is declared, so
a typo in a variable name is a compile error when the pack loads, not a silent false.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import msgspec

from guardrails.errors import GuardrailsError
from guardrails.records import compared_by, repr_omitting

VARIABLES = ("change", "impact", "findings", "approvals", "finding")


class CelError(Exception):
    """A compile or evaluation error, with CEL's own message (first line)."""


@functools.cache
def _env() -> Any:
    from cel_expr_python import cel

    return cel.NewEnv(variables={name: cel.Type.DYN for name in VARIABLES})


def _first_line(message: str) -> str:
    text = message.replace("INVALID_ARGUMENT: ", "").replace("ERROR: ", "")
    text = text.replace(" (in container '')", "")
    return " ".join(part.strip() for part in text.splitlines()[:1]).strip()


class Expression(msgspec.Struct, frozen=True):
    source: str
    _compiled: Any  # the compiled program: not compared, hashed or shown

    __eq__, __hash__ = compared_by("source")

    def __repr__(self) -> str:
        return repr_omitting(self, ("_compiled",))

    def evaluate(self, data: Mapping[str, Any]) -> bool:
        from cel_expr_python import cel

        try:
            value = self._compiled.eval(data=dict(data))
        except (RuntimeError, ValueError, TypeError) as exc:
            raise CelError(_first_line(str(exc))) from exc
        if value.type() == cel.Type.ERROR:
            raise CelError(str(value.value()))
        result = value.value()
        if not isinstance(result, bool):
            raise CelError(f"the expression gives {value.type().name().lower()}, not a bool")
        return result


def sanitize(value: Any) -> Any:
    """``value`` with every string valid UTF-8: a path byte that is not UTF-8 (held as a
    surrogate) becomes the escape ``\\udcXX``, as in the JSON output. cel-cpp takes only
    valid UTF-8."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {sanitize(k): sanitize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitize(v) for v in value]
    return value


def compile_expression(source: str) -> Expression:
    """Raises :class:`CelError` with CEL's message, e.g. ``<input>:1:37: Syntax error: ...``."""
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: cel-cpp's binding raises TypeError
        raise CelError(f"not valid UTF-8 text at column {exc.start + 1}") from None
    try:
        return Expression(source, _env().compile(source))
    except (RuntimeError, ValueError) as exc:
        raise CelError(_first_line(str(exc))) from exc


def evaluate(expr: Expression, data: Mapping[str, Any], *, where: str) -> bool:
    """``expr`` on ``data``; an evaluation error stops the gate (fail closed) naming ``where``."""
    try:
        return expr.evaluate(data)
    except CelError as exc:
        raise GuardrailsError(
            f"{where}: `when` failed: {exc}",
            fix="guard optional fields with has(...) or fix the expression; "
            "`guardrails policies test` runs it on fixtures",
        ) from exc
