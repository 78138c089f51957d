"""Where the policies in force come from, staged: the index's guardrails.yaml judges, and the
report says when the work tree's differs (compared by blob id, with no blob read)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from guardrails.cli import cli
from tests.gitrepo import GitRepo

CONFIG = (
    "version: 1\nteams:\n  ta: {members: [ana]}\nservices:\n  a: {owner: ta, paths: ['a/**']}\n"
)


def ignored(repo: GitRepo) -> bool:
    result = CliRunner().invoke(
        cli, ["check", "-C", str(repo.root), "--staged", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["config"]["from"] == "index"
    return bool(doc["config"]["ignored_worktree_change"])


@pytest.mark.parametrize(
    ("work_tree", "expected"),
    [
        (CONFIG, False),  # the same bytes
        (CONFIG + "# unstaged\n", True),
        (CONFIG.replace("\n", "\r\n"), True),  # other bytes, however alike
        (None, True),  # deleted from the work tree only
    ],
)
def test_a_tracked_config(repo: GitRepo, work_tree: str | None, expected: bool) -> None:
    repo.write({"guardrails.yaml": CONFIG, "a/x.py": "x = 1\n"})
    repo.commit("initial")
    repo.write({"a/x.py": "x = 2\n"})
    repo.stage()
    config = repo.root / "guardrails.yaml"
    if work_tree is None:
        config.unlink()
    else:
        config.write_bytes(work_tree.encode())
    assert ignored(repo) is expected


def test_a_config_the_index_does_not_have(repo: GitRepo) -> None:
    repo.write({"a/x.py": "x = 1\n"})
    repo.commit("initial")
    repo.write({"a/x.py": "x = 2\n"})
    repo.stage()
    assert ignored(repo) is False  # neither has one
    (repo.root / "guardrails.yaml").write_text(CONFIG)
    assert ignored(repo) is True  # only the work tree has one: not what judges


def test_a_warm_staged_check_runs_six_git_processes(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    repo.write({"guardrails.yaml": CONFIG, "a/x.py": "x = 1\n", "README.md": "hi\n"})
    repo.commit("initial")
    repo.write({"README.md": "hi\nthere\n"})
    repo.stage()
    ignored(repo)  # cold: the caches fill
    calls: list[str] = []
    real = subprocess.Popen

    def spy(args, *a, **kw):  # type: ignore[no-untyped-def]
        if args and args[0] == "git":
            calls.append(args[1])
        return real(args, *a, **kw)

    monkeypatch.setattr("guardrails.git.run._popen", spy)
    assert ignored(repo) is False
    # open; the staged change (HEAD, the committer and the diff at once, then the index listing
    # beside its blobs). No blob read for the work tree's config: compared by id. Nothing staged
    # ends after the diff (see test_nothing_staged_costs_three_processes_started_together).
    assert calls == [
        "rev-parse",
        "rev-parse",
        "var",
        "diff-index",
        "ls-files",
        "cat-file",
    ]


@pytest.mark.parametrize(
    ("head_config", "expected"),
    [(CONFIG, False), (CONFIG + "# edited\n", True), (None, True)],
)
def test_a_range_says_when_the_heads_config_is_not_what_judges(
    repo: GitRepo, head_config: str | None, expected: bool
) -> None:
    repo.write({"guardrails.yaml": CONFIG, "a/x.py": "x = 1\n"})
    repo.commit("initial")
    repo.branch("feature")
    repo.write({"a/x.py": "x = 2\n"})
    if head_config is None:
        repo.remove("guardrails.yaml")
    else:
        repo.write({"guardrails.yaml": head_config})
    repo.commit("change")
    result = CliRunner().invoke(
        cli, ["check", "-C", str(repo.root), "--base", "main", "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    doc = json.loads(result.stdout)
    assert (doc["config"]["from"], doc["config"]["ignored_worktree_change"]) == ("base", expected)
