"""Where Python code reads a feature flag: a call whose first argument is the key, literally.

Recognised calls (by the called name, whatever object it is called on, since clients are
usually built at start-up and passed around):

- OpenFeature: ``get_boolean_value``, ``get_string_details``, ... (every
  ``get_<type>_value`` / ``get_<type>_details``, and their ``_async`` forms);
- LaunchDarkly: ``variation``, ``variation_detail``;
- Unleash: ``is_enabled``, ``get_variant``;
- the catalog's ``flags[].readers``: ``is_on`` matches any call of that name; a dotted
  ``acme.flags.is_on`` matches a call written as a tail of it (``flags.is_on(...)``) or
  ending with it.

absl flags are read as attributes, ``FLAGS.use_new_ranker`` (``flags.FLAGS.x`` too), and
flag-module constants through imports (``from config.flags import NEW_PATH``: see
:mod:`guardrails.flags.nodes`). A key built at run time (``get_boolean_value(name, ...)``)
cannot be followed, and is not guessed at.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterable

import msgspec

_TYPES = ("boolean", "string", "integer", "float", "object")
OPENFEATURE = frozenset(
    f"get_{t}_{kind}{suffix}"
    for t in _TYPES
    for kind in ("value", "details")
    for suffix in ("", "_async")
)
LAUNCHDARKLY = frozenset({"variation", "variation_detail"})
UNLEASH = frozenset({"is_enabled", "get_variant"})
BUILTIN_READERS = OPENFEATURE | LAUNCHDARKLY | UNLEASH


class FlagRead(msgspec.Struct, frozen=True, order=True):
    path: str
    line: int
    key: str
    call: str  # the called name as written, e.g. "client.get_boolean_value"
    text: str  # the source line, stripped: the evidence shown by `affected --why`


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):  # ldclient.get().variation(...): keep the tail
        parts.append("()")
    else:
        return None
    return ".".join(reversed(parts))


def _matches(dotted: str, readers: Collection[str], custom: Iterable[str]) -> bool:
    if dotted.rsplit(".", 1)[-1] in readers:
        return True
    # `acme.flags.is_on` configured: `flags.is_on(...)` and `acme.flags.is_on(...)` match
    # (the module imported under its last name), and so does `x.acme.flags.is_on(...)`.
    return any(dotted == c or c.endswith("." + dotted) or dotted.endswith("." + c) for c in custom)


def find_reads(
    path: str,
    source: bytes,
    keys: Collection[str] | None,
    custom: Collection[str] = (),
    absl_keys: Collection[str] = (),
) -> list[FlagRead]:
    """The reads of the flags ``keys`` (None: of any literal key; and of the absl flags
    ``absl_keys``, read as ``FLAGS.<key>``) in one Python file (sorted; none when it cannot
    parse)."""
    last = {c.rsplit(".", 1)[-1] for c in custom}
    names = BUILTIN_READERS | last
    # Cheap before parsing: most files name no reader at all.
    absl = bool(absl_keys) and b"FLAGS" in source
    if not absl and not any(n.encode() in source for n in names):
        return []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    lines = source.decode("utf-8", "surrogateescape").splitlines()
    dotted_custom = [c for c in custom if "." in c]
    plain_custom = frozenset(c for c in custom if "." not in c)
    out: list[FlagRead] = []
    for node in ast.walk(tree):
        if (
            absl
            and isinstance(node, ast.Attribute)
            and node.attr in absl_keys
            and _dotted(node.value) in ("FLAGS", "flags.FLAGS", "absl.flags.FLAGS")
        ):
            text = lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""
            out.append(FlagRead(path, node.lineno, node.attr, f"FLAGS.{node.attr}", text))
            continue
        if not isinstance(node, ast.Call) or not node.args:
            continue
        first = node.args[0]
        if not isinstance(first, ast.Constant) or not isinstance(first.value, str):
            continue
        if keys is not None and first.value not in keys:
            continue
        dotted = _dotted(node.func)
        if dotted is None or not _matches(dotted, BUILTIN_READERS | plain_custom, dotted_custom):
            continue
        text = lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""
        out.append(FlagRead(path, node.lineno, first.value, dotted, text))
    return sorted(out)
