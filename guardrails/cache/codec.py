"""Frozen dataclasses to plain data and back, for ``marshal``.

A dataclass instance becomes a *list* ``[class name, field values...]`` (the only lists in
an encoded value: real lists are refused, our records hold tuples); tuples, dicts,
frozensets and scalars stay what they are. Decoding builds only classes the caller names, so
a forged entry can at worst fail to decode (``CodecError``, read as a cache miss), never
build something else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

_SCALARS = (str, int, float, bool, bytes, type(None), complex)


class CodecError(ValueError):
    pass


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def encode(value: object) -> object:
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, tuple):
        return tuple(encode(v) for v in value)
    if isinstance(value, dict):
        return {encode(k): encode(v) for k, v in value.items()}
    if isinstance(value, frozenset):
        return frozenset(encode(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        return [cls.__qualname__, *(encode(getattr(value, n)) for n in _names(cls))]
    raise CodecError(f"cannot cache a {type(value).__name__}")


class Decoder:
    """Decodes values whose dataclasses are among ``classes`` (matched by qualified name)."""

    def __init__(self, classes: Iterable[type]) -> None:
        self.classes: Mapping[str, type] = {c.__qualname__: c for c in classes}

    def __call__(self, data: object) -> Any:
        if isinstance(data, _SCALARS):
            return data
        if isinstance(data, tuple):
            return tuple(self(v) for v in data)
        if isinstance(data, dict):
            return {self(k): self(v) for k, v in data.items()}
        if isinstance(data, frozenset):
            return frozenset(self(v) for v in data)
        if isinstance(data, list) and data and isinstance(data[0], str):
            cls = self.classes.get(data[0])
            names = _names(cls) if cls is not None else ()
            if cls is None or len(names) != len(data) - 1:
                raise CodecError(f"unexpected record {data[0]!r}")
            obj: Any = object.__new__(cls)
            for name, raw in zip(names, data[1:], strict=True):
                # Frozen: set through object, as dataclasses' own __init__ does.
                object.__setattr__(obj, name, self(raw))
            return obj
        raise CodecError(f"unexpected {type(data).__name__} in a cache entry")
