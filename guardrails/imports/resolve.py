"""Source roots and the module index: dotted module names to repository files.

A monorepo has many roots at once (the repository root, ``src/`` layouts, every directory
with its own ``pyproject.toml``, the parent of each service's top-level package), so one
file usually has several names (``services.event_bus.client`` from the repository root,
``event_bus.client`` from ``services/``). That is fine. Two *files* claiming one name is an
ambiguity: imports of it go to the file under the importer's own, most specific root, and
when that does not decide, to every claimant, with a problem saying so (over-reporting the
blast radius is the safe side for a merge gate).
"""

from __future__ import annotations

import keyword
import posixpath
import sys
from bisect import bisect_left
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

import msgspec

from guardrails.catalog.model import Catalog
from guardrails.errors import Problem

_GLOB = set("*?[")
_V = TypeVar("_V")
_V_co = TypeVar("_V_co", covariant=True)
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))


def _norm(base: str, rel: str) -> str | None:
    """``rel`` joined to the directory ``base``, repo-relative and normalised; None outside."""
    joined = posixpath.normpath(posixpath.join(base, rel)) if rel else (base or ".")
    if joined == ".":
        return ""
    if joined.startswith("../") or joined == ".." or joined.startswith("/"):
        return None
    return joined


def _parent(path: str) -> str:
    return path.rpartition("/")[0]  # posixpath.dirname, minus its cost on 100k calls


def all_dirs(paths: Iterable[str]) -> set[str]:
    dirs: set[str] = {""}
    for p in paths:
        d = _parent(p)
        while d not in dirs:
            dirs.add(d)
            d = _parent(d)
    return dirs


def literal_prefix(pattern: str) -> str:
    """The directory a path pattern starts with: ``services/event_bus/**`` -> that dir."""
    parts = []
    for part in pattern.strip("/").split("/"):
        if not part or _GLOB & set(part):
            break
        parts.append(part)
    return "/".join(parts)


def pyproject_roots(directory: str, data: bytes) -> tuple[list[str], str | None]:
    """Roots a pyproject.toml declares for its packages, and an error message if unreadable."""
    import tomllib  # here: only a cold catalog reads a pyproject.toml

    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [], f"cannot read pyproject.toml: {exc}"
    tool = _table(doc, "tool")
    declared: list[str] = []
    setuptools = _table(tool, "setuptools")
    find = _table(_table(setuptools, "packages"), "find")
    declared += [w for w in _strings(find.get("where"))]
    for name, where in _table(setuptools, "package-dir").items():
        if isinstance(where, str):
            # {"": "src"} makes src/ the root; {"pkg": "lib/pkg"} puts pkg under lib/.
            declared.append(where if name == "" else _parent(where.rstrip("/")))
    hatch_build = _table(_table(tool, "hatch"), "build")
    for table in (hatch_build, _table(_table(hatch_build, "targets"), "wheel")):
        declared += [_parent(p.rstrip("/")) for p in _strings(table.get("packages"))]
        sources = table.get("sources")
        declared += list(sources) if isinstance(sources, (list, dict)) else []
    for pkg in _table(tool, "poetry").get("packages") or []:
        if isinstance(pkg, dict) and isinstance(pkg.get("include"), str):
            frm = pkg.get("from")
            declared.append(frm if isinstance(frm, str) else "")
    roots = [
        r for r in (_norm(directory, d) for d in declared if isinstance(d, str)) if r is not None
    ]
    return roots, None


