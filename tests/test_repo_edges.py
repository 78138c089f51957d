"""The repository-edge corpus: every odd shape a repository or a change can take, built for
real in tmp_path, with a defined result for the hook (`check --staged`), for `check --base`
and for `affected --base`, and JSON that is identical across two runs.

Each case stages a change on branch ``feature`` (the hook judges it), commits it, and then
CI mode judges ``main..feature``. ``expect`` is (staged exit, check exit, affected exit) and
the findings CI mode must report, as (rule, path, severity).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from guardrails.cli import cli
from tests.gitrepo import GitRepo, git_env

CONFIG = """\
version: 1
teams:
  # The tests' committer (Test Author <author@example.com>) is in every team, so that the
  # ownership rules stay out of what these tests are about.
  core:   {members: [ana, author]}
  search: {members: [bo, author]}
services:
  lib:    {owner: core,   paths: ["lib/**"]}
  search: {owner: search, paths: ["search/**"]}
"""
BASE = {
    "guardrails.yaml": CONFIG,
    "lib/__init__.py": "",
    "lib/api.py": "def get(x):\n    return x\n",
    "lib/notes.txt": "import os\nos.system(cmd)\n",
    "search/__init__.py": "",
    "search/run.py": "from lib.api import get\n",
}
SHELL = "import subprocess\nsubprocess.run(cmd, shell=True)\n"


def run(cwd: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [args[0], "-C", str(cwd), *args[1:]])


def sh(repo: GitRepo, *args: str) -> None:
    repo.git(*args)


@dataclass(frozen=True)
class Edge:
    name: str
    change: Callable[[GitRepo], None]
    staged: int  # exit code of the hook on the staged change
    check: int  # exit code of check --base main
    affected: int
    findings: tuple[tuple[str, str, str], ...] = ()
    base_files: dict[str, str | bytes] = field(default_factory=dict)


def _write(files: dict[str, str | bytes]) -> Callable[[GitRepo], None]:
    return lambda r: r.write(files)


def _symlink(target: str, link: str) -> Callable[[GitRepo], None]:
    return lambda r: os.symlink(target, r.root / link)


def _submodule_add(r: GitRepo) -> None:
    sub = GitRepo.create(r.root.parent / "sub")
    sub.write({"x.py": "x = 1\n"})
    sub.commit("sub")
    r.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.root), "vendor/sub")


def _chmod(path: str) -> Callable[[GitRepo], None]:
    return lambda r: (r.root / path).chmod(0o755)


def _rename(old: str, new: str, text: str | None = None) -> Callable[[GitRepo], None]:
    def go(r: GitRepo) -> None:
        r.move(old, new)
        if text is not None:
            r.write({new: text})

    return go


def _remove(path: str) -> Callable[[GitRepo], None]:
    return lambda r: r.remove(path)


def _copy(r: GitRepo) -> None:
    r.write({"lib/api2.py": (r.root / "lib/api.py").read_text() + SHELL})
    r.write({"lib/api.py": (r.root / "lib/api.py").read_text() + "\n"})


ODD_NAMES: dict[str, str | bytes] = {
    "lib/with space.py": SHELL,
    "lib/new\nline.py": SHELL,
    "lib/tab\there.py": "x = 1\n",
    "lib/quo\"te's.py": "x = 1\n",
    "lib/-leading-dash.py": "x = 1\n",
}

EDGES = [
    Edge(
        "rename",
        _rename("lib/api.py", "lib/api_v2.py"),
        0,  # at commit time the break waits for its consumers' approval; CI holds the merge
        1,
        0,
        (("api.breaking-change", "lib/api.py", "block"),),
    ),
    Edge(
        "rename-and-edit",
        _rename("lib/api.py", "lib/moved.py", "def get(x):\n    return x\n" + SHELL),
        1,
        1,
        0,
        (("api.breaking-change", "lib/api.py", "block"), ("safety.shell", "lib/moved.py", "block")),
    ),
    Edge(
        "rename-text-into-module",
        _rename("lib/notes.txt", "lib/evil.py"),
        1,
        1,
        0,
        (("safety.os-system", "lib/evil.py", "block"),),
    ),
    Edge("copy", _copy, 1, 1, 0, (("safety.shell", "lib/api2.py", "block"),)),
    Edge(
        "delete", _remove("lib/api.py"), 0, 1, 0, (("api.breaking-change", "lib/api.py", "block"),)
    ),
    Edge("binary-added", _write({"lib/blob.bin": b"\0\1\2"}), 0, 0, 0),
    Edge(
        "text-to-binary",
        _write({"lib/api.py": b"\0\1binary"}),
        0,
        1,
        0,
        (("parse.error", "lib/api.py", "block"),),
    ),  # unread: blocks until the owners approve
    Edge("symlink-in", _symlink("api.py", "lib/alias.py"), 0, 0, 0),
    Edge(
        "symlink-out",
        _symlink("/etc/hostname", "lib/out.py"),
        0,
        1,
        0,
        (("parse.error", "lib/out.py", "block"),),
    ),
    Edge(
        "symlink-dangling",
        _symlink("nowhere", "lib/gone.py"),
        0,
        1,
        0,
        (("parse.error", "lib/gone.py", "block"),),
    ),
    Edge(
        "submodule-added",
        _submodule_add,
        0,
        0,
        0,
        # nobody owns the new files: warned once (vendor/sub is in its related), never dropped
        (("ownership.unowned", ".gitmodules", "warn"),),
    ),
    Edge(
        "odd-file-names",
        _write(ODD_NAMES),
        1,
        1,
        0,
        (
            ("safety.shell", "lib/new\nline.py", "block"),
            ("safety.shell", "lib/with space.py", "block"),
        ),
    ),
    Edge(
        "non-utf8-name",
        _write({os.fsdecode(b"lib/caf\xe9.py"): SHELL}),
        1,
        1,
        0,
        (("safety.shell", os.fsdecode(b"lib/caf\xe9.py"), "block"),),
    ),
    Edge(
        "5-MB-module",
        _write({"lib/big.py": "X = 1\n" * 900_000 + SHELL}),
        0,
        1,
        0,
        (("parse.error", "lib/big.py", "block"),),
    ),
    Edge(
        "3000-deep",
        _write({"lib/deep.py": "x = " + "-" * 3000 + "1\n" + SHELL}),
        1,
        1,
        0,
        (("parse.error", "lib/deep.py", "block"), ("safety.shell", "lib/deep.py", "block")),
    ),
    Edge(
        "syntax-error-head",
        _write({"lib/api.py": "def get(x:\n" + SHELL}),
        0,
        0,
        0,
        (("parse.error", "lib/api.py", "warn"),),
    ),
    Edge(
        "syntax-error-base",
        _write({"lib/api.py": "def get(x):\n    return x\n" + SHELL}),
        1,
        1,
        0,
        (("parse.error", "lib/api.py", "info"), ("safety.shell", "lib/api.py", "block")),
        base_files={"lib/api.py": "def get(x):\n    return x\n(\n"},
    ),
    Edge(
        "crlf",
        _write({"lib/api.py": "def get(x):\r\n    return x\r\n" + SHELL.replace("\n", "\r\n")}),
        1,
        1,
        0,
        (("safety.shell", "lib/api.py", "block"),),
    ),
    Edge(
        "bom",
        _write({"lib/api.py": "\ufeffdef get(x):\n    return x\n" + SHELL}),
        1,
        1,
        0,
        (("safety.shell", "lib/api.py", "block"),),
    ),
    Edge(
        "nul-bytes",
        _write({"lib/api.py": "def get(x):\n    return x\n\0" + SHELL}),
        0,
        1,
        0,
        (("parse.error", "lib/api.py", "block"),),
    ),
    Edge("mode-only", _chmod("lib/api.py"), 0, 0, 0),
]


def _json(result: Result) -> object:
    return json.loads(result.stdout)


def _findings(doc: object) -> tuple[tuple[str, str, str], ...]:
    assert isinstance(doc, dict)
    return tuple(sorted((f["rule"], f["path"], f["severity"]) for f in doc["findings"]))


def _twice(cwd: Path, *args: str, code: int) -> object:
    first, second = run(cwd, *args), run(cwd, *args)
    assert first.exit_code == code, (args, first.stdout, first.stderr)
    assert first.stdout == second.stdout and first.stderr == second.stderr
    return _json(first) if code in (0, 1) else first.stderr


@pytest.fixture
def org(repo: GitRepo) -> GitRepo:
    repo.write(BASE)
    return repo


@pytest.mark.parametrize("edge", EDGES, ids=[e.name for e in EDGES])
def test_edge(org: GitRepo, edge: Edge) -> None:
    org.write(edge.base_files)
    org.commit("base")
    org.branch("feature")
    edge.change(org)
    org.stage()
    staged = run(org.root, "check", "--staged", "--format", "json")
    assert staged.exit_code == edge.staged, staged.stdout + staged.stderr
    org.commit(edge.name, add_all=False)
    doc = _twice(org.root, "check", "--base", "main", "--format", "json", code=edge.check)
    assert _findings(doc) == tuple(sorted(edge.findings))
    _twice(org.root, "affected", "--base", "main", "--format", "json", code=edge.affected)


# -- edges of the repository itself rather than of the change -------------------------------


@pytest.fixture
def feature(org: GitRepo) -> GitRepo:
    org.commit("base")
    org.branch("feature")
    org.write({"lib/api.py": "def get(x):\n    return x\n" + SHELL})
    org.commit("shell")
    return org


SHELL_FINDING = (("safety.shell", "lib/api.py", "block"),)


def test_empty_commit_is_a_pass(org: GitRepo) -> None:
    org.commit("base")
    org.branch("feature")
    org.commit("nothing", add_all=False)
    doc = _twice(org.root, "check", "--base", "main", "--format", "json", code=0)
    assert _findings(doc) == ()
    _twice(org.root, "affected", "--base", "main", "--format", "json", code=0)


def test_the_root_commit_as_base(org: GitRepo) -> None:
    root = org.commit("root")
    org.write({"lib/api.py": "def get(x):\n    return x\n" + SHELL})
    org.commit("shell")
    doc = _twice(org.root, "check", "--base", root, "--format", "json", code=1)
    assert _findings(doc) == SHELL_FINDING


def test_merge_commits_in_the_range(feature: GitRepo) -> None:
    feature.checkout("main")
    feature.write({"search/other.py": "x = 1\n"})
    feature.commit("main moves on")
    feature.checkout("feature")
    feature.git("merge", "-q", "--no-edit", "--no-ff", "main")
    doc = _twice(feature.root, "check", "--base", "main", "--format", "json", code=1)
    assert _findings(doc) == SHELL_FINDING  # main's own change is not the feature's


def test_detached_head(feature: GitRepo) -> None:
    feature.git("checkout", "-q", "--detach")
    doc = _twice(feature.root, "check", "--base", "main", "--format", "json", code=1)
    assert _findings(doc) == SHELL_FINDING


def test_linked_worktree(feature: GitRepo, tmp_path: Path) -> None:
    feature.git("worktree", "add", "-q", "--detach", str(tmp_path / "wt"), "feature")
    doc = _twice(tmp_path / "wt", "check", "--base", "main", "--format", "json", code=1)
    assert _findings(doc) == SHELL_FINDING


def test_subdirectory_as_working_directory(feature: GitRepo) -> None:
    doc = _twice(feature.root / "lib", "check", "--base", "main", "--format", "json", code=1)
    assert _findings(doc) == SHELL_FINDING
    _twice(feature.root / "lib", "affected", "--base", "main", "--format", "json", code=0)


def test_a_bare_repository_is_a_clear_error(feature: GitRepo, tmp_path: Path) -> None:
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(feature.root), str(tmp_path / "bare.git")],
        check=True,
        env=git_env(),
        capture_output=True,
    )
    for command in ("check", "affected"):
        err = _twice(tmp_path / "bare.git", command, "--base", "main", code=2)
        assert err == (
            "guardrails: error: "
            f"{tmp_path / 'bare.git'}: this needs a work tree (not a bare repository or a .git "
            "directory) (fix: run inside a checkout of the repository)\n"
        )


def test_a_shallow_clone_without_the_base_says_how_to_fetch_it(
    feature: GitRepo, tmp_path: Path
) -> None:
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "feature",
            f"file://{feature.root}",
            str(tmp_path / "shallow"),
        ],
        check=True,
        env=git_env(),
        capture_output=True,
    )
    err = _twice(tmp_path / "shallow", "check", "--base", "origin/main", code=2)
    assert isinstance(err, str) and err.count("\n") == 1
    assert "shallow clone" in err and "git fetch" in err


def test_submodule_removed(org: GitRepo) -> None:
    _submodule_add(org)
    org.commit("base with a submodule")
    org.branch("feature")
    org.git("rm", "-q", "vendor/sub")
    org.commit("drop the submodule", add_all=False)
    doc = _twice(org.root, "check", "--base", "main", "--format", "json", code=0)
    assert _findings(doc) == ()  # deleting unowned files leaves no ownership gap


def test_submodule_moved(org: GitRepo) -> None:
    _submodule_add(org)
    org.commit("base with a submodule")
    org.branch("feature")
    org.move("vendor/sub", "third_party/sub")
    org.commit("move the submodule", add_all=False)
    doc = _twice(org.root, "check", "--base", "main", "--format", "json", code=0)
    # the submodule moved to where nobody owns it either: one warning
    assert _findings(doc) == (("ownership.unowned", "third_party/sub", "warn"),)
    affected = _twice(org.root, "affected", "--base", "main", "--format", "json", code=0)
    assert isinstance(affected, dict)
    # both places of the gitlink are named: a submodule is never silently dropped
    assert affected["unowned_files"] == [".gitmodules", "third_party/sub", "vendor/sub"]
