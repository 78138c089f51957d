"""The world and diff caches under .git/guardrails: every input that changes the result
changes the answer, and a damaged, foreign or concurrently written cache is never trusted.

Each CLI test compares a warm run (the cache the previous run left) with the exact facts
the change must produce, and with a run on an emptied cache: cached == uncached, always.
Nothing here is timed.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import guardrails
from guardrails.cache import store as store_mod
from guardrails.cache.store import MAGIC, EntryStore, key
from guardrails.cli import cli
from tests.gitrepo import GitRepo

CONFIG = """\
version: 1
teams:
  ta: {members: [ana], handles: ["@org/ta"]}
  tb: {members: [bo], handles: ["@org/tb"]}
  tc: {members: [cy], handles: ["@org/tc"]}
services:
  a: {owner: ta, paths: ["a/**"]}
  b: {paths: ["b/**"]}
  c: {owner: tc, paths: ["c/**"]}
"""


def run(repo: GitRepo, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, [args[0], "-C", str(repo.root), *args[1:]])
    assert result.exit_code == code, result.output
    return result.stdout


def graph(repo: GitRepo) -> dict[str, Any]:
    """The graph from the world caches: the remembered output of `graph` (a hit would answer
    before any of them is read; tests/test_cache_outputs.py) is forgotten first."""
    shutil.rmtree(cache_dir(repo) / "outputs", ignore_errors=True)
    return json.loads(run(repo, "graph", "--format", "json"))  # type: ignore[no-any-return]


def cache_dir(repo: GitRepo) -> Path:
    return repo.root / ".git" / "guardrails"


def uncached_graph(repo: GitRepo) -> dict[str, Any]:
    shutil.rmtree(cache_dir(repo), ignore_errors=True)
    return graph(repo)


def owners(doc: dict[str, Any]) -> dict[str, str | None]:
    return {n["id"]: n["owner"] for n in doc["nodes"] if n["type"] == "service"}


def imports(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted(
        (link["source"], link["target"], e["path"])
        for link in doc["links"]
        if link["kind"] == "import"
        for e in link["evidence"]
    )


def entries(repo: GitRepo, kind: str) -> int:
    return sum(1 for p in (cache_dir(repo) / kind).rglob("*") if p.is_file())


@pytest.fixture
def org(repo: GitRepo) -> GitRepo:
    return make_org(repo)


def make_org(repo: GitRepo) -> GitRepo:
    """Three services: a imports b (owned through CODEOWNERS), c apart from both."""
    repo.write(
        {
            "guardrails.yaml": CONFIG,
            "CODEOWNERS": "b/ @org/tb\n",
            "a/__init__.py": "",
            "a/m.py": "from b.x import value\n",
            "b/__init__.py": "",
            "b/x.py": "value = 1\n",
            "c/__init__.py": "",
            "c/y.py": "import os\n",
        }
    )
    repo.commit("init")
    return repo


def test_a_warm_run_reads_the_cache_and_gives_the_same_graph(org: GitRepo) -> None:
    first = uncached_graph(org)
    assert owners(first) == {"service:a": "team:ta", "service:b": "team:tb", "service:c": "team:tc"}
    assert imports(first) == [("service:a", "service:b", "a/m.py")]
    assert (entries(org, "catalog"), entries(org, "claims"), entries(org, "import-graph")) == (
        2,
        1,
        1,
    )
    # A poisoned claims entry would show up as a wrong owner: the warm run really reads it.
    assert graph(org) == first
    assert (entries(org, "catalog"), entries(org, "claims"), entries(org, "import-graph")) == (
        2,
        1,
        1,
    )


def test_a_config_edit_changes_the_answer(org: GitRepo) -> None:
    graph(org)
    org.write({"guardrails.yaml": CONFIG.replace("a: {owner: ta", "a: {owner: tc")})
    warm = graph(org)  # the worktree's config: an unstaged edit counts
    assert owners(warm)["service:a"] == "team:tc"
    assert warm == uncached_graph(org)


def test_an_untracked_config_is_read_by_content(repo: GitRepo) -> None:
    repo.write({"a/__init__.py": "", "b/__init__.py": "", "a/m.py": "import b\n"})
    repo.commit("init")
    repo.write({"guardrails.yaml": CONFIG, "CODEOWNERS": "b/ @org/tb\n"})  # never added
    assert owners(graph(repo))["service:a"] == "team:ta"
    repo.write({"guardrails.yaml": CONFIG.replace("a: {owner: ta", "a: {owner: tb")})
    warm = graph(repo)
    assert owners(warm)["service:a"] == "team:tb"
    assert warm == uncached_graph(repo)


def test_a_codeowners_edit_changes_the_answer(org: GitRepo) -> None:
    assert owners(graph(org))["service:b"] == "team:tb"
    org.write({"CODEOWNERS": "b/ @org/tc\n"})
    warm = graph(org)
    assert owners(warm)["service:b"] == "team:tc"
    assert warm == uncached_graph(org)


def test_a_moved_file_changes_the_answer(org: GitRepo) -> None:
    assert imports(graph(org)) == [("service:a", "service:b", "a/m.py")]
    org.move("a/m.py", "c/m.py")
    org.commit("move")
    warm = graph(org)
    assert imports(warm) == [("service:c", "service:b", "c/m.py")]
    assert warm == uncached_graph(org)


def test_an_edited_import_is_resolved_again_and_only_that_file(org: GitRepo) -> None:
    graph(org)
    org.write({"c/y.py": "import os\nfrom a import m\n"})
    org.commit("c uses a")
    warm = graph(org)
    assert imports(warm) == [
        ("service:a", "service:b", "a/m.py"),
        ("service:c", "service:a", "c/y.py"),
    ]
    assert warm == uncached_graph(org)


def test_a_guardrails_upgrade_gives_new_keys(org: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    first = graph(org)
    before = entries(org, "catalog"), entries(org, "claims")
    monkeypatch.setattr(guardrails, "__version__", "99.0.0")
    store_mod.reset_fingerprint()
    try:
        assert graph(org) == first
        # Rebuilt under keys of the new version, none of the old entries read.
        assert (entries(org, "catalog"), entries(org, "claims")) == (2 * before[0], 2 * before[1])
    finally:
        monkeypatch.undo()
        store_mod.reset_fingerprint()


def per_file_import_records(repo: GitRepo) -> list[str]:
    """What a build that resolves files opens: the extraction cache and the newest graph
    state of the module index."""
    return sorted(
        p.name for p in cache_dir(repo).iterdir() if p.name in ("import-latest", _cache_name())
    )


def test_a_warm_graph_with_no_python_change_opens_no_per_file_record(org: GitRepo) -> None:
    first = uncached_graph(org)
    assert per_file_import_records(org) == ["import-latest", _cache_name()]
    org.write({"README.md": "hello\n"})  # a change, but not to a Python file
    org.commit("docs")
    for name in per_file_import_records(org):
        path = cache_dir(org) / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    assert graph(org) == first
    assert per_file_import_records(org) == []  # neither read (it would have been rebuilt)


def _cache_name() -> str:
    from guardrails.imports.cold import PYTHON_TAG

    return f"imports-{PYTHON_TAG}.cache"


TYPE_ONLY_USE = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from a import m\n"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # a/ handed to c: the same edges, attributed to another service
        (
            lambda c: c.replace('paths: ["a/**"]', 'paths: ["a/none/**"]').replace(
                'paths: ["c/**"]', 'paths: ["c/**", "a/**"]'
            ),
            [("service:c", "service:b", "a/m.py")],
        ),
        # only a/ is a source root: `b.x` is no first-party module any more
        (lambda c: c + "inference: {roots: [a]}\n", []),
        # type-only imports count for impact now
        (
            lambda c: c + "inference: {type_only: true}\n",
            [("service:a", "service:b", "a/m.py"), ("service:c", "service:a", "c/y.py")],
        ),
    ],
    ids=["services", "roots", "type-only"],
)
def test_a_config_edit_of_services_or_inference_changes_the_imports(
    org: GitRepo, edit: Any, expected: list[tuple[str, str, str]]
) -> None:
    org.write({"c/y.py": TYPE_ONLY_USE})
    org.commit("c uses a for types")
    assert imports(graph(org)) == [("service:a", "service:b", "a/m.py")]
    org.write({"guardrails.yaml": edit(CONFIG)})
    warm = graph(org)
    assert imports(warm) == expected
    assert warm == uncached_graph(org)


def _damage(repo: GitRepo, how: str) -> int:
    damaged = 0
    for p in cache_dir(repo).rglob("*"):
        if not p.is_file() or p.name.startswith("imports-"):
            continue
        data = p.read_bytes()
        if how == "truncate":
            p.write_bytes(data[: len(data) // 2])
        elif how == "flip":
            p.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
        elif how == "foreign":
            p.write_bytes(MAGIC + b"\x00" * 16 + data[len(MAGIC) + 16 :])
        else:
            p.write_bytes(b"")
        damaged += 1
    return damaged


@pytest.mark.parametrize("how", ["truncate", "flip", "foreign", "empty"])
def test_damaged_entries_are_ignored_and_rebuilt(org: GitRepo, how: str) -> None:
    org.branch("feature")
    org.write(
        {
            "b/x.py": "value = 1\n\n\ndef f(cmd):\n    import subprocess\n    subprocess.run(cmd, shell=True)\n"
        }
    )
    org.commit("change")
    check = ("check", "--base", "main", "--format", "json")
    fresh = run(org, *check, code=1)
    assert json.loads(fresh)["findings"][0]["rule"] == "safety.shell"
    assert _damage(org, how) >= 4  # catalog (2), claims, imports, diffs
    assert run(org, *check, code=1) == fresh
    assert run(org, *check, code=1) == fresh  # and what the damaged run rewrote reads back


def test_an_unwritable_cache_only_costs_speed(org: GitRepo) -> None:
    expected = uncached_graph(org)
    shutil.rmtree(cache_dir(org))
    cache_dir(org).write_text("not a directory\n")  # every write fails with an OSError
    assert graph(org) == expected
    assert graph(org) == expected


def test_store_rejects_what_it_did_not_write_whole(tmp_path: Path) -> None:
    store = EntryStore(tmp_path)
    k = key("test", 1)
    assert store.put("kind", k, {"a": (1, "x")})
    assert store.get("kind", k) == {"a": (1, "x")}
    path = tmp_path / "kind" / k[:2] / k
    data = path.read_bytes()
    for bad in (data[:-3], data[: len(MAGIC)], b"", data[:-1] + b"\x00", b"x" + data[1:]):
        path.write_bytes(bad)
        assert store.get("kind", k) is None
    assert store.rejected == 5
    assert not store.put("kind", k, [object()])  # not plain data: refused, not raised
    assert store.get("other", k) is None


def _writer(root: str, n: int) -> None:
    store = EntryStore(Path(root))
    value = {f"path/{i}.py": ("blob" * 10, tuple(range(200))) for i in range(300)}
    for i in range(n):
        store.put("kind", key("shared"), value)
        store.put("kind", key("own", i % 3), value)


def test_concurrent_writers_never_leave_a_torn_entry(tmp_path: Path) -> None:
    expected = {f"path/{i}.py": ("blob" * 10, tuple(range(200))) for i in range(300)}
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), 40)) for _ in range(3)]
    for p in procs:
        p.start()
    reader = EntryStore(tmp_path)
    seen = 0
    while any(p.is_alive() for p in procs):
        got = reader.get("kind", key("shared"))
        assert got is None or got == expected
        seen += got is not None
    for p in procs:
        p.join()
        assert p.exitcode == 0
    assert reader.get("kind", key("shared")) == expected
    assert reader.rejected == 0
    assert not [p for p in tmp_path.rglob(".tmp-*")]  # no temp file left behind


def test_prune_keeps_the_most_recently_written_entries(tmp_path: Path) -> None:
    store = EntryStore(tmp_path)
    keys = [key("entry", i) for i in range(10)]
    for i, k in enumerate(keys):
        assert store.put("diffs", k, i)
        path = tmp_path / "diffs" / k[:2] / k
        os.utime(path, ns=(1_000_000_000 * (i + 1), 1_000_000_000 * (i + 1)))
    assert store.prune("diffs", 20) == 0
    assert store.prune("diffs", 5) == 6  # down to 80 % of the limit: 4 left, the newest
    assert [store.get("diffs", k) for k in keys] == [None] * 6 + [6, 7, 8, 9]


def test_a_run_that_writes_prunes_once(tmp_path: Path) -> None:
    old = EntryStore(tmp_path)
    for i in range(10):
        assert old.put("claims", key("old", i), i)
        k = key("old", i)
        os.utime(tmp_path / "claims" / k[:2] / k, ns=(10**9 * (i + 1), 10**9 * (i + 1)))
    run = EntryStore(tmp_path)  # the next process
    assert run.put("claims", key("new"), "x", keep=5)
    kept = sorted(p.name for p in (tmp_path / "claims").rglob("*") if p.is_file())
    assert kept == sorted([key("new"), key("old", 9), key("old", 8), key("old", 7)])
    assert run.put("claims", key("newer"), "y", keep=1)  # once per run: no second prune
    assert run.get("claims", key("new")) == "x"


def test_a_kind_well_under_its_limit_is_not_listed_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pruning lists every entry of the kind: a run that writes one diff to a repository
    holding thousands must not pay that. The shard written to tells how full the kind is."""
    seed = EntryStore(tmp_path)
    for i in range(600):
        assert seed._put("diffs", key("seed", i), i)
    listed: list[str] = []
    real = EntryStore.prune

    def counting(self: EntryStore, kind: str, limit: int) -> int:
        listed.append(kind)
        return real(self, kind, limit)

    monkeypatch.setattr(EntryStore, "prune", counting)
    assert EntryStore(tmp_path).put("diffs", key("new"), "x", keep=20_000)
    assert listed == []  # ~600 entries, nowhere near 20,000
    assert EntryStore(tmp_path).put("diffs", key("newer"), "y", keep=100)
    assert listed == ["diffs"]
    left = [p for p in (tmp_path / "diffs").rglob("*") if p.is_file()]
    assert len(left) == 80  # pruned to 80 % of the limit


