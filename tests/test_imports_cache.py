"""The extraction cache: keyed by content, warm runs re-read only changed blobs, survives
corruption, other versions and concurrent writers."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import msgspec.structs
import pytest
from msgspec.structs import replace

from guardrails.catalog.model import Catalog, Inference, Service
from guardrails.git import Repo
from guardrails.imports import ImportEdge, ImportGraph, build_import_graph
from guardrails.imports.cache import ExtractionCache
from tests.gitrepo import GitRepo


class DirSnapshot:
    """A plain directory as a Snapshot: blob ids from content, like git's."""

    label = "worktree"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.reads: list[str] = []

    def paths(self) -> Sequence[str]:
        return sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()
        )

    def read(self, path: str) -> bytes | None:
        try:
            return (self.root / path).read_bytes()
        except OSError:
            return None

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]:
        self.reads.extend(paths)
        return {p: d for p in paths if (d := self.read(p)) is not None}

    def blob_id(self, path: str) -> str | None:
        data = self.read(path)
        return None if data is None else hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


SERVICES = {"a": "services/a", "b": "services/b", "c": "services/c"}
CATALOG = Catalog(services={n: Service(n, paths=(f"{d}/**",)) for n, d in SERVICES.items()})


def service_of(path: str) -> str | None:
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "services" else None


def tree(n: int = 6) -> dict[str, str]:
    files = {f"services/{s}/__init__.py": "" for s in SERVICES}
    for i in range(n):
        files[f"services/b/m{i}.py"] = f"import a\nVALUE = {i}\n"
    return files


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def build(snapshot: object, cache_dir: Path | None) -> ImportGraph:
    return build_import_graph(snapshot, CATALOG, cache_dir=cache_dir, service_of=service_of)  # type: ignore[arg-type]


def test_cache_file_is_created_under_the_given_dir(repo: GitRepo) -> None:
    repo.write(tree())
    repo.commit("tree")
    git = Repo.open(repo.root)
    cache_dir = git.git_dir / "guardrails"
    build(git.snapshot("HEAD"), cache_dir)
    # The extraction cache, and the entry store's directories of graph states, of the
    # newest state per module index and of the source roots per path list.
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted(
        [ExtractionCache(cache_dir).path.name, "import-graph", "import-latest", "source-roots"]  # type: ignore[union-attr]
    )


def test_warm_run_reads_nothing_and_one_changed_file_is_read_once(repo: GitRepo) -> None:
    repo.write(tree())
    repo.commit("tree")
    git = Repo.open(repo.root)
    cache_dir = git.git_dir / "guardrails"
    cold = build(git.snapshot("HEAD"), cache_dir)
    assert cold.stats is not None
    # 3 __init__.py share one (empty) blob: 6 modules + 1 distinct blob
    assert (cold.stats.files, cold.stats.parsed, cold.stats.cached) == (9, 7, 0)

    warm = build(git.snapshot("HEAD"), cache_dir)
    assert warm.stats is not None and (warm.stats.parsed, warm.stats.cached) == (0, 7)
    assert warm == cold

    repo.write({"services/b/m3.py": "import c\nVALUE = 3\n"})
    repo.commit("m3 now uses c")
    changed = build(git.snapshot("HEAD"), cache_dir)
    assert changed.stats is not None and (changed.stats.parsed, changed.stats.cached) == (1, 6)
    assert ("b", "c") in changed.service_edges()


