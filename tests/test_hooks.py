"""The hooks as users run them: the real pre-commit framework and real `git commit` / `git
push` to a local bare remote, with our manifest's entries; the plain hooks from hooks/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pre_commit.clientlib import load_manifest

from guardrails.cli import cli
from guardrails.commands.hook import select
from tests.gitrepo import GitRepo, git_env

ROOT = Path(__file__).resolve().parent.parent
ACME = ROOT / "graph" / "examples" / "acme"
RISKY = {"services/ranker/ops.py": "import os\n\n\ndef wipe():\n    os.system('rm -rf /tmp/x')\n"}
CLEAN = {"services/ranker/notes.py": "NOTE = 'tuned'\n"}

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    return git_env(
        {
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
            "HOME": os.environ["HOME"],
            "PRE_COMMIT_HOME": os.environ["PRE_COMMIT_HOME"],
            "GIT_AUTHOR_NAME": "Test Author",
            "GIT_AUTHOR_EMAIL": "author@example.com",
            "GIT_COMMITTER_NAME": "Test Author",
            "GIT_COMMITTER_EMAIL": "author@example.com",
            "GIT_AUTHOR_DATE": "@1700000000 +0000",
            "GIT_COMMITTER_DATE": "@1700000000 +0000",
        }
    )


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, env=_env(), capture_output=True, text=True, check=False
    )


def _acme(repo: GitRepo) -> GitRepo:
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    return repo


def _with_remote(repo: GitRepo, tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True, env=git_env())
    repo.git("remote", "add", "origin", str(bare))
    repo.git("push", "-q", "origin", "main")
    return bare


def _use_pre_commit(repo: GitRepo) -> None:
    """Our manifest's hooks as local hooks (this interpreter's `guardrails` on PATH), then
    `pre-commit install` for both stages, as the docs tell a user to."""
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    keys = ("id", "name", "entry", "pass_filenames", "always_run", "require_serial", "stages")
    local = [
        {k: h[k] for k in keys} | {"language": "unsupported", "verbose": h.get("verbose", False)}
        for h in manifest
    ]
    (repo.root / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]})
    )
    repo.commit("pre-commit config")
    pre_commit = shutil.which("pre-commit", path=_env()["PATH"])
    assert pre_commit is not None
    proc = _run(
        repo.root, pre_commit, "install", "--hook-type", "pre-commit", "--hook-type", "pre-push"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_manifest_is_valid_for_pre_commit() -> None:
    hooks = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    by_id = {h["id"]: h for h in hooks}
    assert sorted(by_id) == ["guardrails", "guardrails-affected"]
    assert by_id["guardrails"]["entry"] == "guardrails hook"
    assert by_id["guardrails-affected"]["entry"] == "guardrails hook --affected"
    assert by_id["guardrails-affected"]["verbose"] is True
    for h in hooks:
        assert h["stages"] == ["pre-commit", "pre-push"]
        assert h["minimum_pre_commit_version"] == "3.2.0"
        assert h["pass_filenames"] is False and h["always_run"] is True


def test_a_staged_risky_change_fails_the_commit_with_the_rule_id(repo: GitRepo) -> None:
    _use_pre_commit(_acme(repo))
    repo.write(RISKY)
    repo.stage()
    proc = _run(repo.root, "git", "commit", "-m", "wipe")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert "safety.os-system  services/ranker/ops.py:5" in out
    assert "guardrails (merge gate)" in out and "Failed" in out
    # the informational hook passes and shows who the change affects
    assert "service:growth-app" in out
    assert repo.git("log", "-1", "--format=%s") == "pre-commit config"


def test_a_clean_change_passes_and_unstaged_edits_are_not_judged(repo: GitRepo) -> None:
    _use_pre_commit(_acme(repo))
    repo.write(CLEAN)
    repo.stage()
    repo.write(RISKY)  # in the work tree, not staged: not part of this commit
    proc = _run(repo.root, "git", "commit", "-m", "notes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert out.count("Passed") == 2
    assert "safety.os-system" not in out
    assert repo.git("log", "-1", "--format=%s") == "notes"
    assert (repo.root / "services/ranker/ops.py").exists()  # pre-commit gave it back


def test_pre_push_judges_the_pushed_range(repo: GitRepo, tmp_path: Path) -> None:
    _acme(repo)
    _with_remote(repo, tmp_path)
    _use_pre_commit(repo)
    repo.write(RISKY)
    repo.commit("wipe, committed past the hook")  # --no-verify: only the push stage sees it
    repo.write(CLEAN)
    repo.commit("notes")
    proc = _run(repo.root, "git", "push", "origin", "main")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "safety.os-system  services/ranker/ops.py:5" in out
    # the same history minus the risky commit pushes
    repo.git("reset", "-q", "--hard", "HEAD~2")
    repo.write(CLEAN)
    repo.commit("notes only")
    proc = _run(repo.root, "git", "push", "origin", "main")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pre_push_of_a_new_branch_judges_only_its_own_commits(
    repo: GitRepo, tmp_path: Path
) -> None:
    _acme(repo)
    _with_remote(repo, tmp_path)
    _use_pre_commit(repo)
    repo.branch("feature")
    repo.write(RISKY)
    repo.commit("wipe")
    proc = _run(repo.root, "git", "push", "origin", "feature")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "safety.os-system  services/ranker/ops.py:5" in proc.stdout + proc.stderr
    repo.checkout("main")
    repo.branch("docs")
    repo.write(CLEAN)
    repo.commit("notes")
    proc = _run(repo.root, "git", "push", "origin", "docs")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pre_push_of_a_new_history(repo: GitRepo, tmp_path: Path) -> None:
    """The push that creates the remote's first branch: pre-commit passes no range."""
    _use_pre_commit(_acme(repo))  # two commits: acme (the root), then the config
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True, env=git_env())
    repo.git("remote", "add", "origin", str(bare))
    repo.write(RISKY)
    repo.commit("wipe")
    proc = _run(repo.root, "git", "push", "origin", "main")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "safety.os-system  services/ranker/ops.py:5" in proc.stdout + proc.stderr