def _install(site: Path, *, stamp: int, record: bool = True) -> Path:
    """A copy of this package as a wheel install lays it out (the package, its ``_data``
    and a dist-info whose RECORD hashes every file), each file's mtime set to ``stamp``."""
    import base64
    import hashlib

    package = Path(guardrails.__file__).resolve().parent
    target = site / "guardrails"
    shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(package.parent / "policies", target / "_data" / "policies")
    shutil.copy(package.parent / "graph" / "guardrails.schema.json", target / "_data")
    lines = []
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        digest = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest())
        lines.append(
            f"{path.relative_to(site)},sha256={digest.rstrip(b'=').decode()},{path.stat().st_size}"
        )
        os.utime(path, ns=(stamp, stamp))
    if record:
        meta = site / f"guardrails-{guardrails.__version__}.dist-info"
        meta.mkdir()
        (meta / "RECORD").write_text("\n".join(lines) + "\n")
    return site


def _fingerprint_of(site: Path) -> str:
    import subprocess
    import sys

    # -S: no site-packages, where the editable install's finder would import this checkout.
    code = (
        "import guardrails\n"
        f"assert guardrails.__file__.startswith({str(site)!r}), guardrails.__file__\n"
        "from guardrails.cache.store import fingerprint\n"
        "print(fingerprint().hex())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_the_same_release_installed_again_keeps_its_fingerprint(tmp_path: Path) -> None:
    """Every CI job installs guardrails afresh (new file times): its restored cache must still
    be this guardrails' cache. A wheel install is named by its RECORD's hashes, not times."""
    first = _fingerprint_of(_install(tmp_path / "a", stamp=10**18))
    again = _fingerprint_of(_install(tmp_path / "b", stamp=2 * 10**18))
    assert first == again
    edited = _install(tmp_path / "c", stamp=10**18)
    (edited / "guardrails" / "imports" / "extract.py").write_text("# another release\n")
    record = next(edited.glob("guardrails-*.dist-info")) / "RECORD"
    record.write_text(record.read_text().replace("guardrails/imports/extract.py,sha256=", "x"))
    assert _fingerprint_of(edited) != first
    # A checkout (or an editable install) has no RECORD: its files' times stand for them.
    assert _fingerprint_of(_install(tmp_path / "d", stamp=10**18, record=False)) != (
        _fingerprint_of(_install(tmp_path / "e", stamp=2 * 10**18, record=False))
    )


def test_the_catalog_names_kept_in_memory_are_bounded() -> None:
    """A long-lived process (the MCP server) keeps the entry keys of its last few catalogs,
    not of every catalog it ever read."""
    from guardrails.cache import world
    from guardrails.catalog.model import Catalog

    catalogs = [Catalog() for _ in range(3 * world._KEEP_KEYS)]
    for i, catalog in enumerate(catalogs):
        world._named(catalog, f"k{i}")
    assert len(world._KEYS) == world._KEEP_KEYS
    assert world._catalog_name(catalogs[-1]) == f"entry:k{len(catalogs) - 1}"
    assert world._catalog_name(catalogs[0]) != "entry:k0"  # forgotten: digested instead
