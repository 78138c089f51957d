"""Module resolution and the file-level import graph, on real git repositories."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping

import pytest

from guardrails.catalog.model import Catalog, Inference, Service
from guardrails.git import Repo
from guardrails.imports import ImportGraph, build_import_graph
from guardrails.imports import build as build_module
from guardrails.imports.resolve import find_source_roots, pyproject_roots
from tests.gitrepo import GitRepo


def service_of(services: Mapping[str, str]) -> Callable[[str], str | None]:
    def of(path: str) -> str | None:
        for name, directory in services.items():
            if path.startswith(directory + "/"):
                return name
        return None

    return of


def catalog_for(services: Mapping[str, str], roots: tuple[str, ...] = ()) -> Catalog:
    return Catalog(
        services={n: Service(n, paths=(f"{d}/**",), source="test") for n, d in services.items()},
        inference=Inference(roots=roots),
    )


def build(
    repo: GitRepo,
    files: Mapping[str, str],
    services: Mapping[str, str] | None = None,
    *,
    roots: tuple[str, ...] = (),
    rev: str = "HEAD",
) -> ImportGraph:
    if files:
        repo.write(files)
        repo.commit("tree")
    services = services or {}
    return build_import_graph(
        Repo.open(repo.root).snapshot(rev),
        catalog_for(services, roots),
        cache_dir=None,
        service_of=service_of(services),
    )


def edges(graph: ImportGraph) -> set[tuple[str, int, str, str, tuple[str, ...]]]:
    return {(e.src_path, e.line, e.module, e.dst_path, e.names) for e in graph.edges}


SERVICES = {"a": "services/a", "b": "services/b"}


def test_from_import_goes_to_the_submodule_or_the_package(repo: GitRepo) -> None:
    graph = build(
        repo,
        {
            "services/a/__init__.py": "VERSION = 1\n",
            "services/a/client.py": "def send(): ...\n",
            "services/b/__init__.py": "",
            "services/b/use.py": (
                "import json\nimport requests\n"
                "from a import client\n"
                "from a.client import send\n"
                "from a import VERSION, client as c2\n"
                "import a.client.send\n"
            ),
        },
        SERVICES,
    )
    assert edges(graph) == {
        ("services/b/use.py", 3, "a.client", "services/a/client.py", ("client",)),
        ("services/b/use.py", 4, "a.client", "services/a/client.py", ("send",)),
        ("services/b/use.py", 5, "a.client", "services/a/client.py", ("client",)),
        ("services/b/use.py", 5, "a", "services/a/__init__.py", ("VERSION",)),
        ("services/b/use.py", 6, "a.client", "services/a/client.py", ()),
    }
    assert graph.problems == ()
    assert "services" in graph.roots  # the parent of the services' top-level packages


def test_relative_imports_and_beyond_the_top_level(repo: GitRepo) -> None:
    graph = build(
        repo,
        {
            "services/a/__init__.py": "",
            "services/a/x.py": "",
            "services/a/sub/__init__.py": "from . import y\n",
            "services/a/sub/y.py": "from .. import x\nfrom ..x import f\nfrom ... import nothing\n",
        },
        SERVICES,
    )
    assert edges(graph) == {
        ("services/a/sub/__init__.py", 1, "a.sub.y", "services/a/sub/y.py", ("y",)),
        ("services/a/sub/y.py", 1, "a.x", "services/a/x.py", ("x",)),
        ("services/a/sub/y.py", 2, "a.x", "services/a/x.py", ("f",)),
    }
    [problem] = graph.problems
    assert (problem.path, problem.line) == ("services/a/sub/y.py", 3)
    assert "beyond the top-level package" in problem.message


def test_namespace_packages_without_init(repo: GitRepo) -> None:
    graph = build(
        repo,
        {
            "ns/plugins/one.py": "",
            "ns/plugins/two.py": "from ns.plugins import one\nimport ns\nimport ns.plugins\n",
        },
    )
    assert edges(graph) == {
        ("ns/plugins/two.py", 1, "ns.plugins.one", "ns/plugins/one.py", ("one",))
    }


def test_src_layout(repo: GitRepo) -> None:
    graph = build(
        repo,
        {
            "src/mypkg/__init__.py": "",
            "src/mypkg/core.py": "from mypkg import util\n",
            "src/mypkg/util.py": "",
            "tools/run.py": "import mypkg.core\n",
        },
    )
    assert "src" in graph.roots
    assert edges(graph) == {
        ("src/mypkg/core.py", 1, "mypkg.util", "src/mypkg/util.py", ("util",)),
        ("tools/run.py", 1, "mypkg.core", "src/mypkg/core.py", ()),
    }


def test_multi_root_monorepo_from_pyproject_build_settings(repo: GitRepo) -> None:
    services = {
        "alpha": "libs/alpha",
        "beta": "libs/beta",
        "gamma": "libs/gamma",
        "app": "apps/web",
    }
    graph = build(
        repo,
        {
            "libs/alpha/pyproject.toml": '[tool.setuptools.packages.find]\nwhere = ["src"]\n',
            "libs/alpha/src/alpha/__init__.py": "",
            "libs/beta/pyproject.toml": (
                '[tool.hatch.build.targets.wheel]\npackages = ["lib/beta"]\n'
            ),
            "libs/beta/lib/beta/__init__.py": "",
            "libs/gamma/pyproject.toml": (
                '[tool.poetry]\npackages = [{include = "gamma", from = "source"}]\n'
            ),
            "libs/gamma/source/gamma/__init__.py": "",
            "libs/delta/pyproject.toml": '[tool.setuptools]\npackage-dir = {"" = "code"}\n',
            "libs/delta/code/delta.py": "",
            "apps/web/pyproject.toml": "[project]\nname = 'web'\n",
            "apps/web/main.py": "import alpha\nimport beta\nimport gamma\nimport delta\n",
        },
        services,
    )
    assert {
        "libs/alpha/src",
        "libs/beta/lib",
        "libs/gamma/source",
        "libs/delta/code",
        "apps/web",
    } <= set(graph.roots)
    assert {(k, tuple(e.dst_path for e in v)) for k, v in graph.service_edges().items()} == {
        (("app", "alpha"), ("libs/alpha/src/alpha/__init__.py",)),
        (("app", "beta"), ("libs/beta/lib/beta/__init__.py",)),
        (("app", "gamma"), ("libs/gamma/source/gamma/__init__.py",)),
    }
    assert ("apps/web/main.py", 4, "delta", "libs/delta/code/delta.py", ()) in edges(graph)


def test_unreadable_pyproject_is_reported_not_fatal() -> None:
    roots, error = pyproject_roots("x", b"[tool\n")
    assert roots == [] and error and "pyproject.toml" in error


def test_ambiguous_module_is_reported_and_kept(repo: GitRepo) -> None:
    graph = build(
        repo,
        {
            "libs/one/common/__init__.py": "",
            "libs/one/common/util.py": "",
            "libs/one/common/user.py": "from common import util\n",
            "libs/two/common/__init__.py": "",
            "libs/two/common/util.py": "",
            "app/main.py": "from common import util\n",
        },
        roots=("libs/one", "libs/two", "app"),
    )
    assert edges(graph) == {
        # inside libs/one its own root decides
        ("libs/one/common/user.py", 1, "common.util", "libs/one/common/util.py", ("util",)),
        # from elsewhere both claimants count
        ("app/main.py", 1, "common.util", "libs/one/common/util.py", ("util",)),
        ("app/main.py", 1, "common.util", "libs/two/common/util.py", ("util",)),
    }
    [problem] = graph.problems
    assert "'common.util' is claimed by 2 files" in problem.message
    assert (
        "libs/one/common/util.py" in problem.message
        and "libs/two/common/util.py" in problem.message
    )
    assert problem.fix and "inference.roots" in problem.fix


def test_explicit_roots_replace_detection(repo: GitRepo) -> None:
    graph = build(repo, {"src/p/__init__.py": "", "x/q.py": "import p\n"}, roots=("x",))
    assert graph.roots == ("x",)
    assert graph.edges == ()


def test_stdlib_names_are_not_captured_by_a_service_module(repo: GitRepo) -> None:
    graph = build(
        repo,
        {
            "services/a/pyproject.toml": "",
            "services/a/logging.py": "",
            "services/b/pyproject.toml": "",
            "services/b/main.py": "import logging\n",
        },
        SERVICES,
    )
    assert graph.edges == ()


def test_syntax_error_file_is_reported_and_the_rest_is_built(repo: GitRepo) -> None:
    graph = build(
        repo,
        {
            "services/a/__init__.py": "",
            "services/a/broken.py": "import b\ndef f(:\n    import b\n",
            "services/b/__init__.py": "",
            "services/b/ok.py": "import a\n",
        },
        SERVICES,
    )
    assert edges(graph) == {("services/b/ok.py", 1, "a", "services/a/__init__.py", ())}
    [problem] = graph.problems
    assert (problem.path, problem.line) == ("services/a/broken.py", 2)
    assert problem.message.startswith("cannot parse for imports")


def test_pep695_file_contributes_edges(repo: GitRepo) -> None:
    graph = build(
        repo,
        {
            "services/a/__init__.py": "",
            "services/b/__init__.py": "def f[T](x: T) -> T:\n    import a\n    return x\n",
        },
        SERVICES,
    )
    assert list(graph.service_edges()) == [("b", "a")]
    assert graph.stats is not None
    assert graph.stats.fallback == 0  # type parameters are blanked for ast, even under 3.11


FLAGGED = {
    "services/a/__init__.py": "",
    "services/a/t.py": "",
    "services/a/w.py": "",
    "services/a/d.py": "",
    "services/a/own.py": "from a import t\n",
    "services/b/__init__.py": "",
    "services/b/main.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from a.t import T\n"
        "try:\n    import a.w\nexcept ImportError:\n    pass\n"
        "def f():\n    return importlib.import_module('a.d')\n"
    ),
}


def test_service_edges_apply_the_type_only_and_weak_switches(repo: GitRepo) -> None:
    graph = build(repo, FLAGGED, SERVICES)

    def dsts(**kw: bool) -> list[str]:
        return [e.dst_path for e in graph.service_edges(**kw).get(("b", "a"), ())]

    assert dsts() == ["services/a/w.py", "services/a/d.py"]  # defaults: weak in, type-only out
    assert dsts(include_type_only=True, include_weak=True) == [
        "services/a/t.py",
        "services/a/w.py",
        "services/a/d.py",
    ]
    assert dsts(include_type_only=False, include_weak=False) == ["services/a/d.py"]
    assert list(graph.service_edges()) == [("b", "a")]  # same-service a -> a is not listed
    dynamic = graph.service_edges()[("b", "a")][-1]
    assert (dynamic.dynamic, dynamic.statement, dynamic.location) == (
        True,
        "importlib.import_module('a.d')",
        "services/b/main.py:9",
    )


def test_importers_of_a_module_and_a_path(repo: GitRepo) -> None:
    graph = build(repo, FLAGGED, SERVICES)
    assert [(e.src_path, e.line, e.names) for e in graph.importers_of("a.t")] == [
        ("services/a/own.py", 1, ("t",)),
        ("services/b/main.py", 3, ("T",)),
    ]
    assert graph.importers_of_path("services/a/w.py") == graph.importers_of("a.w")


def test_deleted_file_is_still_reached_through_the_base_revision(repo: GitRepo) -> None:
    repo.write(
        {
            "services/a/__init__.py": "",
            "services/a/client.py": "def send(): ...\n",
            "services/b/__init__.py": "",
            "services/b/use.py": "from a.client import send\n",
        }
    )
    base = repo.commit("base")
    repo.remove("services/a/client.py")
    repo.commit("delete the client")
    base_graph = build(repo, {}, SERVICES, rev=base)
    head_graph = build(repo, {}, SERVICES, rev="HEAD")
    [site] = base_graph.importers_of_path("services/a/client.py")
    assert (site.src_path, site.line, site.statement) == (
        "services/b/use.py",
        1,
        "from a.client import send",
    )
    assert head_graph.importers_of_path("services/a/client.py") == ()


def test_roots_from_service_paths(repo: GitRepo) -> None:
    files = [
        "services/event_bus/__init__.py",
        "services/event_bus/client.py",
        "platform/pkg/__init__.py",
        "platform/pkg/inner/__init__.py",
        "web/app.py",
    ]
    catalog = catalog_for(
        {"bus": "services/event_bus", "inner": "platform/pkg/inner", "web": "web"}
    )
    roots, problems = find_source_roots(files, lambda ps: {}, catalog)
    # the parent of each service's top-level package; a service dir without __init__ itself
    assert roots == ("", "platform", "services", "web")
    assert problems == ()


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.6
        return self.now


def test_progress_only_on_a_tty_and_when_slow(monkeypatch: pytest.MonkeyPatch) -> None:
    quiet = io.StringIO()
    bar = build_module._Progress(10, True, quiet)
    bar.update(5)
    bar.close()
    assert quiet.getvalue() == ""  # not a TTY

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    fast = Tty()
    bar = build_module._Progress(10, True, fast)
    bar.update(5)  # 0.6 s would be fast; the real clock here is far below 1 s
    bar.close()
    assert fast.getvalue() == ""

    monkeypatch.setattr(build_module.time, "perf_counter", _Clock())
    slow = Tty()
    bar = build_module._Progress(10, True, slow)
    bar.update(5)  # 0.6 s after the start: still quiet
    bar.update(10)  # 1.2 s: slow enough to show
    bar.close()
    assert slow.getvalue() == "\rguardrails: reading imports 10/10 files\r\x1b[K"

    off = Tty()
    bar = build_module._Progress(10, False, off)
    bar.update(10)
    assert off.getvalue() == ""


def test_build_without_progress_prints_nothing(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write({"services/a/__init__.py": "import b\n", "services/b/__init__.py": ""})
    repo.commit("x")
    build_import_graph(
        Repo.open(repo.root).worktree(),
        catalog_for(SERVICES),
        cache_dir=None,
        service_of=service_of(SERVICES),
        progress=True,
    )
    assert capsys.readouterr().err == ""
