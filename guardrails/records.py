"""What the record classes (``msgspec.Struct``) share that msgspec does not generate.

msgspec has no per-field ``repr=False``: a record that hides a field from its repr (file
contents, caches) defines ``__repr__`` with :func:`repr_omitting`, which gives what the
dataclass did: ``Cls(a=1, b='x')`` without the hidden fields.
"""

from __future__ import annotations

from collections.abc import Collection

import msgspec


def repr_omitting(record: msgspec.Struct, hidden: Collection[str]) -> str:
    shown = ", ".join(
        f"{name}={getattr(record, name)!r}"
        for name in record.__struct_fields__
        if name not in hidden
    )
    return f"{type(record).__qualname__}({shown})"