def _table(doc: Any, key: str) -> dict[str, Any]:
    value = doc.get(key) if isinstance(doc, dict) else None
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def find_source_roots(
    paths: Sequence[str],
    read_many: Callable[[Sequence[str]], Mapping[str, bytes]],
    catalog: Catalog,
) -> tuple[tuple[str, ...], tuple[Problem, ...]]:
    """Source roots per DESIGN §10 "Import resolution", sorted; "" is the repository root.

    ``read_many`` is ``Snapshot.read_many``: every pyproject.toml is read in one call.
    """
    if catalog.inference.roots:
        explicit = [_norm("", r.strip("/")) for r in catalog.inference.roots]
        return tuple(sorted({r for r in explicit if r is not None})), ()
    pathset = set(paths)
    dirs = all_dirs(paths)
    roots = {""}
    problems: list[Problem] = []
    pyprojects = [p for p in paths if p == "pyproject.toml" or p.endswith("/pyproject.toml")]
    contents = read_many(pyprojects) if pyprojects else {}
    for p in pyprojects:
        d = _parent(p)
        roots.add(d)
        declared, error = pyproject_roots(d, contents.get(p, b""))
        if error:
            problems.append(Problem(error, path=p, severity="info"))
        roots.update(r for r in declared if r in dirs)
    for d in list(roots):
        src = f"{d}/src" if d else "src"
        if src in dirs:
            roots.add(src)
    for service in catalog.services.values():
        for pattern in service.paths:
            prefix = literal_prefix(pattern)
            if not prefix or prefix not in dirs:
                continue
            if f"{prefix}/__init__.py" not in pathset:
                roots.add(prefix)  # a service directory holding top-level packages/modules
                continue
            top = prefix
            while _parent(top) and f"{_parent(top)}/__init__.py" in pathset:
                top = _parent(top)
            roots.add(_parent(top))
    return tuple(sorted(roots)), tuple(problems)


def _is_name(part: str) -> bool:
    return part.isidentifier() and not keyword.iskeyword(part)


class _Place(msgspec.Struct, frozen=True):
    """A directory as seen from one root that contains it."""

    root: str
    prefix: str | None  # its dotted name under the root ("" for the root), None if invalid
    packages: tuple[str, ...]  # the package names on the way: a, a.b, a.b.c


def _places(directory: str, rootset: set[str]) -> tuple[_Place, ...]:
    """The roots containing ``directory``, most specific first, with its name under each."""
    out = []
    d = directory
    while True:
        if d in rootset:
            rel = directory[len(d) + 1 :] if d else directory
            parts = rel.split("/") if rel else []
            if all(map(_is_name, parts)):
                prefixes = tuple(".".join(parts[:i]) for i in range(1, len(parts) + 1))
                out.append(_Place(d, ".".join(parts), prefixes))
            else:
                out.append(_Place(d, None, ()))
        if not d:
            break
        d = _parent(d)
    return tuple(out)


def _names(path: str, places: tuple[_Place, ...]) -> list[tuple[str, _Place, bool]]:
    """The module names of the file ``path`` under each of its ``places``, most specific first,
    with whether it is a package's ``__init__``."""
    d = _parent(path)
    stem = path[len(d) + 1 : -3] if d else path[:-3]
    is_pkg = stem == "__init__"
    if not is_pkg and not _is_name(stem):
        return []
    out = []
    for place in places:
        if place.prefix is None:
            continue  # a directory on the way is not a package name
        if is_pkg:
            if not place.prefix:
                continue  # the root's own __init__.py names nothing
            name = place.prefix
        else:
            name = f"{place.prefix}.{stem}" if place.prefix else stem
        out.append((name, place, is_pkg))
    return out


class _Table(Generic[_V]):
    """A table of the index computed one key at a time, each answer kept."""

    def __init__(self, compute: Callable[[str], _V | None]) -> None:
        self._compute = compute
        self._known: dict[str, _V | None] = {}

    def get(self, key: str, /) -> _V | None:
        if key in self._known:
            return self._known[key]
        value = self._known[key] = self._compute(key)
        return value

    def __contains__(self, key: object, /) -> bool:
        return isinstance(key, str) and self.get(key) is not None


