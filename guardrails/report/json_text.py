"""``json.dumps(doc, indent=2, ensure_ascii=False)``, byte for byte, at C speed where it can.

With ``indent`` set, CPython gives up its C encoder and walks the document with nested Python
generators: most of the cost of a large ``graph --format json``. Here containers are walked in
Python (plain appends, no generators) and every *flat* container (one holding only strings,
numbers, booleans and null) goes to the C encoder in one call, its item separator carrying
the newline and the indentation of that depth: the same bytes, since a flat container's items
all sit at one depth. Anything unusual (a key that is not a str, a value that is not plain
JSON data, a cycle) is handed to ``json.dumps`` itself, so it fails or succeeds exactly as
before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

_INF = float("inf")
# Exact types only: a subclass (an IntEnum, a str subclass) takes the reference path.
_LEAVES = frozenset({str, int, float, bool, type(None)})
_KEYS = frozenset({str})
_string: Callable[[str], str] = json.encoder.encode_basestring
# item indentation -> an encoder of flat containers: (value, 0) -> chunks of its text
_flat_encoders: dict[str, Callable[[Any, int], Sequence[str]]] = {}


class _Unusual(Exception):
    """A value this walk does not render itself: ``json.dumps`` renders (or refuses) it."""


def _flat(indent: str) -> Callable[[Any, int], Sequence[str]]:
    """The C encoder for a flat container whose items sit at ``indent``."""
    found = _flat_encoders.get(indent)
    if found is None:
        separator = ",\n" + indent
        # (not in typeshed: the C half of json.encoder, None without the accelerator)
        make = getattr(json.encoder, "c_make_encoder", None)
        if make is None:  # no C accelerator: the encoder class (slower, same bytes)
            encode = json.JSONEncoder(ensure_ascii=False, separators=(separator, ": ")).encode

            def found(o: Any, _level: int) -> Sequence[str]:
                return (encode(o),)

        else:
            # markers None: no cycle check, a flat container holds no container.
            found = make(None, None, _string, None, ": ", separator, False, False, True)
        _flat_encoders[indent] = found
    return found


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return float.__repr__(value)


def dumps(doc: Any) -> str:
    """``json.dumps(doc, indent=2, ensure_ascii=False)``."""
    try:
        return _value(doc, "")
    except (_Unusual, TypeError, ValueError, RecursionError):
        # A non-str key, a value JSON has no form for, a cycle, an int too long to print:
        # the reference decides (and raises its own error).
        return json.dumps(doc, indent=2, ensure_ascii=False)


def _value(o: Any, indent: str) -> str:
    t = type(o)
    if t is str:
        return _string(o)
    if t is dict:
        if not o:
            return "{}"
        inner = indent + "  "
        if _LEAVES.issuperset(map(type, o.values())) and _KEYS.issuperset(map(type, o)):
            encode = _flat_encoders.get(inner) or _flat(inner)
            return "{\n" + inner + "".join(encode(o, 0))[1:-1] + "\n" + indent + "}"
        if not _KEYS.issuperset(map(type, o)):
            raise _Unusual
        items = [_string(k) + ": " + _value(v, inner) for k, v in o.items()]
        return "{\n" + inner + (",\n" + inner).join(items) + "\n" + indent + "}"
    if t is list or t is tuple:
        if not o:
            return "[]"
        inner = indent + "  "
        if _LEAVES.issuperset(map(type, o)):
            encode = _flat_encoders.get(inner) or _flat(inner)
            return "[\n" + inner + "".join(encode(o, 0))[1:-1] + "\n" + indent + "]"
        items = [_value(v, inner) for v in o]
        return "[\n" + inner + (",\n" + inner).join(items) + "\n" + indent + "]"
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if t is int:
        return int.__repr__(o)
    if t is float:
        return _float(o)
    raise _Unusual