def test_content_change_with_identical_mtime_and_size_is_seen(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write(root, tree())
    cache_dir = tmp_path / "cache"
    target = root / "services/b/m0.py"
    before = build(DirSnapshot(root), cache_dir)
    assert ("b", "a") in before.service_edges() and ("b", "c") not in before.service_edges()

    stat = target.stat()
    target.write_text(target.read_text().replace("import a", "import c"))  # same size
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert target.stat().st_mtime_ns == stat.st_mtime_ns and target.stat().st_size == stat.st_size

    snapshot = DirSnapshot(root)
    after = build(snapshot, cache_dir)
    assert snapshot.reads == ["services/b/m0.py"]
    assert [e.dst_path for e in after.edges if e.src_path == "services/b/m0.py"] == [
        "services/c/__init__.py"
    ]


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b"not a cache at all",
        lambda b: b[: len(b) // 2],  # truncated mid-write by a crash
        lambda b: b[:-5] + bytes([b[-5] ^ 0xFF]) + b[-4:],  # one flipped byte
        lambda b: b"",
        lambda b: b.replace(b"guardrails-imports v", b"guardrails-imports v9", 1),  # other version
    ],
    ids=["garbage", "truncated", "bit-flip", "empty", "other-version"],
)
def test_corrupt_or_foreign_cache_is_rebuilt_transparently(tmp_path: Path, damage: object) -> None:
    root = tmp_path / "tree"
    write(root, tree())
    cache_dir = tmp_path / "cache"
    clean = build(DirSnapshot(root), cache_dir)
    path = ExtractionCache(cache_dir).path
    assert path is not None
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert ExtractionCache(cache_dir).corrupt or ExtractionCache(cache_dir).entries == {}
    # The remembered graph states would answer before the extraction cache is read: this is
    # about the extraction cache (tests/test_cache.py damages the others).
    shutil.rmtree(cache_dir / "import-graph")
    shutil.rmtree(cache_dir / "import-latest")

    rebuilt = build(DirSnapshot(root), cache_dir)
    assert rebuilt == clean
    assert rebuilt.stats is not None and rebuilt.stats.cached == 0
    fresh = ExtractionCache(cache_dir)
    assert not fresh.corrupt and len(fresh.entries) == 7  # rewritten, usable again
    assert build(DirSnapshot(root), cache_dir).stats.parsed == 0  # type: ignore[union-attr]