class _Lazy:
    """The answers :meth:`ModuleIndex.build` would give, for one name or file at a time."""

    def __init__(self, py_files: Sequence[str], roots: Sequence[str]) -> None:
        self.py_files = py_files
        self.paths = set(py_files)
        self.ordered = sorted(self.paths)
        self.rootset = set(roots)
        self.position: dict[str, int] | None = None
        self.places: dict[str, tuple[_Place, ...]] = {}

    def claims(self, name: str) -> list[tuple[str, str]] | None:
        # A file is named a.b under root r only as r/a/b.py or r/a/b/__init__.py, with every
        # part a name (a file r/a/__init__.py is "a", never "a.__init__").
        parts = name.split(".")
        if not all(map(_is_name, parts)):
            return None
        rel = "/".join(parts)
        found = []
        for root in self.rootset:
            base = f"{root}/{rel}" if root else rel
            if parts[-1] != "__init__" and f"{base}.py" in self.paths:
                found.append((f"{base}.py", root))
            if f"{base}/__init__.py" in self.paths:
                found.append((f"{base}/__init__.py", root))
        if len(found) > 1:  # in path-list order, as build() lists them
            if self.position is None:
                self.position = {p: i for i, p in enumerate(self.py_files)}
            found.sort(key=lambda claim: self.position[claim[0]])  # type: ignore[index]
        return found or None

    def package(self, name: str) -> bool | None:
        # A package is a directory on the way to a module: some file under r/a/b/ whose
        # every part below the root is a name.
        parts = name.split(".")
        if not all(map(_is_name, parts)):
            return None
        rel = "/".join(parts)
        for root in self.rootset:
            prefix = f"{root}/{rel}/" if root else f"{rel}/"
            i = bisect_left(self.ordered, prefix)
            while i < len(self.ordered) and self.ordered[i].startswith(prefix):
                below = self.ordered[i][len(prefix) : -3].split("/")
                if all(map(_is_name, below[:-1])) and (
                    below[-1] == "__init__" or _is_name(below[-1])
                ):
                    return True
                i += 1
        return None

    def _places_of(self, path: str) -> tuple[_Place, ...]:
        d = _parent(path)
        found = self.places.get(d)
        if found is None:
            found = self.places[d] = _places(d, self.rootset)
        return found

    def own_name(self, path: str) -> tuple[str, bool] | None:
        if path not in self.paths:
            return None
        names = _names(path, self._places_of(path))
        return (names[0][0], names[0][2]) if names else None

    def file_roots(self, path: str) -> tuple[str, ...] | None:
        if path not in self.paths:
            return None
        return tuple(place.root for place in self._places_of(path))


class _Lookup(Protocol[_V_co]):
    """What resolution asks of one of the index's tables (a dict, or a :class:`_Table`)."""

    def get(self, key: str, /) -> _V_co | None: ...

    def __contains__(self, key: object, /) -> bool: ...


