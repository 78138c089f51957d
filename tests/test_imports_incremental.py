"""The import graph built from the last graph of the same module index, a few files at a time.

Every step of a real history is built twice: warm, from what the earlier steps left in the
repository's cache, and from an empty cache dir. The two must be the same graph (edges with
their field types, problems, roots), and the warm build must parse exactly the blobs it
could not reuse. Then the remembered state's own inputs (roots, path list, version) and its
damage: a pointer or a state that is truncated, flipped, foreign, or another index's, and
writers racing on one module index. Nothing here is timed.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from msgspec.structs import replace

from guardrails.cache.store import EntryStore
from guardrails.catalog.model import Catalog, Inference, Service
from guardrails.git import Repo
from guardrails.imports import ImportGraph, build_import_graph
from guardrails.imports.cache import ExtractionCache, GraphCache
from guardrails.imports.resolve import ModuleIndex
from tests.gitrepo import GitRepo
from tests.test_imports_cache import DirSnapshot, assert_same_graph, service_of, write

CATALOG = Catalog(
    services={n: Service(n, paths=(f"services/{n}/**",)) for n in ("a", "b", "c")},
    inference=Inference(roots=("", "services", "libs/one", "libs/two")),
)

FLAGS = (
    "from typing import TYPE_CHECKING\n"
    "if TYPE_CHECKING:\n    import c\n"
    "try:\n    import a\nexcept ImportError:\n    pass\n"
    "import importlib\nimportlib.import_module('c')\n"
    "def f():\n    from c import thing\n"
)
GENERATED = 40  # more than a build parses without the extraction cache

TREE = {
    "services/a/__init__.py": "VALUE = 1\n",
    "services/a/x.py": "import os\n",
    "services/b/__init__.py": "",
    "services/b/m0.py": "import a\nVALUE = 0\n",
    "services/b/m1.py": "from a import thing\n",  # a name in a/__init__.py, until thing.py
    "services/b/amb.py": "from common import util\n",  # two roots claim common
    "services/b/flags.py": FLAGS,
    "services/c/__init__.py": "",
    "services/c/pkg/__init__.py": "from . import mod\n",
    "services/c/pkg/mod.py": "from .. import pkg\nfrom ... import nowhere\n",
    "libs/one/common/__init__.py": "",
    "libs/one/common/util.py": "",
    "libs/two/common/__init__.py": "",
    "libs/two/common/util.py": "",
    **{f"services/c/gen/g{i:02}.py": f"import a\nN = {i}\n" for i in range(GENERATED)},
}


def build(snapshot: object, cache_dir: Path | None, catalog: Catalog = CATALOG) -> ImportGraph:
    return build_import_graph(snapshot, catalog, cache_dir=cache_dir, service_of=service_of)  # type: ignore[arg-type]


def ambiguity(graph: ImportGraph) -> list[str]:
    return sorted(f"{p.path}:{p.line}" for p in graph.problems if "is claimed by" in p.message)


def edges_of(graph: ImportGraph, src: str) -> list[tuple[int, str, tuple[str, ...], str]]:
    return [(e.line, e.module, e.names, e.dst_path) for e in graph.edges if e.src_path == src]


def extraction_file(cache_dir: Path) -> tuple[int, int] | None:
    path = ExtractionCache(cache_dir).path
    assert path is not None
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def test_every_step_of_a_history_builds_the_graph_a_fresh_cache_builds(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.write(TREE)
    shas = [repo.commit("tree")]
    git = Repo.open(repo.root)
    cache_dir = git.git_dir / "guardrails"
    fresh_dirs = iter(range(100))

    def step(expected_parsed: int) -> ImportGraph:
        snapshot = git.snapshot("HEAD")
        warm = build(snapshot, cache_dir)
        fresh = build(git.snapshot("HEAD"), tmp_path / f"fresh{next(fresh_dirs)}")
        assert_same_graph(warm, fresh)
        assert_same_graph(warm, build(git.snapshot("HEAD"), None))
        assert warm.stats is not None and fresh.stats is not None
        blobs = {git.snapshot("HEAD").blob_id(p) for p in git.snapshot("HEAD").paths()}
        assert (warm.stats.files, warm.stats.parsed, warm.stats.cached) == (
            fresh.stats.files,
            expected_parsed,
            len(blobs) - expected_parsed,
        )
        return warm

    cold = step(expected_parsed=len(set(TREE.values())))
    assert ambiguity(cold) == ["services/b/amb.py:1"]
    assert edges_of(cold, "services/b/m1.py") == [
        (1, "a", ("thing",), "services/a/__init__.py")
    ]

    # Edits that keep the module index: one file parsed, the extraction cache not rewritten.
    before = extraction_file(cache_dir)
    edits = [
        ("services/b/m0.py", "import a\nVALUE = 10\n", 1),  # the body, not the imports
        ("services/b/m0.py", "import a\nimport c\nVALUE = 10\n", 1),  # an import more
        ("services/b/m0.py", "import c\nVALUE = 10\n", 1),  # and one less
        ("services/b/flags.py", "import a b\n", 1),  # no parser reads it
        ("services/b/flags.py", FLAGS, 0),  # fixed: the tree of two steps back, a plain hit
        # An earlier file in path order imports the ambiguous module: its problem names it.
        # The start is the state written last (a hit writes nothing): the broken flags.py's,
        # so flags.py is parsed again too.
        ("services/a/x.py", "import os\nfrom common import util\n", 2),
        ("services/c/pkg/mod.py", "from . import sibling\nfrom .. import pkg\n", 1),
    ]
    graphs = []
    for path, text, parsed in edits:
        repo.write({path: text})
        shas.append(repo.commit(f"edit {path}"))
        graphs.append(step(expected_parsed=parsed))
    assert extraction_file(cache_dir) == before
    assert edges_of(graphs[0], "services/b/m0.py") == [(1, "a", (), "services/a/__init__.py")]
    assert edges_of(graphs[1], "services/b/m0.py") == [
        (1, "a", (), "services/a/__init__.py"),
        (2, "c", (), "services/c/__init__.py"),
    ]
    assert edges_of(graphs[2], "services/b/m0.py") == [(1, "c", (), "services/c/__init__.py")]
    broken = [p.message for p in graphs[3].problems if p.path == "services/b/flags.py"]
    assert broken == ["cannot parse for imports: invalid syntax"]
    assert edges_of(graphs[3], "services/b/flags.py") == []
    assert edges_of(graphs[4], "services/b/flags.py") == edges_of(cold, "services/b/flags.py")
    assert ambiguity(graphs[5]) == ["services/a/x.py:2"]
    assert edges_of(graphs[6], "services/c/pkg/mod.py") == [
        (1, "c.pkg", ("sibling",), "services/c/pkg/__init__.py"),
        (2, "c.pkg", ("pkg",), "services/c/pkg/__init__.py"),
    ]
    assert [p.message for p in graphs[6].problems if p.path == "services/c/pkg/mod.py"] == []

    # A new module: the index changes, and an unchanged file's import lands on it. Every
    # file is resolved again; the blobs the edits above parsed (and did not remember one by
    # one) are parsed again: m0, x and mod (flags.py is as it was), and the new file.
    repo.write({"services/a/thing.py": "import b\n"})
    shas.append(repo.commit("add a/thing.py"))
    added = step(expected_parsed=4)
    assert edges_of(added, "services/b/m1.py") == [(1, "a.thing", ("thing",), "services/a/thing.py")]

    repo.write({"services/b/m1.py": "from a import thing\nimport c\n"})  # under the new index
    shas.append(repo.commit("m1 uses c"))
    step(expected_parsed=1)

    repo.remove("services/b/amb.py")
    shas.append(repo.commit("no amb"))
    removed = step(expected_parsed=1)  # m1's blob, parsed above without being remembered
    assert ambiguity(removed) == ["services/a/x.py:2"]

    repo.move("services/a/x.py", "services/c/x.py")
    shas.append(repo.commit("move x"))
    moved = step(expected_parsed=0)
    assert ambiguity(moved) == ["services/c/x.py:2"]

    # More changed blobs than a build parses on its own: the extraction cache is used.
    before = extraction_file(cache_dir)
    many = GENERATED - 6
    repo.write({f"services/c/gen/g{i:02}.py": f"import b\nN = {i}\n" for i in range(many)})
    shas.append(repo.commit("many"))
    into_b = [e.src_path for e in step(expected_parsed=many).edges if e.dst_path.startswith("services/b")]
    assert len(into_b) == many + 1  # and a/thing.py's `import b`
    assert extraction_file(cache_dir) != before

    # A file takes an unchanged file's content: its blob is parsed for it.
    repo.write({"services/b/m1.py": "import c\nVALUE = 10\n"})
    shas.append(repo.commit("m1 is m0"))
    step(expected_parsed=1)

    # Every state written is still there: going back is a plain hit.
    for sha in shas:
        again = build(git.snapshot(sha), cache_dir)
        assert_same_graph(again, build(git.snapshot(sha), None))
        assert again.stats is not None and again.stats.parsed == 0


def test_a_state_of_other_source_roots_is_not_the_start(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, TREE)
    rooted = replace(CATALOG, inference=Inference(roots=("",)))
    build(DirSnapshot(root), cache_dir)  # the newest state of CATALOG's roots
    write(root, {"services/b/m0.py": "import c\n"})
    warm = build(DirSnapshot(root), cache_dir, rooted)  # same paths, other roots
    assert_same_graph(warm, build(DirSnapshot(root), None, rooted))
    assert warm.stats is not None and warm.stats.parsed == 1
    # From "" alone, `import c` and `from a import thing` name no file (under "services"
    # they do: the other roots' state would have kept those edges).
    assert edges_of(warm, "services/b/m0.py") == edges_of(warm, "services/b/m1.py") == []


def test_a_state_of_another_path_list_is_not_the_start(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, TREE)
    build(DirSnapshot(root), cache_dir)
    # One more path: m1's unchanged import now lands on the new module. Starting from the
    # old index's state would keep its old edge.
    write(root, {"services/a/thing.py": ""})
    warm = build(DirSnapshot(root), cache_dir)
    assert_same_graph(warm, build(DirSnapshot(root), None))
    assert edges_of(warm, "services/b/m1.py") == [(1, "a.thing", ("thing",), "services/a/thing.py")]


def test_a_guardrails_upgrade_does_not_start_from_an_older_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import guardrails
    from guardrails.cache import store

    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, TREE)
    build(DirSnapshot(root), cache_dir)
    write(root, {"services/b/m0.py": "import c\n"})
    monkeypatch.setattr(guardrails, "__version__", "99.0.0")
    store.reset_fingerprint()
    try:
        snapshot = DirSnapshot(root)
        upgraded = build(snapshot, cache_dir)
        assert_same_graph(upgraded, build(DirSnapshot(root), None))
        # Every file resolved again (its extractions are still good: the extraction cache is
        # keyed by the extractor's own sources, which did not change), none taken from the
        # older version's state.
        assert upgraded.stats is not None and upgraded.stats.parsed == 1
        assert len(snapshot.reads) == 1
        assert entries(cache_dir, GraphCache.LATEST) == 2
    finally:
        monkeypatch.undo()
        store.reset_fingerprint()


def entries(cache_dir: Path, kind: str) -> int:
    return sum(1 for p in (cache_dir / kind).rglob("*") if p.is_file())


def only_entry(cache_dir: Path, kind: str) -> Path:
    (entry,) = [p for p in (cache_dir / kind).rglob("*") if p.is_file()]
    return entry


DAMAGE = {
    "truncated": lambda b: b[: len(b) // 2],
    "bit-flip": lambda b: b[:-5] + bytes([b[-5] ^ 0xFF]) + b[-4:],
    "empty": lambda b: b"",
    "other-format": lambda b: b.replace(b"guardrails-cache 1", b"guardrails-cache 9", 1),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("kind", [GraphCache.LATEST, GraphCache.KIND])
def test_a_damaged_pointer_or_state_is_not_the_start(
    tmp_path: Path, kind: str, damage: str
) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, TREE)
    build(DirSnapshot(root), cache_dir)
    entry = only_entry(cache_dir, kind)
    entry.write_bytes(DAMAGE[damage](entry.read_bytes()))
    write(root, {"services/b/m0.py": "import c\n"})
    snapshot = DirSnapshot(root)
    warm = build(snapshot, cache_dir)
    assert_same_graph(warm, build(DirSnapshot(root), None))
    # Built from the extraction cache, every file resolved: only the new blob is read.
    assert warm.stats is not None and warm.stats.parsed == 1
    assert snapshot.reads == ["services/b/m0.py"]
    # Written whole again: the next edit starts from it, without the extraction cache.
    before = extraction_file(cache_dir)
    write(root, {"services/b/m0.py": "import a\n"})
    again = build(DirSnapshot(root), cache_dir)
    assert_same_graph(again, build(DirSnapshot(root), None))
    assert again.stats is not None and again.stats.parsed == 1
    assert extraction_file(cache_dir) == before


def test_a_pointer_to_another_indexs_state_is_not_used(tmp_path: Path) -> None:
    one, two, cache_dir = tmp_path / "one", tmp_path / "two", tmp_path / "cache"
    write(one, TREE)
    write(two, {**TREE, "services/a/thing.py": ""})  # another path list
    build(DirSnapshot(one), cache_dir)
    other = only_entry(cache_dir, GraphCache.LATEST)
    build(DirSnapshot(two), cache_dir)
    (mine,) = [p for p in (cache_dir / GraphCache.LATEST).rglob("*") if p.is_file() and p != other]
    # Two's pointer now names one's state: a whole, checksummed entry of the wrong index.
    mine.write_bytes(other.read_bytes())
    write(two, {"services/b/m0.py": "import c\n"})
    warm = build(DirSnapshot(two), cache_dir)
    assert_same_graph(warm, build(DirSnapshot(two), None))
    assert edges_of(warm, "services/b/m1.py") == [(1, "a.thing", ("thing",), "services/a/thing.py")]


def test_an_unwritable_pointer_store_only_costs_speed(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, TREE)
    cache_dir.mkdir()
    (cache_dir / GraphCache.LATEST).write_text("a file where the pointers should be\n")
    assert_same_graph(build(DirSnapshot(root), cache_dir), build(DirSnapshot(root), None))
    assert build(DirSnapshot(root), cache_dir).stats.parsed == 0  # type: ignore[union-attr]
    write(root, {"services/b/m0.py": "import c\n"})
    warm = build(DirSnapshot(root), cache_dir)  # no start: the extraction cache serves
    assert_same_graph(warm, build(DirSnapshot(root), None))
    assert warm.stats is not None and warm.stats.parsed == 1


ROOTS = ("", "libs/one", "libs/two", "services")  # CATALOG's, as the build sorts them


def state_key(root: Path) -> str:
    """The key of the tree's state, as the build names it."""
    snapshot = DirSnapshot(root)
    py_files = [p for p in snapshot.paths() if p.endswith(".py")]
    blobs = {p: b for p in py_files if (b := snapshot.blob_id(p)) is not None}
    return GraphCache(None, ROOTS, py_files, blobs).key