def test_the_extraction_cache_is_keyed_by_the_extractors_own_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An extractor changed (an upgrade, a checkout edit) without a CACHE_VERSION bump reads
    every file again; a new guardrails version with the same extractor (a reinstall, a fresh
    checkout whose files have new times) keeps the cache a CI job restored."""
    import guardrails
    from guardrails.cache import store
    from guardrails.imports import cache as cache_mod

    root = tmp_path / "tree"
    write(root, tree())
    cache_dir = tmp_path / "cache"
    build(DirSnapshot(root), cache_dir)
    assert len(ExtractionCache(cache_dir).entries) == 7
    monkeypatch.setattr(guardrails, "__version__", "99.0.0")
    store.reset_fingerprint()
    try:
        assert len(ExtractionCache(cache_dir).entries) == 7  # same extractor: still trusted
        # The extractor's sources as another release has them: one file fewer, say.
        monkeypatch.setattr(cache_mod, "_EXTRACTOR", cache_mod._EXTRACTOR[:-1])
        cache_mod._header.cache_clear()
        assert ExtractionCache(cache_dir).corrupt
        shutil.rmtree(cache_dir / "import-graph")  # the states would answer first
        rebuilt = build(DirSnapshot(root), cache_dir)
        assert rebuilt.stats is not None and rebuilt.stats.parsed == 7
        assert len(ExtractionCache(cache_dir).entries) == 7  # rewritten under this extractor
    finally:
        monkeypatch.undo()
        cache_mod._header.cache_clear()
        store.reset_fingerprint()


def test_unwritable_cache_dir_still_builds(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write(root, tree())
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache dir should be")
    graph = build(DirSnapshot(root), blocker / "guardrails")
    assert ("b", "a") in graph.service_edges()


def _worker(args: tuple[str, str, int]) -> list[tuple[str, str]]:
    root, cache_dir, rounds = args
    results = []
    for _ in range(rounds):
        graph = build(DirSnapshot(Path(root)), Path(cache_dir))
        results.append(tuple(sorted(graph.service_edges())))
    return sorted(set(results))  # type: ignore[arg-type]


def test_concurrent_writers_never_corrupt_the_cache(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    jobs = []
    expected = []
    for w in range(4):
        root = tmp_path / f"tree{w}"
        files = {f"services/{s}/__init__.py": "" for s in SERVICES}
        for i in range(40):  # distinct blobs per writer, so every writer has new entries
            files[f"services/b/w{w}_{i}.py"] = f"import {'ac'[w % 2]}\nX = {w * 1000 + i}\n"
        write(root, files)
        expected.append([(("b", "a"),) if w % 2 == 0 else (("b", "c"),)])
        jobs.append((str(root), str(cache_dir), 5))
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.map(_worker, jobs)
    assert results == expected  # every build, in every process, saw a usable cache
    cache = ExtractionCache(cache_dir)
    assert not cache.corrupt and len(cache.entries) >= 41
    assert not [p for p in cache_dir.iterdir() if p.name.startswith(".imports-")]  # no temp litter


# -- the whole graph, remembered ------------------------------------------------------------

# Every kind of edge and problem a build gives: flagged imports, a file no parser reads, a
# module two roots claim, a relative import above the top.
RICH = {
    **tree(2),
    "libs/one/common/__init__.py": "",
    "libs/one/common/util.py": "",
    "libs/two/common/__init__.py": "",
    "libs/two/common/util.py": "",
    "services/b/amb.py": "from common import util\n",
    "services/b/flags.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import c\n"
        "try:\n    import a\nexcept ImportError:\n    pass\n"
        "import importlib\nimportlib.import_module('c')\n"
        "def f():\n    from c import thing\n"
    ),
    "services/b/bad.py": "import a b\n",
    "services/c/up.py": "from .... import nowhere\n",
}
ROOTED = replace(CATALOG, inference=Inference(roots=("", "services", "libs/one", "libs/two")))


def build_rich(
    snapshot: DirSnapshot, cache_dir: Path | None, catalog: Catalog = ROOTED
) -> ImportGraph:
    return build_import_graph(snapshot, catalog, cache_dir=cache_dir, service_of=service_of)


def per_file_records(cache_dir: Path) -> list[str]:
    """What a build that resolves files opens: the extraction cache and resolved imports."""
    return sorted(p.name for p in cache_dir.iterdir() if p.name != "import-graph")


def forget_per_file_records(cache_dir: Path) -> None:
    for p in cache_dir.iterdir():
        if p.name != "import-graph":
            shutil.rmtree(p) if p.is_dir() else p.unlink()


def graph_entries(cache_dir: Path) -> int:
    """Stored graph states: whole, or as the files that differ from a whole one."""
    return sum(
        1
        for kind in ("import-graph", "import-delta")
        for p in (cache_dir / kind).rglob("*")
        if p.is_file()
    )


def typed(edge: ImportEdge) -> tuple[tuple[str, object], ...]:
    """An edge's fields with their types: 1 == True, but JSON prints them differently."""
    return tuple((type(v).__name__, v) for v in msgspec.structs.astuple(edge))


def assert_same_graph(got: ImportGraph, expected: ImportGraph) -> None:
    assert got.edges == expected.edges
    assert [typed(e) for e in got.edges] == [typed(e) for e in expected.edges]
    assert got.problems == expected.problems
    assert got.roots == expected.roots
    assert dict(got.services) == dict(expected.services)  # not part of ==


def test_an_unchanged_tree_loads_the_whole_graph_and_no_per_file_record(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, RICH)
    uncached = build_rich(DirSnapshot(root), None)
    assert {(e.type_only, e.weak, e.dynamic, e.in_function) for e in uncached.edges} == {
        (False, False, False, False),
        (True, False, False, False),
        (False, True, False, False),
        (False, False, True, False),
        (False, False, False, True),
    }
    assert sorted(p.message.split(" ")[0] for p in uncached.problems) == [
        "cannot",
        "module",
        "relative",
    ]
    cold = build_rich(DirSnapshot(root), cache_dir)
    assert_same_graph(cold, uncached)
    forget_per_file_records(cache_dir)

    snapshot = DirSnapshot(root)
    warm = build_rich(snapshot, cache_dir)
    assert_same_graph(warm, uncached)
    assert snapshot.reads == []  # no Python file read
    assert per_file_records(cache_dir) == []  # ... and no per-file record opened or written
    assert warm.stats is not None and cold.stats is not None
    assert (warm.stats.files, warm.stats.cached, warm.stats.parsed, warm.stats.fallback) == (
        cold.stats.files,
        cold.stats.parsed,  # every blob cold parsed is known now
        0,
        0,
    )


