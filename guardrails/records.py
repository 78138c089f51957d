"""What the record classes (``msgspec.Struct``) share that msgspec does not generate.

msgspec has no per-field ``repr=False`` or ``compare=False``: a record that hides a field
from its repr (file contents, caches) defines ``__repr__`` with :func:`repr_omitting`, which
gives what the dataclass did (``Cls(a=1, b='x')`` without the hidden fields), and one that
leaves fields out of ``==`` and ``hash`` takes both from :func:`compared_by`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import msgspec


def repr_omitting(record: msgspec.Struct, hidden: Collection[str]) -> str:
    shown = ", ".join(
        f"{name}={getattr(record, name)!r}"
        for name in record.__struct_fields__
        if name not in hidden
    )
    return f"{type(record).__qualname__}({shown})"


def compared_by(*names: str) -> tuple[Callable[[Any, object], Any], Callable[[Any], int]]:
    """``__eq__`` and ``__hash__`` over ``names`` alone, as a dataclass generated them with
    ``compare=False`` on the other fields (another class is ``NotImplemented``). In a record's
    class body: ``__eq__, __hash__ = compared_by("a", "b")``."""

    def key(record: Any) -> tuple[object, ...]:
        return tuple(getattr(record, name) for name in names)

    def __eq__(self: Any, other: object) -> Any:
        if type(other) is not type(self):
            return NotImplemented
        return key(self) == key(other)

    def __hash__(self: Any) -> int:
        return hash(key(self))

    return __eq__, __hash__