def test_the_hook_selects_the_change_from_pre_commits_variables() -> None:
    a, b, root = "a" * 40, "b" * 40, "c" * 40
    assert select({}, [], "HEAD") == {}
    assert select({"PRE_COMMIT_FROM_REF": a, "PRE_COMMIT_TO_REF": b}, [root], b) == {
        "base": a,
        "head": b,
    }
    assert select({"PRE_COMMIT_REMOTE_NAME": "origin"}, [root], b) == {"base": root, "head": b}
    assert select({"PRE_COMMIT_REMOTE_NAME": "origin"}, [b], b) == {"nothing": b}
    zeros = {"PRE_COMMIT_FROM_REF": "0" * 40, "PRE_COMMIT_TO_REF": b}
    assert select(zeros, [root], b) == {"base": root, "head": b}


def test_a_push_of_the_root_commit_alone_says_there_is_nothing_to_compare(repo: GitRepo) -> None:
    root = _acme(repo).git("rev-parse", "HEAD")
    env = {"PRE_COMMIT_REMOTE_NAME": "origin", "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main"}
    result = CliRunner().invoke(cli, ["hook", "-C", str(repo.root)], env=env)
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"guardrails: the push starts a new history at {root[:12]}: there is no earlier "
        "commit to compare it with (its commits were judged as they were committed)\n"
    )


# ----- the plain git hooks, for teams without the framework --------------------------------


def test_install_hooks_then_commit_and_push_are_gated(repo: GitRepo, tmp_path: Path) -> None:
    _acme(repo)
    _with_remote(repo, tmp_path)
    result = CliRunner().invoke(cli, ["install-hooks", "-C", str(repo.root)])
    assert result.exit_code == 0, result.output
    hooks = repo.root / ".git" / "hooks"
    assert result.output == f"{hooks / 'pre-commit'}: installed\n{hooks / 'pre-push'}: installed\n"
    assert (hooks / "pre-commit").read_text() == (ROOT / "hooks" / "pre-commit").read_text()
    assert os.access(hooks / "pre-push", os.X_OK)
    repo.write(RISKY)
    repo.stage()
    proc = _run(repo.root, "git", "commit", "-m", "wipe")
    assert proc.returncode == 1
    assert "safety.os-system  services/ranker/ops.py:5" in proc.stdout + proc.stderr
    proc = _run(repo.root, "git", "commit", "--no-verify", "-m", "wipe")
    assert proc.returncode == 0
    proc = _run(repo.root, "git", "push", "origin", "main")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "safety.os-system  services/ranker/ops.py:5" in proc.stdout + proc.stderr
    # a second install finds its own hooks
    again = CliRunner().invoke(cli, ["install-hooks", "-C", str(repo.root)])
    assert again.output.count(": up to date") == 2