def delta_of(cache_dir: Path, root: Path) -> tuple[object, ...]:
    found = EntryStore(cache_dir).get(GraphCache.DELTA, state_key(root))
    assert isinstance(found, tuple)
    return found


def test_a_few_changed_files_are_stored_as_those_files(tmp_path: Path) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, TREE)
    py_files = [p for p in DirSnapshot(root).paths() if p.endswith(".py")]
    x, m0 = py_files.index("services/a/x.py"), py_files.index("services/b/m0.py")
    build(DirSnapshot(root), cache_dir)
    anchor = state_key(root)
    steps = [
        {"services/b/m0.py": "import c\n"},
        {"services/a/x.py": "from common import util\n"},
        {"services/b/m0.py": TREE["services/b/m0.py"]},  # m0 as in the anchor again
    ]
    deltas = []
    for edit in steps:
        write(root, edit)
        assert_same_graph(build(DirSnapshot(root), cache_dir), build(DirSnapshot(root), None))
        deltas.append(delta_of(cache_dir, root))
    assert entries(cache_dir, GraphCache.KIND) == 1
    # Each against the whole state: the files that differ from it, with their blobs, edges
    # and problems, and nothing of the others.
    assert [(d[1], d[2]) for d in deltas] == [(anchor, (m0,)), (anchor, (x, m0)), (anchor, (x,))]
    assert [sorted(set(d[4][0])) for d in deltas] == [  # type: ignore[index]
        ["services/b/m0.py"],
        ["services/a/x.py", "services/b/m0.py"],
        ["services/a/x.py"],
    ]
    assert [[e[0] for e in d[5]] for d in deltas] == [  # type: ignore[attr-defined]
        [],
        ["services/a/x.py"],  # its import of the ambiguous `common`
        ["services/a/x.py"],
    ]
    sizes = [p.stat().st_size for p in (cache_dir / GraphCache.DELTA).rglob("*") if p.is_file()]
    assert max(sizes) * 10 < only_entry(cache_dir, GraphCache.KIND).stat().st_size


