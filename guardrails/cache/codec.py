"""Records (``msgspec.Struct`` or frozen dataclasses) to plain data and back, for ``marshal``.

A record becomes a *list* ``[class name, field values...]`` (the only lists in an encoded
value: real lists are refused, our records hold tuples); tuples, dicts, frozensets and
scalars stay what they are. Decoding builds only classes the caller names, so a forged entry
can at worst fail to decode (``CodecError``, read as a cache miss), never build something
else. A Struct is built by its own constructor (in C: no Python runs but the class's own
``__post_init__``, if it defines one); a dataclass bypasses its ``__init__`` and has its
fields set one by one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from functools import cache
from types import ModuleType
from typing import Any, cast

import msgspec

_SCALARS = (str, int, float, bool, bytes, type(None), complex)


class CodecError(ValueError):
    pass


def is_record_class(c: object) -> bool:
    """Whether ``c`` is a class the codec encodes: a Struct or a dataclass."""
    return isinstance(c, type) and (issubclass(c, msgspec.Struct) or dataclasses.is_dataclass(c))


def records_of(module: ModuleType) -> Iterable[type]:
    """The record classes defined or imported at the top of ``module``."""
    return (c for c in vars(module).values() if is_record_class(c))


@cache
def _names(cls: type) -> tuple[str, ...]:
    if issubclass(cls, msgspec.Struct):
        return cls.__struct_fields__
    return tuple(f.name for f in dataclasses.fields(cast(Any, cls)))


def encode(value: object) -> object:
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, tuple):
        return tuple(encode(v) for v in value)
    if isinstance(value, dict):
        return {encode(k): encode(v) for k, v in value.items()}
    if isinstance(value, frozenset):
        return frozenset(encode(v) for v in value)
    if isinstance(value, msgspec.Struct) or (
        dataclasses.is_dataclass(value) and not isinstance(value, type)
    ):
        cls = type(value)
        return [cls.__qualname__, *(encode(getattr(value, n)) for n in _names(cls))]
    raise CodecError(f"cannot cache a {type(value).__name__}")


class Decoder:
    """Decodes values whose records are among ``classes`` (matched by qualified name)."""

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
            if issubclass(cls, msgspec.Struct):
                return cls(*map(self, data[1:]))
            obj: Any = object.__new__(cls)
            for name, raw in zip(names, data[1:], strict=True):
                # Frozen: set through object, as dataclasses' own __init__ does.
                object.__setattr__(obj, name, self(raw))
            return obj
        raise CodecError(f"unexpected {type(data).__name__} in a cache entry")
