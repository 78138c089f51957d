"""A synthetic Python monorepo whose service dependencies are known by construction.

Used by the import benchmark (``python -m benchmarks imports``) and by the cross-check test
(tests/test_imports_crosscheck.py), which asserts that the import graph finds exactly the
service edges written here.

Layout: most services are packages under ``services/`` (``services/svc_007/__init__.py``);
every tenth lives in its own project ``libs/<name>/`` with a ``pyproject.toml`` and a ``src/``
layout. Services form a random DAG (fan-out about 3) plus a few large cycles. Cross-service
imports use every form the extractor knows: ``import a.b``, ``from a import b``, ``from a.b
import Sym as X``, imports inside functions, ``importlib.import_module("a.b")``, ``try/except
ImportError`` (weak) and ``if TYPE_CHECKING:`` (type-only, counted apart). Module bodies are
ordinary code (classes, functions, loops) so parse costs are realistic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

STDLIB = (
    "os",
    "sys",
    "json",
    "re",
    "logging",
    "typing",
    "dataclasses",
    "collections",
    "functools",
    "itertools",
    "pathlib",
    "datetime",
)
THIRD_PARTY = ("requests", "yaml", "numpy", "pydantic", "sqlalchemy", "boto3")


@dataclass
class Generated:
    root: Path
    services: dict[str, str] = field(default_factory=dict)  # service name -> directory
    packages: dict[str, str] = field(default_factory=dict)  # service name -> top-level package
    source_roots: set[str] = field(default_factory=set)  # where the packages live
    runtime_edges: set[tuple[str, str]] = field(default_factory=set)  # non-type-only imports
    type_only_edges: set[tuple[str, str]] = field(default_factory=set)  # only under TYPE_CHECKING
    weak_edges: set[tuple[str, str]] = field(
        default_factory=set
    )  # service pairs with a weak import
    strong_edges: set[tuple[str, str]] = field(
        default_factory=set
    )  # with a non-weak runtime import
    files: int = 0
    lines: int = 0

    def service_of(self, path: str) -> str | None:
        for name, directory in self.services.items():
            if path.startswith(directory + "/"):
                return name
        return None


def _body(rng: random.Random, n_lines: int, tag: str) -> list[str]:
    out: list[str] = []
    i = 0
    while len(out) < n_lines:
        i += 1
        kind = rng.random()
        if kind < 0.4:
            out += [
                f"def {tag}_fn{i}(value: int, items: list[str] | None = None) -> dict[str, int]:",
                f'    """Compute thing {i}."""',
                "    result: dict[str, int] = {}",
                "    for idx, item in enumerate(items or []):",
                "        if idx % 3 == value:",
                "            result[item] = idx * value + len(item)",
                "        else:",
                "            result.setdefault(item, 0)",
                "    return result",
                "",
            ]
        elif kind < 0.75:
            out += [
                f"class {tag.title()}Thing{i}:",
                "    limit = 10",
                "",
                "    def __init__(self, name: str, *, retries: int = 3) -> None:",
                "        self.name = name",
                "        self.retries = retries",
                "",
                "    def run(self, payload: dict[str, object]) -> bool:",
                "        try:",
                "            return bool(payload.get(self.name)) and self.retries < self.limit",
                "        except (KeyError, TypeError) as exc:",
                '            raise RuntimeError(f"bad payload {exc}") from exc',
                "",
            ]
        else:
            out += [
                f"CONSTANT_{i} = {{'a': {i}, 'b': [{i}, {i + 1}], 'c': ({i} * 2, 'x')}}",
                f"LOOKUP_{i} = [x * {i % 7 + 1} for x in range({i % 11 + 5}) if x % 2]",
                "",
            ]
    return out


def generate(
    root: Path,
    *,
    files: int = 5000,
    services: int = 300,
    seed: int = 0,
    fanout: int = 3,
    cycles: int = 3,
    cycle_length: int = 20,
    lines: tuple[int, int] = (40, 220),
) -> Generated:
    """Write the monorepo under ``root`` and return what it contains."""
    rng = random.Random(seed)
    gen = Generated(root)
    names = [f"svc_{i:03d}" for i in range(services)]
    layout: dict[str, tuple[str, str]] = {}  # service -> (package dir, source root)
    for i, name in enumerate(names):
        if i % 10 == 9:
            project = f"libs/{name.replace('_', '-')}"
            (root / project).mkdir(parents=True, exist_ok=True)
            (root / project / "pyproject.toml").write_text(
                f'[project]\nname = "{name}"\nversion = "0.1"\n\n'
                '[tool.setuptools.packages.find]\nwhere = ["src"]\n'
            )
            gen.files += 0
            layout[name] = (f"{project}/src/{name}", f"{project}/src")
            gen.services[name.replace("_", "-")] = project
        else:
            layout[name] = (f"services/{name}", "services")
            gen.services[name.replace("_", "-")] = f"services/{name}"
        gen.packages[name.replace("_", "-")] = name
        gen.source_roots.add(layout[name][1])

    # Modules per service: every service gets a package, an api module and a core
    # subpackage; the remaining files are spread at random.
    modules: dict[str, list[str]] = {
        n: [n, f"{n}.api", f"{n}.core", f"{n}.core.engine"] for n in names
    }
    remaining = max(files - 4 * services, 0)
    for j in range(remaining):
        n = rng.choice(names)
        sub = rng.random()
        if sub < 0.6:
            modules[n].append(f"{n}.m{j}")
        else:
            modules[n].append(f"{n}.core.m{j}")

    deps: dict[str, set[str]] = {n: set() for n in names}
    for i, n in enumerate(names):
        for _ in range(rng.randint(0, 2 * fanout)):
            if i > 0:
                deps[n].add(names[rng.randrange(0, i)])  # a DAG: depend on older services
    for _ in range(cycles):
        ring = rng.sample(names, min(cycle_length, services))
        for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
            deps[a].add(b)

    def svc(pkg: str) -> str:
        return pkg.replace("_", "-")

    contents: dict[str, list[str]] = {m: [] for n in names for m in modules[n]}
    # Cross-service imports: each dependency is imported from 1-3 random modules of the
    # service, each time in one of the forms below.
    for n in names:
        for d in sorted(deps[n]):
            for _ in range(rng.randint(1, 3)):
                src = rng.choice(modules[n])
                dst = rng.choice(modules[d])
                form = rng.randrange(7)
                weak = form == 5
                contents[src].extend(_import_text(form, dst, rng))
                gen.runtime_edges.add((svc(n), svc(d)))
                (gen.weak_edges if weak else gen.strong_edges).add((svc(n), svc(d)))
        # Type-only imports of services that are not dependencies: must not count.
        if rng.random() < 0.2:
            d = rng.choice(names)
            if d != n and d not in deps[n]:
                src, dst = rng.choice(modules[n]), rng.choice(modules[d])
                contents[src] += [
                    "from typing import TYPE_CHECKING",
                    "if TYPE_CHECKING:",
                    f"    import {dst}",
                ]
                gen.type_only_edges.add((svc(n), svc(d)))
    gen.type_only_edges -= gen.runtime_edges

    for n in names:
        pkg_dir, _ = layout[n]
        for m in modules[n]:
            parts = m.split(".")
            is_pkg = m in (n, f"{n}.core")
            rel = "/".join(parts[1:])
            path = (
                f"{pkg_dir}/{rel}/__init__.py"
                if is_pkg and rel
                else (f"{pkg_dir}/__init__.py" if is_pkg else f"{pkg_dir}/{rel}.py")
            )
            head = [f'"""Module {m}."""', "from __future__ import annotations", ""]
            head += [f"import {x}" for x in rng.sample(STDLIB, 3)]
            head += [f"import {x}" for x in rng.sample(THIRD_PARTY, 1)]
            # Intra-service imports, absolute and relative.
            if not is_pkg and len(modules[n]) > 4:
                sib = rng.choice(modules[n][4:])
                if sib != m:
                    head.append(f"from {sib.rsplit('.', 1)[0]} import {sib.rsplit('.', 1)[1]}")
                if m.startswith(f"{n}.core."):
                    head.append("from . import engine")
                    head.append("from .. import api")
                else:
                    head.append("from .core import engine")
            text = head + contents[m] + [""] + _body(rng, rng.randint(*lines), parts[-1])
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("\n".join(text) + "\n")
            gen.files += 1
            gen.lines += len(text)
    return gen


def _import_text(form: int, dst: str, rng: random.Random) -> list[str]:
    head, _, last = dst.rpartition(".")
    if form == 0:
        return [f"import {dst}"]
    if form == 1 and head:
        return [f"from {head} import {last}"]
    if form == 2:
        return [f"from {dst} import Thing{rng.randrange(99)} as Alias{rng.randrange(99)}"]
    if form == 3:
        return ["def _lazy():", f"    from {dst} import run", "    return run"]
    if form == 4:
        return ["import importlib", f"_plugin = importlib.import_module({dst!r})"]
    if form == 5:
        return ["try:", f"    import {dst}", "except ImportError:", "    pass"]
    return [f"import {dst} as _m{rng.randrange(999)}"]


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys

    out = generate(Path(sys.argv[1]))
    print(
        f"{out.files} files, {out.lines} lines, {len(out.services)} services, "
        f"{len(out.runtime_edges)} service edges"
    )