def test_a_state_of_many_changed_files_is_stored_whole_and_anchors_the_next(
    tmp_path: Path,
) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, {**TREE, **{f"services/c/more/m{i}.py": "import a\n" for i in range(80)}})
    build(DirSnapshot(root), cache_dir)
    changed = GraphCache.DELTA_FILES + 1
    write(root, {f"services/c/more/m{i}.py": f"import b\nN = {i}\n" for i in range(changed)})
    many = build(DirSnapshot(root), cache_dir)
    assert_same_graph(many, build(DirSnapshot(root), None))
    assert (entries(cache_dir, GraphCache.KIND), entries(cache_dir, GraphCache.DELTA)) == (2, 0)
    anchor = state_key(root)
    write(root, {"services/b/m0.py": "import c\n"})
    after = build(DirSnapshot(root), cache_dir)
    assert_same_graph(after, build(DirSnapshot(root), None))
    py_files = [p for p in DirSnapshot(root).paths() if p.endswith(".py")]
    assert delta_of(cache_dir, root)[1:3] == (anchor, (py_files.index("services/b/m0.py"),))


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_delta_is_neither_the_graph_nor_the_start(tmp_path: Path, damage: str) -> None:
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, TREE)
    build(DirSnapshot(root), cache_dir)
    write(root, {"services/b/m0.py": "import c\n"})
    clean = build(DirSnapshot(root), cache_dir)
    entry = only_entry(cache_dir, GraphCache.DELTA)
    entry.write_bytes(DAMAGE[damage](entry.read_bytes()))
    again = build(DirSnapshot(root), cache_dir)  # the same state: not a hit any more
    assert_same_graph(again, clean)
    assert again.stats is not None and again.stats.parsed == 1  # m0, from the whole state
    write(root, {"services/b/m0.py": "import a\n"})  # and the state rewritten is the start
    after = build(DirSnapshot(root), cache_dir)
    assert_same_graph(after, build(DirSnapshot(root), None))
    assert after.stats is not None and after.stats.parsed == 1


