"""The hooks as users run them: the real pre-commit framework, our manifest's entries."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from pre_commit.clientlib import load_manifest

from tests.gitrepo import GitRepo, git_env

ROOT = Path(__file__).resolve().parent.parent
ACME = ROOT / "graph" / "examples" / "acme"


def test_manifest_is_valid_for_pre_commit() -> None:
    hooks = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert {h["id"] for h in hooks} == {"guardrails", "guardrails-affected"}
    by_id = {h["id"]: h for h in hooks}
    assert by_id["guardrails"]["entry"] == "guardrails check --staged"
    assert by_id["guardrails-affected"]["entry"].startswith("guardrails affected --staged")
    assert all(h["pass_filenames"] is False and h["always_run"] for h in hooks)


def _pre_commit(repo: GitRepo) -> subprocess.CompletedProcess[str]:
    """`pre-commit run` with our manifest's hooks as local hooks on this interpreter's PATH."""
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    local = [
        {k: h[k] for k in ("id", "name", "entry", "pass_filenames", "always_run", "require_serial")}
        | {"language": "unsupported", "verbose": h.get("verbose", False)}
        for h in manifest
    ]
    (repo.root / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]})
    )
    env = git_env(
        {
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
            "HOME": os.environ["HOME"],
            "PRE_COMMIT_HOME": os.environ["PRE_COMMIT_HOME"],
        }
    )
    pre_commit = shutil.which("pre-commit", path=env["PATH"])
    assert pre_commit is not None
    return subprocess.run(
        [pre_commit, "run", "--color", "never"],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_pre_commit_blocks_an_unsafe_staged_change_and_prints_the_radius(repo: GitRepo) -> None:
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    repo.write(
        {"services/ranker/ops.py": "import os\n\n\ndef wipe():\n    os.system('rm -rf /tmp/x')\n"}
    )
    repo.stage()
    result = _pre_commit(repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "safety.os-system  services/ranker/ops.py:5" in result.stdout
    assert "guardrails (merge gate)" in result.stdout and "Failed" in result.stdout
    # the informational hook passes and shows who the change affects
    assert "guardrails (blast radius)" in result.stdout
    assert "service:growth-app" in result.stdout


def test_pre_commit_passes_a_safe_change(repo: GitRepo) -> None:
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    repo.write({"services/ranker/notes.py": "NOTE = 'tuned'\n"})
    repo.stage()
    result = _pre_commit(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Passed") == 2