class ModuleIndex(msgspec.Struct):
    """Module names of the repository's Python files under the given roots."""

    roots: tuple[str, ...]
    # name -> ((file, root that gives it this name), ...)
    modules: _Lookup[list[tuple[str, str]]] = msgspec.field(default_factory=dict)
    # every package name, regular or namespace (directories on the way to a module)
    packages: Container[str] = msgspec.field(default_factory=set)
    # file -> (its name under its most specific root, is it a package __init__)
    own_name: _Lookup[tuple[str, bool]] = msgspec.field(default_factory=dict)
    # file -> every root containing it, most specific first
    file_roots: _Lookup[tuple[str, ...]] = msgspec.field(default_factory=dict)

    @classmethod
    def build(cls, py_files: Iterable[str], roots: Sequence[str]) -> ModuleIndex:
        rootset = set(roots)
        modules: dict[str, list[tuple[str, str]]] = {}
        packages: set[str] = set()
        own_name: dict[str, tuple[str, bool]] = {}
        file_roots: dict[str, tuple[str, ...]] = {}
        # Files share directories (localstack: 1,214 files in 240): what a directory is
        # under each root is worked out once per directory, not once per file.
        places: dict[str, tuple[_Place, ...]] = {}
        for path in py_files:
            d = _parent(path)
            found = places.get(d)
            if found is None:
                found = places[d] = _places(d, rootset)
            file_roots[path] = tuple(place.root for place in found)
            for name, place, is_pkg in _names(path, found):  # most specific root first
                modules.setdefault(name, []).append((path, place.root))
                packages.update(place.packages)
                own_name.setdefault(path, (name, is_pkg))
        return cls(tuple(roots), modules, packages, own_name, file_roots)

    @classmethod
    def lazy(cls, py_files: Sequence[str], roots: Sequence[str]) -> ModuleIndex:
        """The same index, each name and file looked up when resolution first asks for it.

        A build that resolves a few changed files asks for the names those files import:
        a name is a set lookup per root and spelling (``a/b.py``, ``a/b/__init__.py``), not
        the naming of every file in the repository first (most of such a build's time).
        """
        lazy = _Lazy(py_files, roots)
        return cls(
            tuple(roots),
            _Table(lazy.claims),
            _Table(lazy.package),
            _Table(lazy.own_name),
            _Table(lazy.file_roots),
        )

    def is_first_party(self, top: str) -> bool:
        return top in self.modules or top in self.packages

    def candidates(self, name: str, importer: str) -> tuple[str, ...]:
        """Files named ``name``, as seen from the file ``importer`` (see module docstring)."""
        claims = self.modules.get(name)
        if not claims:
            return ()
        top = name.split(".", 1)[0]
        if len(claims) == 1 and top not in _STDLIB:
            return (claims[0][0],)
        mine = self.file_roots.get(importer) or ()
        rank = {root: i for i, root in enumerate(mine)}
        own = [(rank[root], path) for path, root in claims if root in rank]
        if own:
            best = min(r for r, _ in own)
            return tuple(sorted(path for r, path in own if r == best))
        if top in _STDLIB:
            # `import logging` from elsewhere means the stdlib, not some service's logging.py.
            return ()
        return tuple(sorted({path for path, _ in claims}))

    def absolute(self, importer: str, module: str, level: int) -> str | None | Problem:
        """The absolute module a relative import names, or a Problem when it cannot."""
        if level == 0:
            return module
        own = self.own_name.get(importer)
        if own is None:
            found = self._nameless(importer)
            if isinstance(found, Problem):
                return found
            package = found
        else:
            name, is_pkg = own
            package = name.split(".") if is_pkg else name.split(".")[:-1]
        name = ".".join(package)
        if level > len(package):
            return Problem(
                f"relative import beyond the top-level package {package[0] if package else name!r}",
                path=importer,
                severity="info",
            )
        base = package[: len(package) - level + 1]
        return ".".join(base + [module]) if module else ".".join(base)

    def _nameless(self, importer: str) -> list[str] | Problem:
        """The package of a file with no module name, or why it has none and the fix that
        would help. Django's ``migrations/0002_x.py`` are not under a missing source root:
        their names start with a digit, so no import statement names them, but Django loads
        them with importlib inside their package, and their relative imports resolve there."""
        roots = self.file_roots.get(importer) or ()
        root = roots[0] if roots else ""
        rel = importer[len(root) + 1 :] if root else importer
        parts = rel[:-3].split("/") if rel.endswith(".py") else rel.split("/")
        bad = next((i for i, part in enumerate(parts) if not _is_name(part)), None)
        if bad is not None and bad == len(parts) - 1:
            if bad > 0:
                return parts[:-1]  # a package directory holds it: resolve from there
            return Problem(
                f"relative import in '{rel}', a top-level file whose name is not a module "
                "name, so it is in no package",
                path=importer,
                severity="info",
                fix="use an absolute import, or move it into a package",
            )
        if bad is not None:
            above = "/".join([root, *parts[: bad + 1]] if root else parts[: bad + 1])
            return Problem(
                f"relative import under directory '{parts[bad]}', which is not a valid "
                "package name, so the file has no module name",
                path=importer,
                severity="info",
                fix=f"add '{above}' to inference.roots in guardrails.yaml",
            )
        return Problem(
            "relative import in a file that is not inside a package under a source root",
            path=importer,
            severity="info",
            fix="add its directory to inference.roots in guardrails.yaml",
        )

    def resolve(
        self, importer: str, module: str, names: tuple[str, ...]
    ) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
        """Targets of one import: ``[(module, names it brings, files), ...]``.

        ``from a.b import c`` goes to the file of ``a.b.c`` when that is a module, else to
        ``a.b``; a name that exists nowhere falls back to its longest existing prefix
        (``import a.b.attr``). Third-party modules give nothing.
        """
        if not self.is_first_party(module.split(".", 1)[0]):
            return []
        out: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
        rest: list[str] = []
        if names and names != ("*",):
            for n in names:
                sub = f"{module}.{n}" if module else n
                files = self.candidates(sub, importer) if sub in self.modules else ()
                if files:
                    out.append((sub, (n,), files))
                else:
                    rest.append(n)
        else:
            rest = list(names)
        if rest or not out:
            target = module
            while target:
                files = self.candidates(target, importer)
                if files:
                    out.append((target, tuple(rest), files))
                    break
                target = target.rpartition(".")[0]
        return out