def _one_edit_after_a_whole_state(tmp_path: Path) -> tuple[Path, Path, ImportGraph]:
    """TREE built whole, then m0 edited and built: (tree, cache dir, that graph), whose
    state is stored as a delta on the whole one."""
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, TREE)
    build(DirSnapshot(root), cache_dir)
    write(root, {"services/b/m0.py": "import c\n"})
    return root, cache_dir, build(DirSnapshot(root), cache_dir)


def test_a_delta_whose_anchor_is_gone_reads_as_missing(tmp_path: Path) -> None:
    root, cache_dir, clean = _one_edit_after_a_whole_state(tmp_path)
    only_entry(cache_dir, GraphCache.KIND).unlink()  # pruned, say
    snapshot = DirSnapshot(root)
    again = build(snapshot, cache_dir)
    assert_same_graph(again, clean)
    # Neither the delta nor the pointer to it serves: every file resolved from the
    # extraction cache (which never saw m0's new blob), and the state stored whole.
    assert again.stats is not None and again.stats.parsed == 1
    # The dead delta goes with it: read first under the same key, it hid the whole state
    # and made every later run of this tree a full rebuild.
    assert (entries(cache_dir, GraphCache.KIND), entries(cache_dir, GraphCache.DELTA)) == (1, 0)
    third = DirSnapshot(root)
    hit = build(third, cache_dir)
    assert_same_graph(hit, clean)
    assert hit.stats is not None and hit.stats.parsed == 0 and third.reads == []