@pytest.mark.parametrize(
    "edit",
    ["edit", "add", "move", "delete"],
)
def test_a_python_file_change_rebuilds_the_graph(tmp_path: Path, edit: str) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, RICH)
    build_rich(DirSnapshot(root), cache_dir)
    target = root / "services/b/m1.py"
    if edit == "edit":
        target.write_text("import c\n")
    elif edit == "add":
        write(root, {"services/c/new.py": "import a\n"})
    elif edit == "move":
        target.rename(root / "services/c/m1.py")
    else:
        target.unlink()
    warm = build_rich(DirSnapshot(root), cache_dir)
    uncached = build_rich(DirSnapshot(root), None)
    assert_same_graph(warm, uncached)
    expected = {
        "edit": {("b", "a"), ("b", "c")},  # m0 still imports a; m1 now c, flags.py both
        "add": {("b", "a"), ("b", "c"), ("c", "a")},
        "move": {("b", "a"), ("b", "c"), ("c", "a")},
        "delete": {("b", "a"), ("b", "c")},
    }[edit]
    assert set(warm.service_edges(include_type_only=True)) == expected
    assert warm.stats is not None and warm.stats.parsed == (1 if edit in ("edit", "add") else 0)
    assert graph_entries(cache_dir) == 2  # the tree before and after


def test_a_non_python_change_keeps_the_graph(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, RICH)
    cold = build_rich(DirSnapshot(root), cache_dir)
    write(root, {"README.md": "hello\n", "services/b/data.json": "{}\n"})
    forget_per_file_records(cache_dir)
    warm = build_rich(DirSnapshot(root), cache_dir)
    assert_same_graph(warm, cold)
    assert per_file_records(cache_dir) == []


def test_other_source_roots_rebuild_the_graph(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, RICH)
    build_rich(DirSnapshot(root), cache_dir)
    # Only the root: `import a` is the top-level a.py, never services/a any more.
    rooted = replace(CATALOG, inference=Inference(roots=("",)))
    warm = build_rich(DirSnapshot(root), cache_dir, rooted)
    uncached = build_rich(DirSnapshot(root), None, rooted)
    assert_same_graph(warm, uncached)
    assert warm.roots == ("",)
    assert set(warm.service_edges(include_type_only=True)) == set()


def test_the_services_of_a_remembered_graph_are_the_callers(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, RICH)
    build_rich(DirSnapshot(root), cache_dir)
    forget_per_file_records(cache_dir)

    def merged(path: str) -> str | None:  # a config that hands c's files to a
        name = service_of(path)
        return "a" if name == "c" else name

    warm = build_import_graph(DirSnapshot(root), ROOTED, cache_dir=cache_dir, service_of=merged)
    assert per_file_records(cache_dir) == []  # the edges were remembered ...
    assert set(warm.service_edges(include_type_only=True)) == {("b", "a")}  # ... not services
    assert warm.services["services/c/up.py"] == "a"


def test_a_guardrails_upgrade_rebuilds_the_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import guardrails
    from guardrails.cache import store

    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, RICH)
    cold = build_rich(DirSnapshot(root), cache_dir)
    monkeypatch.setattr(guardrails, "__version__", "99.0.0")
    store.reset_fingerprint()
    try:
        upgraded = build_rich(DirSnapshot(root), cache_dir)
        assert_same_graph(upgraded, cold)
        assert graph_entries(cache_dir) == 2  # written again under the new version's key
    finally:
        monkeypatch.undo()
        store.reset_fingerprint()


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated mid-write by a crash
        lambda b: b[:-5] + bytes([b[-5] ^ 0xFF]) + b[-4:],  # one flipped byte
        lambda b: b"",
        lambda b: b.replace(b"guardrails-cache 1", b"guardrails-cache 9", 1),  # other format
    ],
    ids=["truncated", "bit-flip", "empty", "other-format"],
)
def test_a_damaged_graph_entry_is_rebuilt(tmp_path: Path, damage: object) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, RICH)
    clean = build_rich(DirSnapshot(root), cache_dir)
    (entry,) = [p for p in (cache_dir / "import-graph").rglob("*") if p.is_file()]
    entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    assert_same_graph(build_rich(DirSnapshot(root), cache_dir), clean)
    forget_per_file_records(cache_dir)  # rewritten whole: it answers on its own again
    assert_same_graph(build_rich(DirSnapshot(root), cache_dir), clean)
    assert per_file_records(cache_dir) == []


