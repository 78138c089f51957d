"""Feature-flag files, read into one plain shape the flag rules and the graph compare.

Formats, chosen by the ``kind`` of the catalog's ``flags:`` entry that matches the file:

- ``flagd``: flagd / OpenFeature flag definitions (JSON, or YAML): ``flags.<key>`` with
  ``state``, ``variants``, ``defaultVariant`` and ``targeting`` (JsonLogic; ``fractional``
  splits are the percentage rollouts; ``{"$ref": name}`` is resolved from the top-level
  ``$evaluators``); the ``$schema`` line is ignored;
- ``python-constants``: module-level constants of a flag module (``NEW_PATH = False``,
  ``RANKER_ROLLOUT: int = 5``);
- ``absl``: ``flags.DEFINE_bool("name", default, "help")`` and the other ``DEFINE_*``;
- ``yaml``: ``key: {default: ..., rollout: N%}`` (at the top level or under ``flags:``),
  optionally with ``owner:``.

A flag's *rollout* is the percentage of users served something other than its default; its
*default* is what everyone else gets (None while a flagd flag is ``DISABLED``: the code's
own default then applies).
"""

from __future__ import annotations

import ast
from typing import Any

import msgspec

from guardrails.semantic.rollouts import percent
from guardrails.semantic.structured import Document, Malformed, read_structured

FLAG_FORMATS = ("flagd", "python-constants", "absl", "yaml")
ABSL_TYPES = {
    "DEFINE_bool": "boolean",
    "DEFINE_boolean": "boolean",
    "DEFINE_string": "string",
    "DEFINE_enum": "string",
    "DEFINE_integer": "number",
    "DEFINE_float": "number",
    "DEFINE_list": "object",
    "DEFINE_multi_string": "object",
}
_ON_STRINGS = frozenset({"on", "true", "enabled", "yes"})
_OFF_STRINGS = frozenset({"", "off", "false", "disabled", "no", "none"})


class Flag(msgspec.Struct, frozen=True):
    key: str
    format: str
    line: int  # where the key is defined
    type: str  # boolean | string | number | object | unknown
    default: Any  # the value served by default; None when disabled or unknown
    enabled: bool = True  # flagd `state`; always True for the other formats
    rollout: float | None = None  # percent of users served a non-default value
    variants: tuple[str, ...] = ()  # flagd variant names
    owner: str | None = None  # written next to the flag (yaml form)
    definition: Any = None  # the whole definition, for "did it change"
    default_line: int | None = None
    rollout_line: int | None = None
    state_line: int | None = None

    @property
    def on_by_default(self) -> bool:
        return self.enabled and is_on(self.default)