def test_a_dead_delta_does_not_hide_the_whole_state_of_its_key(tmp_path: Path) -> None:
    root, cache_dir, clean = _one_edit_after_a_whole_state(tmp_path)
    delta = only_entry(cache_dir, GraphCache.DELTA)
    kept = delta.read_bytes()
    only_entry(cache_dir, GraphCache.KIND).unlink()
    build(DirSnapshot(root), cache_dir)  # stored whole
    delta.parent.mkdir(parents=True, exist_ok=True)
    delta.write_bytes(kept)  # a writer that lost the race put the delta back
    extraction = ExtractionCache(cache_dir).path
    assert extraction is not None
    extraction.unlink()  # a rebuild would have to parse every file again
    snapshot = DirSnapshot(root)
    hit = build(snapshot, cache_dir)
    assert_same_graph(hit, clean)
    assert hit.stats is not None and hit.stats.parsed == 0 and snapshot.reads == []


def test_a_delta_keeps_its_anchor_recently_written(tmp_path: Path) -> None:
    """Pruning goes by write time: the whole state deltas are built on must not be the
    first to go while they are in use."""
    root, cache_dir = tmp_path / "tree", tmp_path / "cache"
    write(root, TREE)
    build(DirSnapshot(root), cache_dir)
    anchor = only_entry(cache_dir, GraphCache.KIND)
    os.utime(anchor, ns=(10**9, 10**9))  # written long ago
    write(root, {"services/b/m0.py": "import c\n"})
    build(DirSnapshot(root), cache_dir)
    assert anchor.stat().st_mtime_ns > 10**9
    assert entries(cache_dir, GraphCache.DELTA) == 1


