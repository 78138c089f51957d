"""Small readers of stdlib ``ast`` nodes, shared by every stage that reads Python.

Import extraction, attribute-use resolution and the semantic diff all name expressions the
same way; one definition keeps them agreeing.
"""

from __future__ import annotations

import ast


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
