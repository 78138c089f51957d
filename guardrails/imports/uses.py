"""Attribute use: does a file that imports a module object name a given member of it?

``import pkg.config`` or ``from pkg import config`` makes every public name of ``config``
reachable, but a file uses only the ones it names: ``config.TIMEOUT``, ``pkg.config.TIMEOUT``,
``getattr(config, "TIMEOUT")``. A rule asking "who breaks if ``config.RETRIES`` goes away"
must count only those (issue 9: one removed constant was "imported by 120 sites").

Field reads are the same question for a member of a record class: ``x.field``,
``x["Field"]`` (a TypedDict), a keyword ``Field=`` (a constructor call).

Answers are ``None`` when the file cannot be read or parsed: the caller then counts the site,
since not knowing is not evidence that nobody uses it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import msgspec

from guardrails.pyast import dotted_name
from guardrails.records import repr_omitting


class FileUses(msgspec.Struct):
    """What one file names: dotted attribute chains, literal subscripts and keywords."""

    tree: ast.Module
    chains: set[str] = msgspec.field(default_factory=set)
    subscripts: set[str] = msgspec.field(default_factory=set)
    keywords: set[str] = msgspec.field(default_factory=set)
    attributes: set[str] = msgspec.field(default_factory=set)  # every `.name` read, on anything
    # last part of every callee called with positional arguments (`UserEvent(a, b)`): a
    # record built by position breaks when any of its fields goes, read or not
    positional_calls: set[str] = msgspec.field(default_factory=set)
    # module -> its bindings; a cache (this object is built once per file and then only read)
    _bindings: dict[str, set[str]] = msgspec.field(default_factory=dict)  # not in the repr

    def __repr__(self) -> str:
        return repr_omitting(self, ("_bindings",))

    @classmethod
    def parse(cls, source: str) -> FileUses | None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        uses = cls(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                uses.attributes.add(node.attr)
                chain = dotted_name(node)
                if chain is not None:
                    uses.chains.add(chain)
            elif isinstance(node, ast.Subscript):
                key = node.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    uses.subscripts.add(key.value)
            elif isinstance(node, ast.Call):
                uses.keywords.update(k.arg for k in node.keywords if k.arg)
                func = node.func
                if node.args:
                    callee = dotted_name(func)
                    if callee is not None:
                        uses.positional_calls.add(callee.rsplit(".", 1)[-1])
                if (
                    isinstance(func, ast.Name)
                    and func.id in ("getattr", "hasattr", "setattr", "delattr")
                    and len(node.args) >= 2
                ):
                    obj, name = node.args[0], node.args[1]
                    if isinstance(name, ast.Constant) and isinstance(name.value, str):
                        uses.attributes.add(name.value)
                        base = dotted_name(obj)
                        if base is not None:
                            uses.chains.add(f"{base}.{name.value}")
        return uses

    def bindings(self, module: str) -> set[str]:
        """Local dotted names through which this file reaches ``module`` as an object."""
        if module not in self._bindings:
            self._bindings[module] = self._find_bindings(module)
        return self._bindings[module]

    def _find_bindings(self, module: str) -> set[str]:
        out: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname is None:
                        # `import a.b.c` binds `a`: the module is reached by its full name.
                        if alias.name == module or _nested(alias.name, module):
                            out.add(module)
                    elif alias.name == module:
                        out.add(alias.asname)
                    elif module.startswith(alias.name + "."):
                        out.add(alias.asname + module[len(alias.name) :])
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    full = f"{base}.{alias.name}" if base else alias.name
                    local = alias.asname or alias.name
                    if _same_module(full, module, relative=node.level > 0):
                        out.add(local)
                    else:
                        # `from pkg import sub` then `sub.mod.NAME` for module pkg.sub.mod
                        rest = _rest_after(full, module, relative=node.level > 0)
                        if rest:
                            out.add(f"{local}.{rest}")
        return out

    def names(self, module: str, attr: str) -> bool:
        """Whether the file names ``module.attr`` through any binding of ``module``."""
        for b in self.bindings(module):
            ref = f"{b}.{attr}"
            if ref in self.chains or any(c.startswith(ref + ".") for c in self.chains):
                return True
        return False

    def reads_field(self, name: str, record: str | None = None) -> bool:
        """Whether the file reads or sets field ``name`` (``x.name``, ``x["name"]``,
        ``name=``), or builds ``record`` from positional arguments."""
        return (
            name in self.attributes
            or name in self.subscripts
            or name in self.keywords
            or (record is not None and record.rsplit(".", 1)[-1] in self.positional_calls)
        )


def _nested(a: str, b: str) -> bool:
    """One dotted name is a package of the other."""
    return a.startswith(b + ".") or b.startswith(a + ".")


def _same_module(full: str, module: str, *, relative: bool) -> bool:
    """``full`` as written in a ``from`` import is ``module`` (relative: a dotted suffix)."""
    return full == module or (relative and module.endswith("." + full))


def _rest_after(full: str, module: str, *, relative: bool) -> str | None:
    """For ``full`` a package above ``module``, the rest of ``module``'s dotted name."""
    if module.startswith(full + "."):
        return module[len(full) + 1 :]
    if relative:
        marker = "." + full + "."
        i = module.find(marker)
        if i >= 0:
            return module[i + len(marker) :]
    return None


class UseIndex:
    """Parsed files on demand, each once, from a ``source(path) -> text | None`` reader."""

    def __init__(self, source: Callable[[str], str | None]) -> None:
        self._source = source
        self._files: dict[str, FileUses | None] = {}

    def file(self, path: str) -> FileUses | None:
        if path not in self._files:
            text = self._source(path)
            self._files[path] = FileUses.parse(text) if text is not None else None
        return self._files[path]

    def names(self, path: str, module: str, attr: str) -> bool | None:
        uses = self.file(path)
        return None if uses is None else uses.names(module, attr)

    def reads_field(self, path: str, name: str, record: str | None = None) -> bool | None:
        uses = self.file(path)
        return None if uses is None else uses.reads_field(name, record)