def test_an_entry_under_another_states_key_is_not_this_graph(tmp_path: Path) -> None:
    """Whole and ours, but copied over another state of the same module index (a restored
    cache, a swapped file): its blobs are not this state's, so it is not this graph."""
    root, cache_dir, _ = _one_edit_after_a_whole_state(tmp_path)
    first = only_entry(cache_dir, GraphCache.DELTA)
    write(root, {"services/b/m0.py": "X = 1\n"})
    expected = build(DirSnapshot(root), None)
    build(DirSnapshot(root), cache_dir)
    (second,) = [
        p for p in (cache_dir / GraphCache.DELTA).rglob("*") if p.is_file() and p != first
    ]
    second.write_bytes(first.read_bytes())
    assert_same_graph(build(DirSnapshot(root), cache_dir), expected)
    for whole in [p for p in (cache_dir / GraphCache.DELTA).rglob("*") if p.is_file()]:
        whole.unlink()  # now the same with whole states
    build(DirSnapshot(root), cache_dir)
    states = sorted(p for p in (cache_dir / GraphCache.KIND).rglob("*") if p.is_file())
    assert len(states) == 2
    mine = [p for p in states if p.name == state_key(root)]
    other = [p for p in states if p.name != state_key(root)]
    mine[0].write_bytes(other[0].read_bytes())
    assert_same_graph(build(DirSnapshot(root), cache_dir), expected)


def _racer(args: tuple[str, str, int, int]) -> list[bool]:
    root, cache_dir, worker, rounds = args
    same = []
    for r in range(rounds):
        # Every worker's tree has the same paths (one module index, one pointer) and its own
        # contents, so each build starts from whichever worker wrote last.
        write(Path(root), {f"services/c/gen/g{worker:02}.py": f"import b\nN = {worker}{r}\n"})
        warm = build(DirSnapshot(Path(root)), Path(cache_dir))
        fresh = build(DirSnapshot(Path(root)), None)
        same.append(warm.edges == fresh.edges and warm.problems == fresh.problems)
    return same


def test_concurrent_writers_of_one_module_index_never_mislead_each_other(
    tmp_path: Path,
) -> None:
    cache_dir = tmp_path / "cache"
    jobs = []
    for w in range(4):
        root = tmp_path / f"tree{w}"
        write(root, {**TREE, "services/b/m0.py": f"import {'ac'[w % 2]}\nW = {w}\n"})
        jobs.append((str(root), str(cache_dir), w, 6))
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.map(_racer, jobs)
    assert results == [[True] * 6] * 4
    assert not [p for p in cache_dir.rglob(".tmp-*")]  # no temp litter