def test_an_unwritable_graph_store_only_costs_speed(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, RICH)
    uncached = build_rich(DirSnapshot(root), None)
    cache_dir.mkdir()
    (cache_dir / "import-graph").write_text("a file where the entries should be\n")
    assert_same_graph(build_rich(DirSnapshot(root), cache_dir), uncached)
    warm = build_rich(DirSnapshot(root), cache_dir)  # per-file records still serve
    assert_same_graph(warm, uncached)
    assert warm.stats is not None and warm.stats.parsed == 0


# The source roots are remembered per path list, pyproject.toml contents and service paths:
# each of those changes them, and each must be seen on the next build.
ROOTS_TREE = {
    "pyproject.toml": "[project]\nname = 'x'\n",
    "lib/pkg/__init__.py": "",
    "lib/pkg/mod.py": "X = 1\n",
    "services/a/__init__.py": "",
    "services/b/use.py": "import pkg.mod\n",
}


def _roots(root: Path, cache_dir: Path, catalog: Catalog = CATALOG) -> tuple[str, ...]:
    graph = build_import_graph(
        DirSnapshot(root), catalog, cache_dir=cache_dir, service_of=service_of
    )
    uncached = build_import_graph(DirSnapshot(root), catalog, cache_dir=None, service_of=service_of)
    assert graph.roots == uncached.roots and graph.edges == uncached.edges
    return graph.roots


def test_remembered_source_roots_follow_every_input(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, ROOTS_TREE)
    before = _roots(root, cache_dir)
    assert "lib" not in before
    assert [p.name for p in (cache_dir / "source-roots").rglob("*") if p.is_file()]
    # pyproject.toml edited: its packages live under lib/.
    write(root, {"pyproject.toml": "[tool.setuptools.packages.find]\nwhere = ['lib']\n"})
    assert "lib" in _roots(root, cache_dir)
    # A new pyproject.toml (the path list changes): its directory is a root.
    write(root, {"tools/cli/pyproject.toml": "[project]\nname = 'cli'\n", "tools/cli/m.py": ""})
    assert "tools/cli" in _roots(root, cache_dir)
    # Another service's paths: a directory without __init__.py holding modules is a root.
    write(root, {"services/d/tool.py": "import pkg\n"})
    moved = replace(
        CATALOG, services={**CATALOG.services, "d": Service("d", paths=("services/d/**",))}
    )
    assert "services/d" not in _roots(root, cache_dir)
    assert "services/d" in _roots(root, cache_dir, moved)


@pytest.mark.parametrize(
    "value",
    [(("lib",), "not rows"), ("lib",), (("",), (("msg", None, "one", None, "info"),)), None],
    ids=["problems not rows", "not a pair", "a line that is not a number", "damaged"],
)
def test_a_damaged_or_foreign_roots_entry_is_found_again(tmp_path: Path, value: object) -> None:
    from guardrails.cache.store import EntryStore
    from guardrails.imports.cache import ROOTS

    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, {**ROOTS_TREE, "pyproject.toml": "[tool.setuptools.packages.find]\nwhere=['lib']\n"})
    clean = _roots(root, cache_dir)
    assert "lib" in clean
    (entry,) = [p for p in (cache_dir / ROOTS).rglob("*") if p.is_file()]
    if value is None:
        entry.write_bytes(entry.read_bytes()[:-3])  # cut short by a crash
    else:
        assert EntryStore(cache_dir).put(ROOTS, entry.name, value)  # well framed, wrong shape
    assert _roots(root, cache_dir) == clean
    # ... and written again: the next build finds it whole.
    assert EntryStore(cache_dir).get(ROOTS, entry.name) == (clean, ())