def is_on(value: object) -> bool:
    """A served value that turns the behaviour on: true, a positive number, "on"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value > 0
    if isinstance(value, str):
        return value.strip().lower() in _ON_STRINGS
    return False


def is_off(value: object) -> bool:
    """A served value that leaves the behaviour as it was: false, 0, null, "off"."""
    if value is None or value is False:
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value == 0
    if isinstance(value, str):
        return value.strip().lower() in _OFF_STRINGS
    return False


def value_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (dict, list)):
        return "object"
    return "unknown"


def read_flags(fmt: str, path: str, text: str) -> dict[str, Flag] | Malformed:
    """Every flag the file defines, by key (the first definition of a key wins)."""
    if fmt in ("python-constants", "absl"):
        return _python_flags(fmt, text)
    docs = read_structured(path, text)
    if isinstance(docs, Malformed):
        return docs
    out: dict[str, Flag] = {}
    for doc in docs:
        found = _flagd(doc) if fmt == "flagd" else _yaml_form(doc)
        for key, flag in found.items():
            out.setdefault(key, flag)
    return out


# -- flagd ------------------------------------------------------------------------------------


def _flagd(doc: Document) -> dict[str, Flag]:
    flags = doc.get("flags")
    evaluators = doc.get("$evaluators")
    evaluators = evaluators if isinstance(evaluators, dict) else {}
    out: dict[str, Flag] = {}
    if not isinstance(flags, dict):
        return out
    for key, spec in flags.items():
        if not isinstance(spec, dict):
            continue
        variants = spec.get("variants")
        variants = variants if isinstance(variants, dict) else {}
        enabled = str(spec.get("state", "ENABLED")).upper() != "DISABLED"
        default_name = spec.get("defaultVariant")
        default = variants.get(default_name) if isinstance(default_name, str) else None
        types = {value_type(v) for v in variants.values()}
        targeting = _resolve(spec.get("targeting"), evaluators, 0)
        shares = [s for s in _fractional_shares(targeting, variants, default)]
        out[key] = Flag(
            key=key,
            format="flagd",
            line=doc.line_of(("flags", key)),
            type=types.pop() if len(types) == 1 else ("mixed" if types else "unknown"),
            default=default if enabled else None,
            enabled=enabled,
            rollout=max(shares) if shares else None,
            variants=tuple(sorted(str(v) for v in variants)),
            definition={**spec, "targeting": targeting},
            default_line=doc.line_of(("flags", key, "defaultVariant")),
            rollout_line=doc.line_of(("flags", key, "targeting")),
            state_line=doc.line_of(("flags", key, "state")),
        )
    return out


def _resolve(node: Any, evaluators: dict[str, Any], depth: int) -> Any:
    """Targeting with every ``{"$ref": name}`` replaced by the shared evaluator it names."""
    if depth > 50:
        return node
    if isinstance(node, dict):
        ref = node.get("$ref")
        if len(node) == 1 and isinstance(ref, str) and ref in evaluators:
            return _resolve(evaluators[ref], evaluators, depth + 1)
        return {k: _resolve(v, evaluators, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, evaluators, depth + 1) for v in node]
    return node


def _fractional_shares(node: Any, variants: dict[str, Any], default: Any) -> list[float]:
    """For each ``fractional`` split, the percent of users served a non-default value.

    Weights are relative (flagd normalises them); a bucket without a weight weighs 1. The
    first argument may be the bucketing expression (``{"cat": [...]}``), not a bucket.
    """
    out: list[float] = []
    if isinstance(node, dict):
        for op, args in node.items():
            if op == "fractional" and isinstance(args, list):
                total = served = 0.0
                for bucket in args:
                    if not isinstance(bucket, list) or not bucket or not isinstance(bucket[0], str):
                        continue
                    weight = percent(bucket[1]) if len(bucket) > 1 else 1.0
                    weight = 0.0 if weight is None else weight
                    total += weight
                    if variants.get(bucket[0], bucket[0]) != default:
                        served += weight
                if total > 0:
                    out.append(round(100.0 * served / total, 3))
            else:
                out.extend(_fractional_shares(args, variants, default))
    elif isinstance(node, list):
        for item in node:
            out.extend(_fractional_shares(item, variants, default))
    return out


# -- yaml form --------------------------------------------------------------------------------


def _yaml_form(doc: Document) -> dict[str, Flag]:
    root = doc.value
    prefix: tuple[str, ...] = ()
    if isinstance(root, dict) and set(root) == {"flags"} and isinstance(root["flags"], dict):
        root, prefix = root["flags"], ("flags",)
    out: dict[str, Flag] = {}
    if not isinstance(root, dict):
        return out
    for key, spec in root.items():
        if not isinstance(key, str) or not isinstance(spec, dict) or "default" not in spec:
            continue
        owner = spec.get("owner")
        default = spec.get("default")
        out[key] = Flag(
            key=key,
            format="yaml",
            line=doc.line_of((*prefix, key)),
            type=value_type(default),
            default=default,
            rollout=percent(spec.get("rollout")) if "rollout" in spec else None,
            owner=owner if isinstance(owner, str) else None,
            definition=spec,
            default_line=doc.line_of((*prefix, key, "default")),
            rollout_line=doc.line_of((*prefix, key, "rollout")),
        )
    return out


# -- Python -----------------------------------------------------------------------------------


def _python_flags(fmt: str, text: str) -> dict[str, Flag] | Malformed:
    try:
        tree = ast.parse(text)
    except SyntaxError as err:
        return Malformed(f"Python syntax error: {err.msg}", err.lineno)
    except (ValueError, RecursionError) as err:
        return Malformed(f"cannot be parsed: {err}", None)
    out: dict[str, Flag] = {}
    if fmt == "python-constants":
        for stmt in tree.body:
            target, value = _constant(stmt)
            if target is None or value is None or not target.isupper():
                continue
            literal = _literal(value)
            if literal is _UNKNOWN:
                continue
            out.setdefault(
                target,
                Flag(
                    target,
                    fmt,
                    stmt.lineno,
                    value_type(literal),
                    literal,
                    definition=literal,
                    default_line=stmt.lineno,
                ),
            )
        return out
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in ABSL_TYPES:
            continue
        args: dict[str, ast.expr] = dict(zip(("name", "default"), node.args, strict=False))
        args.update({k.arg: k.value for k in node.keywords if k.arg in ("name", "default")})
        key = _literal(args["name"]) if "name" in args else _UNKNOWN
        if not isinstance(key, str):
            continue
        default = _literal(args["default"]) if "default" in args else None
        default = None if default is _UNKNOWN else default
        line = args["default"].lineno if "default" in args else node.lineno
        out.setdefault(
            key,
            Flag(
                key,
                fmt,
                node.lineno,
                ABSL_TYPES[name],
                default,
                definition=(name, default),
                default_line=line,
            ),
        )
    return out


_UNKNOWN = object()


def _constant(stmt: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        return (target.id if isinstance(target, ast.Name) else None), stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id, stmt.value
    return None, None


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return _UNKNOWN