def test_the_module_index_names_each_file_under_each_root() -> None:
    index = ModuleIndex.build(
        [
            "top.py",
            "__init__.py",
            "src/__init__.py",
            "src/pkg/__init__.py",
            "src/pkg/mod.py",
            "src/pkg/1st.py",  # not a module name
            "src/pkg/class.py",  # a keyword
            "src/bad-dir/x.py",  # under a directory that is not a package name
            "src/bad-dir/__init__.py",
            "src/pkg/deep/er/m.py",
        ],
        ["", "src", "src/pkg"],
    )
    assert index.modules == {
        "top": [("top.py", "")],
        "src": [("src/__init__.py", "")],
        "src.pkg": [("src/pkg/__init__.py", "")],
        "pkg": [("src/pkg/__init__.py", "src")],
        "mod": [("src/pkg/mod.py", "src/pkg")],
        "pkg.mod": [("src/pkg/mod.py", "src")],
        "src.pkg.mod": [("src/pkg/mod.py", "")],
        "deep.er.m": [("src/pkg/deep/er/m.py", "src/pkg")],
        "pkg.deep.er.m": [("src/pkg/deep/er/m.py", "src")],
        "src.pkg.deep.er.m": [("src/pkg/deep/er/m.py", "")],
    }
    assert index.packages == {
        "src",
        "src.pkg",
        "src.pkg.deep",
        "src.pkg.deep.er",
        "pkg",
        "pkg.deep",
        "pkg.deep.er",
        "deep",
        "deep.er",
    }
    assert index.own_name == {
        "top.py": ("top", False),
        "src/__init__.py": ("src", True),
        "src/pkg/__init__.py": ("pkg", True),
        "src/pkg/mod.py": ("mod", False),
        "src/pkg/deep/er/m.py": ("deep.er.m", False),
    }
    assert index.file_roots == {
        "top.py": ("",),
        "__init__.py": ("",),
        "src/__init__.py": ("src", ""),
        "src/pkg/__init__.py": ("src/pkg", "src", ""),
        "src/pkg/mod.py": ("src/pkg", "src", ""),
        "src/pkg/1st.py": ("src/pkg", "src", ""),
        "src/pkg/class.py": ("src/pkg", "src", ""),
        "src/bad-dir/x.py": ("src", ""),
        "src/bad-dir/__init__.py": ("src", ""),
        "src/pkg/deep/er/m.py": ("src/pkg", "src", ""),
    }


# Names and directories that are not module names, a package __init__ named like a module,
# a dotted file name: every way a path can fail to be, or be, a module under a root.
TRICKY = [
    "a.py",
    "__init__.py",
    "x/__init__.py",
    "x/1.py",
    "x/class.py",
    "x/y-z/m.py",
    "x/y-z/__init__.py",
    "x/.py",
    "src/p/__init__.py",
    "src/p/q.py",
    "src/__init__.py",
    "a/b/c/d.py",
    "a/b/__init__.py",
    "a/__init__/__init__.py",
    "a/__init__/x.py",
    "p/1/ok.py",
    "p/ok/1.py",
    "q/a.b.py",
    "m/__init__.py",
    "m/sub/__init__.py",
    "services/os.py",  # shadows the stdlib from its own root only
    "services/pay/os.py",
    "services/pay/api/__init__.py",
    "services/pay/api/v1.py",
]


def asked(index: ModuleIndex, paths: list[str]) -> set[str]:
    """Every name resolution could ask about: the index's own, their prefixes and near misses."""
    names = set(index.modules) | set(index.packages)  # type: ignore[call-overload]
    names.update(p[:-3].replace("/", ".") for p in paths)
    for name in list(names):
        parts = name.split(".")
        names.update(".".join(parts[:i]) for i in range(1, len(parts)))
        names.update({f"{name}.__init__", f"{name}.nope", f"x{name}"})
    return names | {"", "a..b", "__init__", "1x", "class", "os", "a/b", "a.py"}


@pytest.mark.parametrize("seed", range(12))
def test_the_lazy_module_index_answers_what_the_built_one_does(seed: int) -> None:
    import random

    rnd = random.Random(seed)
    always = {"src/p/q.py", "m/__init__.py", "w/bad-dir/m.py"}  # w is no package: nothing below
    paths = sorted({*rnd.sample(TRICKY, rnd.randint(8, len(TRICKY))), *always})
    dirs = sorted({p.rpartition("/")[0] for p in TRICKY} | {"a/b/c", "src/p", "p/ok"})
    roots = sorted({*rnd.sample(dirs, rnd.randint(1, 5)), "" if seed % 3 else "src"})
    built, lazy = ModuleIndex.build(paths, roots), ModuleIndex.lazy(paths, roots)
    names = asked(built, paths)
    assert any(built.modules.get(n) for n in names)  # a seed that names nothing tests nothing
    assert [(n, lazy.modules.get(n), n in lazy.modules, n in lazy.packages) for n in sorted(names)] == [
        (n, built.modules.get(n), n in built.modules, n in built.packages) for n in sorted(names)
    ]
    files = [*paths, "nope.py", "src/p/missing.py"]
    assert [(lazy.own_name.get(p), lazy.file_roots.get(p)) for p in files] == [
        (built.own_name.get(p), built.file_roots.get(p)) for p in files
    ]