def test_install_hooks_refuses_a_foreign_hook_without_force(repo: GitRepo) -> None:
    hooks = repo.root / ".git" / "hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    (hooks / "pre-push").write_text("#!/bin/sh\necho team hook\n")
    result = CliRunner().invoke(cli, ["install-hooks", "-C", str(repo.root)])
    assert result.exit_code == 2
    assert f"{hooks / 'pre-push'}: a hook that guardrails did not install is in the way" in (
        result.output
    )
    assert "pass --force" in result.output
    assert not (hooks / "pre-commit").exists()  # all or nothing
    assert (hooks / "pre-push").read_text() == "#!/bin/sh\necho team hook\n"
    forced = CliRunner().invoke(cli, ["install-hooks", "--force", "-C", str(repo.root)])
    assert forced.exit_code == 0, forced.output
    assert "pre-push: replaced (the old hook is in pre-push.guardrails-backup)" in forced.output
    assert (hooks / "pre-push.guardrails-backup").read_text() == "#!/bin/sh\necho team hook\n"
    assert (hooks / "pre-push").read_text() == (ROOT / "hooks" / "pre-push").read_text()


def _install_plain(repo: GitRepo) -> None:
    result = CliRunner().invoke(cli, ["install-hooks", "-C", str(repo.root)])
    assert result.exit_code == 0, result.output


def test_plain_pre_push_judges_a_new_branch_by_its_own_commits(
    repo: GitRepo, tmp_path: Path
) -> None:
    _acme(repo)
    repo.write(RISKY)
    repo.commit("wipe, already on the remote")  # the remote has it: not this push's to judge
    _with_remote(repo, tmp_path)
    _install_plain(repo)
    repo.branch("docs")
    repo.write(CLEAN)
    repo.commit("notes")
    proc = _run(repo.root, "git", "push", "origin", "docs")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    repo.branch("feature")
    repo.write({"services/ranker/more.py": RISKY["services/ranker/ops.py"]})
    repo.commit("wipe again")
    proc = _run(repo.root, "git", "push", "origin", "feature")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert "safety.os-system  services/ranker/more.py:5" in out
    assert "services/ranker/ops.py" not in out


def test_plain_pre_push_of_a_new_history(repo: GitRepo, tmp_path: Path) -> None:
    _acme(repo)
    _install_plain(repo)
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True, env=git_env())
    repo.git("remote", "add", "origin", str(bare))
    proc = _run(repo.root, "git", "push", "origin", "main")  # the root commit alone
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "the push starts a new history at" in proc.stdout + proc.stderr
    repo.git("push", "-q", "--no-verify", "origin", "--delete", "main")
    repo.write(RISKY)
    repo.commit("wipe")
    proc = _run(repo.root, "git", "push", "origin", "main")  # root + a risky commit
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "safety.os-system  services/ranker/ops.py:5" in proc.stdout + proc.stderr


def test_install_hooks_follows_core_hooks_path(repo: GitRepo) -> None:
    repo.git("config", "core.hooksPath", ".githooks")
    _install_plain(repo)
    assert (repo.root / ".githooks" / "pre-commit").read_text() == (
        ROOT / "hooks" / "pre-commit"
    ).read_text()
    assert not (repo.root / ".git" / "hooks" / "pre-commit").exists()


def test_a_push_that_moves_a_branch_back_adds_nothing_to_judge(
    repo: GitRepo, tmp_path: Path
) -> None:
    _acme(repo)
    _with_remote(repo, tmp_path)
    _use_pre_commit(repo)
    repo.write(CLEAN)
    repo.commit("notes")
    proc = _run(repo.root, "git", "push", "origin", "main")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = _run(repo.root, "git", "push", "--force", "origin", "HEAD~1:main")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "guardrails: the push adds no commit" in proc.stdout + proc.stderr
