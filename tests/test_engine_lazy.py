"""The import graph and the dependency graph are built only when something asks for them.

A commit that touches no node and changes no Python file (docs, a top-level text file) is
judged without them; a change that touches a node, even through a YAML file, still reaches
every importer. The graphs are built through ``guardrails.imports.build_import_graph``,
which each test counts, and the verdicts are asserted whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner

import guardrails.imports
from guardrails.cli import cli
from tests.gitrepo import GitRepo

CONFIG = """\
version: 1
teams:
  ta: {members: [ana], handles: ["@org/ta"]}
  tb: {members: [bo], handles: ["@org/tb"]}
services:
  a: {owner: ta, paths: ["a/**"]}
  b: {owner: tb, paths: ["b/**"]}
"""


@pytest.fixture
def org(repo: GitRepo) -> GitRepo:
    """a imports b."""
    repo.write(
        {
            "guardrails.yaml": CONFIG,
            "CODEOWNERS": "* @org/ta\n",
            "README.md": "hello\n",
            "a/__init__.py": "",
            "a/m.py": "from b.x import value\n",
            "b/__init__.py": "",
            "b/x.py": "value = 1\n",
            "b/settings.yaml": "retries: 1\n",
        }
    )
    repo.commit("init")
    return repo


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many import graphs the run built."""
    calls: list[int] = []
    real: Callable[..., Any] = guardrails.imports.build_import_graph

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(guardrails.imports, "build_import_graph", counting)
    return calls


def check_staged(repo: GitRepo) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["check", "-C", str(repo.root), "--staged", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_a_docs_only_commit_builds_no_graph(org: GitRepo, builds: list[int]) -> None:
    org.write({"README.md": "hello again\n"})
    org.stage("README.md")
    doc = check_staged(org)
    assert builds == []
    # Who owns the file is still known: another team's file warns, and names who can approve.
    assert doc["decision"] == "warn"
    assert [(f["rule"], f["path"]) for f in doc["findings"]] == [
        ("ownership.cross-team", "README.md")
    ]
    [req] = doc["requirements"]
    assert (req["id"], req["candidates"]) == (
        "default.ownership-cross-team#ta",
        [{"login": "ana", "handle": "@org/ta"}],
    )
    assert doc["impact"]["changed"] == [] and doc["impact"]["affected"] == []
    assert doc["impact"]["files"] == [
        {"path": "README.md", "status": "M", "nodes": [], "owners": ["@org/ta"]}
    ]


def test_a_yaml_change_in_a_service_still_reaches_its_importers(
    org: GitRepo, builds: list[int]
) -> None:
    org.write({"b/settings.yaml": "retries: 2\n"})
    org.stage("b/settings.yaml")
    doc = check_staged(org)
    assert builds == [1]
    assert [n["id"] for n in doc["impact"]["changed"]] == ["service:b"]
    assert [(n["id"], n["path"]) for n in doc["impact"]["affected"]] == [
        ("service:a", ["service:a", "service:b"])
    ]


def test_a_python_change_builds_the_graph_once(org: GitRepo, builds: list[int]) -> None:
    org.write({"b/x.py": "value = 2\n"})
    org.stage("b/x.py")
    doc = check_staged(org)
    assert builds == [1]
    assert [n["id"] for n in doc["impact"]["affected"]] == ["service:a"]
