"""The names a module binds, read from its ``ast``: qualified definitions with their lines,
import aliases (to resolve a call as written to what it calls) and a literal ``__all__``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable


def _ast_names(
    nodes: Iterable[ast.stmt], scope: str | None, out: dict[str, tuple[int, int]]
) -> None:
    """Qualified names a block defines, with (line, end line): the same names and lines the
    libcst extractor gives, so the two can stand in for each other."""
    for node in nodes:
        end = node.end_lineno or node.lineno
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            qual = f"{scope}.{node.name}" if scope else node.name
            out[qual] = (node.lineno, end)
            if isinstance(node, ast.ClassDef):
                _ast_names(node.body, qual, out)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    out[f"{scope}.{t.id}" if scope else t.id] = (node.lineno, end)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    continue
                bound = alias.asname or (
                    alias.name if isinstance(node, ast.ImportFrom) else alias.name.split(".", 1)[0]
                )
                out[f"{scope}.{bound}" if scope else bound] = (node.lineno, end)
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for block in ("body", "orelse", "finalbody"):
                _ast_names(getattr(node, block, []), scope, out)
            for h in getattr(node, "handlers", []):
                _ast_names(h.body, scope, out)


def _top_level_aliases(tree: ast.Module) -> dict[str, str]:
    aliases: dict[str, str] = {}

    def walk(nodes: Iterable[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        aliases[a.asname] = a.name
                    else:
                        head = a.name.split(".", 1)[0]
                        aliases[head] = head
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                for a in node.names:
                    if a.name != "*":
                        sep = "." if module and not module.endswith(".") else ""
                        aliases[a.asname or a.name] = f"{module}{sep}{a.name}"
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                for block in ("body", "orelse", "finalbody"):
                    walk(getattr(node, block, []))
                for h in getattr(node, "handlers", []):
                    walk(h.body)

    walk(tree.body)
    return aliases


def _resolve(written: str, aliases: dict[str, str]) -> str:
    head, _, rest = written.partition(".")
    target = aliases.get(head)
    if target is None:
        return written
    return f"{target}.{rest}" if rest else target


def _dunder_all(tree: ast.Module | None) -> tuple[str, ...] | None:
    if tree is None:
        return None
    names: list[str] | None = None
    for node in tree.body:
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            target = node.target
        if not (isinstance(target, ast.Name) and target.id == "__all__"):
            continue
        assert isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
        value = node.value
        if not isinstance(value, (ast.List, ast.Tuple)) or not all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
        ):
            return None  # computed: unknown
        items = [e.value for e in value.elts]  # type: ignore[attr-defined]
        names = (names or []) + items if isinstance(node, ast.AugAssign) else items
    return tuple(names) if names is not None else None
