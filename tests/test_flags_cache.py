"""Flag reads cached by blob id: a warm run reads no file, a changed file is read once, a
damaged cache is rebuilt, and a different reader setting never sees another's entries."""

from __future__ import annotations

from pathlib import Path

import pytest

import guardrails
from guardrails.cache import store
from guardrails.catalog.model import Catalog, FileSource, Service
from guardrails.flags import flag_graph
from guardrails.git import Repo
from tests.gitrepo import GitRepo

FLAGD = '{"flags": {"fast": {"variants": {"on": true, "off": false}, "defaultVariant": "off"}}}\n'


def catalog(readers: tuple[str, ...] = ()) -> Catalog:
    return Catalog(
        services={"svc": Service("svc", paths=("svc/**",))},
        flags=(FileSource("flags.json", "flagd", owner="t", readers=readers),),
    )


def services_of(path: str) -> tuple[str, ...]:
    return ("svc",) if path.startswith("svc/") else ()


def build(
    repo: GitRepo, cache_dir: Path, readers: tuple[str, ...] = ()
) -> tuple[int, list[tuple[str, int, str]]]:
    snapshot = Repo.open(repo.root).snapshot("HEAD")
    graph = flag_graph(
        snapshot, catalog(readers), services_of, lambda p: ((), ()), cache_dir=cache_dir
    )
    return graph.parsed, [(r.path, r.line, r.key) for r in graph.reads]


def test_warm_runs_read_nothing_and_a_changed_file_is_read_once(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.write(
        {
            "flags.json": FLAGD,
            "svc/a.py": "def f(c):\n    return c.get_boolean_value('fast', False)\n",
            "svc/b.py": "def g(c):\n    return is_on('fast')\n",
            "svc/c.py": "x = 1\n",
        }
    )
    repo.commit("init")
    cache = tmp_path / "cache"
    assert build(repo, cache) == (3, [("svc/a.py", 2, "fast")])
    assert build(repo, cache) == (0, [("svc/a.py", 2, "fast")])
    repo.write({"svc/c.py": "x = variation('fast', ctx, False)\n"})
    repo.commit("c reads it")
    assert build(repo, cache) == (1, [("svc/a.py", 2, "fast"), ("svc/c.py", 1, "fast")])
    # Another reader setting has its own entries: b.py is read again and now counts.
    assert build(repo, cache, ("is_on",)) == (
        3,
        [("svc/a.py", 2, "fast"), ("svc/b.py", 2, "fast"), ("svc/c.py", 1, "fast")],
    )
    for damaged in cache.glob("flag-reads-*.json"):
        damaged.write_text('{"x": [[1, 2, 3]], "y": "nope"', encoding="utf-8")
    assert build(repo, cache) == (3, [("svc/a.py", 2, "fast"), ("svc/c.py", 1, "fast")])


def test_an_unwritable_cache_dir_still_builds(repo: GitRepo, tmp_path: Path) -> None:
    repo.write({"flags.json": FLAGD, "svc/a.py": "is_enabled('fast')\n"})
    repo.commit("init")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert build(repo, blocker / "cache") == (1, [("svc/a.py", 1, "fast")])
    assert build(repo, blocker / "cache") == (1, [("svc/a.py", 1, "fast")])


def test_another_guardrails_reads_every_file_again(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reads of an older reader are not trusted after an upgrade (or a checkout edit)
    that changed it without a VERSION bump: the file carries the store's fingerprint."""
    repo.write({"flags.json": FLAGD, "svc/a.py": "is_enabled('fast')\n"})
    repo.commit("init")
    cache = tmp_path / "cache"
    assert build(repo, cache) == (1, [("svc/a.py", 1, "fast")])
    assert build(repo, cache) == (0, [("svc/a.py", 1, "fast")])
    monkeypatch.setattr(guardrails, "__version__", "99.0.0")
    store.reset_fingerprint()
    try:
        assert build(repo, cache) == (1, [("svc/a.py", 1, "fast")])
        assert build(repo, cache) == (0, [("svc/a.py", 1, "fast")])
    finally:
        monkeypatch.undo()
        store.reset_fingerprint()
    assert build(repo, cache) == (1, [("svc/a.py", 1, "fast")])
