"""Ways past the gate, each a regression test that fails if the hole reopens.

Every case here was first tried from outside, as a hostile author would: code the rules never
saw, analysis limits that passed, patterns that hung the gate. Each builds a real repository
and runs the real CLI in CI mode (``check --base main``). docs/security.md lists them.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from guardrails.cli import cli
from tests.gitrepo import GitRepo

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


def run(repo: GitRepo, *args: str) -> Result:
    return CliRunner().invoke(cli, [args[0], "-C", str(repo.root), *args[1:]])


def findings(repo: GitRepo, code: int, *args: str) -> list[tuple[str, str, int | None, str]]:
    result = run(repo, "check", "--base", "main", "--format", "json", *args)
    assert result.exit_code == code, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    return [(f["rule"], f["path"], f["line"], f["severity"]) for f in doc["findings"]]


@pytest.fixture
def org(repo: GitRepo) -> GitRepo:
    repo.write(
        {
            "guardrails.yaml": CONFIG,
            "lib/__init__.py": "",
            "lib/api.py": "def get(x):\n    return x\n",
            "lib/doc.py": 'def f():\n    """\n    os.system(cmd)\n    """\n    return 1\n',
            "search/__init__.py": "",
            "search/run.py": "from lib.api import get\n",
            "docs/example.txt": "import os\nos.system(cmd)\n",
            "tools/payload": "x = 1\n",
        }
    )
    repo.commit("init")
    repo.branch("feature")
    return repo


OS_SYSTEM = "safety.os-system"


# -- 1. code the rules never see ------------------------------------------------------------


def test_a_bare_cr_line_is_judged_as_the_statements_python_sees(org: GitRepo) -> None:
    # git sees one added line; Python sees two statements, the second one a shell command.
    api = org.root / "lib/api.py"
    api.write_bytes(api.read_bytes() + b"import os\ros.system(cmd)\n")
    org.commit("cr")
    assert findings(org, 1) == [(OS_SYSTEM, "lib/api.py", 4, "block")]


def test_bare_crs_before_a_change_do_not_shift_its_line(org: GitRepo) -> None:
    org.write({"lib/api.py": "def get(x):\r    return x\ra = 1\n"})
    org.commit("crs")
    api = org.root / "lib/api.py"
    api.write_bytes(api.read_bytes() + b"import os\nos.system(cmd)\n")
    org.commit("call")
    assert findings(org, 1) == [(OS_SYSTEM, "lib/api.py", 5, "block")]


def test_a_text_file_renamed_into_a_module_is_new_code(org: GitRepo) -> None:
    org.move("docs/example.txt", "lib/evil.py")
    org.commit("git mv")
    assert findings(org, 1) == [(OS_SYSTEM, "lib/evil.py", 2, "block")]


def test_a_copy_is_new_code_at_a_new_path(org: GitRepo) -> None:
    org.write({"lib/legacy.py": "import os\n\n\ndef a():\n    os.system(cmd)\n"})
    org.commit("legacy")
    org.git("branch", "-f", "main")
    # git pairs the new file with its source (C100) when the source changes in the same change
    org.write({"lib/copy.py": (org.root / "lib/legacy.py").read_text()})
    org.write({"lib/legacy.py": (org.root / "lib/legacy.py").read_text() + "\n"})
    org.commit("copy")
    status = org.git("diff-tree", "-r", "-C", "--name-status", "main", "HEAD")
    assert status.splitlines()[0].startswith("C100")
    assert findings(org, 1) == [(OS_SYSTEM, "lib/copy.py", 5, "block")]


def test_a_pure_rename_of_a_module_is_not_new_code(org: GitRepo) -> None:
    org.write({"lib/legacy.py": "import os\n\n\ndef a():\n    os.system(cmd)\n"})
    org.commit("legacy")
    org.git("branch", "-f", "main")
    org.move("lib/legacy.py", "lib/old.py")
    org.commit("rename")
    assert findings(org, 0) == []


def test_deleting_the_quotes_around_a_docstring_makes_its_text_code(org: GitRepo) -> None:
    org.write({"lib/doc.py": "def f():\n    os.system(cmd)\n    return 1\n"})
    org.commit("unquote")
    assert findings(org, 1) == [(OS_SYSTEM, "lib/doc.py", 2, "block")]


def test_a_module_symlink_is_judged_by_its_target(org: GitRepo) -> None:
    org.write({"tools/payload": "import os\nos.system(cmd)\n"})
    os.symlink("../tools/payload", org.root / "lib/mod.py")
    org.commit("link")
    assert findings(org, 1) == [
        (OS_SYSTEM, "lib/mod.py", 2, "block"),
        (OS_SYSTEM, "tools/payload", 2, "block"),
    ]


def test_editing_the_target_of_a_module_symlink_is_a_python_change(org: GitRepo) -> None:
    os.symlink("../tools/payload", org.root / "lib/mod.py")
    org.commit("link")
    org.git("branch", "-f", "main")
    org.write({"tools/payload": "import os\nos.system(cmd)\n"})
    org.commit("edit the target")
    assert findings(org, 1) == [(OS_SYSTEM, "tools/payload", 2, "block")]


def test_a_module_symlink_out_of_the_repository_blocks_in_ci(org: GitRepo) -> None:
    os.symlink("/etc/hostname", org.root / "lib/out.py")
    org.commit("link out")
    assert findings(org, 1) == [("parse.error", "lib/out.py", None, "block")]


def test_scripts_and_pyw_files_are_python(org: GitRepo) -> None:
    org.write(
        {
            "lib/tool": "#!/usr/bin/env python3\nimport os\nos.system(cmd)\n",
            "lib/win.pyw": "import os\nos.system(cmd)\n",
            "lib/run.sh": "#!/bin/sh\nos.system(cmd)\n",
        }
    )
    org.commit("scripts")
    assert findings(org, 1) == [
        (OS_SYSTEM, "lib/tool", 3, "block"),
        (OS_SYSTEM, "lib/win.pyw", 2, "block"),
    ]


def test_committed_bytecode_cannot_be_reviewed_and_blocks_in_ci(org: GitRepo) -> None:
    org.write({"lib/fast.pyc": b"\x6f\x0d\x0d\x0a\0\0\0\0compiled"})
    org.commit("bytecode")
    assert findings(org, 1) == [("parse.error", "lib/fast.pyc", None, "block")]


# -- 2. analysis limits that pass -----------------------------------------------------------

DEEP = "def f(x):\n    return " + "-" * 5000 + "x\n"
SHELL = "import subprocess\nsubprocess.run(cmd, shell=True)\n"


def test_nesting_deeper_than_the_guard_blocks_in_ci_and_warns_when_staged(org: GitRepo) -> None:
    org.write({"lib/api.py": DEEP})
    org.stage()
    staged = run(org, "check", "--staged", "--format", "json")
    assert staged.exit_code == 0, staged.stderr
    doc = json.loads(staged.stdout)
    assert [(f["rule"], f["line"], f["severity"]) for f in doc["findings"]] == [
        ("parse.error", 1, "warn")
    ]
    org.write({"lib/api.py": DEEP + SHELL})
    org.commit("deep")
    assert findings(org, 1) == [
        ("parse.error", "lib/api.py", 1, "block"),
        ("safety.shell", "lib/api.py", 4, "block"),
    ]


def test_a_module_over_the_size_limit_blocks_in_ci(org: GitRepo) -> None:
    big = "x = 1\n" * (2 * 1024 * 1024 // 6 + 10) + SHELL
    org.write({"lib/api.py": big})
    org.commit("big")
    result = run(org, "check", "--base", "main", "--format", "json")
    assert result.exit_code == 1
    (f,) = json.loads(result.stdout)["findings"]
    assert (f["rule"], f["severity"], f["path"]) == ("parse.error", "block", "lib/api.py")
    assert "MiB analysis limit" in f["message"] and "owners approve" in f["message"]


def test_a_module_turned_binary_while_imported_blocks_in_ci(org: GitRepo) -> None:
    org.write({"lib/api.py": b"\0\x01binary now"})
    org.commit("binary")
    assert ("parse.error", "lib/api.py", None, "block") in findings(org, 1)


# -- 5. regex backtracking from one line of input --------------------------------------------

STARS = "/" + "*" * 100 + "a"


def test_a_hundred_stars_in_codeowners_do_not_hang_check(org: GitRepo) -> None:
    org.write({"CODEOWNERS": f"{STARS} @ana\n/lib/ @ana\n", "lib/" + "b" * 200 + ".py": "x = 1\n"})
    org.commit("owners")
    result = run(org, "check", "--base", "main", "--format", "json")  # minutes before the fix
    # It finishes, and holds the merge for the one thing it should: CODEOWNERS is the gate's
    # own file, so its owners must approve (a requirement, not an error or a hang).
    assert result.exit_code == 1, result.stderr
    doc = json.loads(result.stdout)
    assert [(f["rule"], f["path"]) for f in doc["findings"] if f["severity"] == "block"] == [
        ("guardrails.self-protect", "CODEOWNERS")
    ]
    assert [r["policy"] for r in doc["requirements"] if not r["satisfied"]] == [
        "default.self-protect"
    ]


def test_a_hundred_stars_in_service_paths_do_not_hang_validate(org: GitRepo) -> None:
    org.write({"guardrails.yaml": CONFIG + f'  more: {{owner: core, paths: ["{STARS}"]}}\n'})
    result = run(org, "validate")
    assert result.exit_code == 0, result.stdout + result.stderr


def test_a_pattern_that_needs_too_many_wildcard_loops_is_refused_where_written(
    org: GitRepo,
) -> None:
    from guardrails.catalog.paths import compile_pattern

    assert compile_pattern("/*a*a*b") is None  # three loops in one segment: cubic
    assert compile_pattern("/" + "*" * 100 + "a") is not None  # collapses to /*a
    org.write({"CODEOWNERS": "/*a*a*b @ana\n"})
    result = run(org, "validate")
    assert result.exit_code == 2
    assert "CODEOWNERS:1" in result.stderr and "invalid pattern '/*a*a*b'" in result.stderr


# -- 6. streams and signals ------------------------------------------------------------------

GUARDRAILS = [sys.executable, "-m", "guardrails"]


def test_an_error_with_stderr_closed_exits_2(org: GitRepo) -> None:
    closed = subprocess.run(
        ["sh", "-c", f"{shlex.join(GUARDRAILS)} check --base nope 2>&-"], cwd=org.root, timeout=120
    )
    assert closed.returncode == 2


def test_a_closed_stdout_is_not_an_internal_error(org: GitRepo) -> None:
    org.write({"lib/api.py": "def get(x):\n    return x + 1\n"})
    org.commit("edit")
    proc = subprocess.run(
        ["sh", "-c", f"{shlex.join(GUARDRAILS)} check --base main >&-"],
        cwd=org.root,
        capture_output=True,
        timeout=120,
    )
    assert (proc.returncode, proc.stderr) == (0, b"")


@pytest.mark.parametrize("command", [["validate"], ["--version"], ["graph"]])
def test_head_0_on_a_successful_command_exits_0_quietly(org: GitRepo, command: list[str]) -> None:
    proc = subprocess.Popen(
        [*GUARDRAILS, *command], cwd=org.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # `| head -0`: the reader is gone before the first write
    stderr = proc.stderr.read()
    assert (proc.wait(timeout=120), stderr) == (0, b"")


def test_head_0_keeps_a_blocking_verdict(org: GitRepo) -> None:
    org.write({"lib/api.py": "def get(x):\n    return x\n" + SHELL})
    org.commit("shell")
    proc = subprocess.Popen(
        [*GUARDRAILS, "check", "--base", "main"],
        cwd=org.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    assert (proc.wait(timeout=120), proc.stderr.read()) == (1, b"")


@pytest.mark.slow
def test_sigint_during_analysis_exits_2_never_sigabrt(org: GitRepo, tmp_path: Path) -> None:
    # libcst parses in a worker thread with a large stack; an interrupt while it ran used to
    # end in SIGABRT (rc -6) at interpreter shutdown. Each attempt gets content of its own:
    # the semantic-diff cache would otherwise finish the second run before the signal lands.
    # A generator as a default is one of the few things the ast reader hands to libcst, one
    # statement at a time (so the interrupt lands between two of libcst's parses).
    codes = []
    for attempt, delay in enumerate((1.5, 3.0)):
        deep = (
            "\n\n".join(
                f"def f{attempt}_{i}(x=(j for j in y)): return " + "(" * 190 + "1" + ")" * 190
                for i in range(1800)
            )
            + "\n"
        )
        org.write({"lib/deep.py": deep})
        org.stage()
        patch = tmp_path / f"deep{attempt}.patch"
        patch.write_bytes(org.git("diff", "--cached").encode() + b"\n")
        org.git("reset", "-q", "--hard")
        proc = subprocess.Popen(
            [*GUARDRAILS, "check", "--patch", str(patch)],
            cwd=org.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            # A suite started with SIGINT ignored (a background job without job control,
            # nohup) passes that on, and Python then installs no KeyboardInterrupt handler:
            # the child gets the default disposition, as a terminal user's hook has.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
        )
        time.sleep(delay)
        assert proc.poll() is None, "the analysis ended before the interrupt: make it longer"
        proc.send_signal(signal.SIGINT)
        assert proc.stderr is not None
        stderr = proc.stderr.read()
        # (an interrupt that lands in click itself gets click's empty line first)
        codes.append((proc.wait(timeout=120), stderr.strip()))
    assert codes == [(2, b"guardrails: interrupted")] * 2


# -- fail closed -----------------------------------------------------------------------------


@pytest.mark.parametrize("selector", [["--staged"], ["--base", "main"]])
def test_an_internal_error_is_exit_2_and_the_hook_says_how_around_it(
    org: GitRepo, monkeypatch: pytest.MonkeyPatch, selector: list[str]
) -> None:
    def broken(**_: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr("guardrails.commands.check.main", broken)
    result = run(org, "check", *selector)
    assert result.exit_code == 2
    around = (
        "; to commit anyway: git commit --no-verify (the CI gate still judges the change)"
        if selector == ["--staged"]
        else ""
    )
    assert result.stderr == (
        "guardrails: internal error: RuntimeError: boom (rerun with --debug for a traceback, "
        f"and please report it{around})\n"
    )


def test_an_object_git_cannot_read_is_exit_2_not_a_deletion(org: GitRepo) -> None:
    org.write({"lib/api.py": "def get(x):\n    return x\n" + SHELL})
    org.commit("shell")
    blob = org.git("rev-parse", "HEAD:lib/api.py")
    (org.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # a corrupt clone
    result = run(org, "check", "--base", "main")
    assert result.exit_code == 2
    assert result.stderr == (
        f"guardrails: error: git cannot read object {blob} (fix: the clone is incomplete or "
        "corrupt: fetch again (git fetch --refetch), or run `git fsck`)\n"
    )


def test_the_config_turned_into_a_symlink_is_never_followed(org: GitRepo) -> None:
    # guardrails.yaml -> docs/gate.yaml: later edits to the unprotected target would change
    # the gate. The gate reads the link itself (its target text), never the target.
    org.write({"docs/gate.yaml": "version: 1\n"})
    (org.root / "guardrails.yaml").unlink()
    os.symlink("docs/gate.yaml", org.root / "guardrails.yaml")
    org.commit("link the config")
    rules = {(rule, path) for rule, path, _, _ in findings(org, 1)}
    assert ("guardrails.config-invalid", "guardrails.yaml") in rules
    assert ("guardrails.self-protect", "guardrails.yaml") in rules


# -- 3. the policy engine's cases: approvals, the config and packs it is judged by -----------
GATED = """\
version: 1
teams:
  core:   {members: ["ana <ana@acme.dev>"], handles: ["@acme/core"]}
  search: {members: ["bo <bo@acme.dev>"], handles: ["@acme/search"]}
services:
  lib:    {owner: core,   tier: 0, paths: ["lib/**"]}
  search: {owner: search, tier: 1, paths: ["search/**"], depends_on: [lib]}
"""
ANA = ("ana", "ana@acme.dev")
BO = ("bo", "bo@acme.dev")
CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"
BREAK = "def get(x, y):\n    return x\n"  # search imports lib.api.get: an API break
GATE_CI = "steps:\n  - run: guardrails check --base origin/main\n"
CORE_PACK = (
    "apiVersion: guardrails/v1\nkind: PolicyPack\nname: core\npolicies:\n"
    "  - id: core.two\n    rule: api.breaking-change\n    severity: block\n"
)
LAX_PACK = (
    "apiVersion: guardrails/v1\nkind: PolicyPack\nname: lax\npolicies:\n"
    "  - id: lax.quiet\n    rule: [api.breaking-change, guardrails.self-protect]\n"
    "    severity: info\n"
)


@pytest.fixture
def gated(repo: GitRepo) -> GitRepo:
    repo.write(
        {
            "guardrails.yaml": GATED,
            "CODEOWNERS": "/guardrails.yaml @acme/core\n/CODEOWNERS @acme/core\n"
            "/policies/ @acme/core\n/.github/ @acme/core\n",
            "policies/core.yaml": CORE_PACK,
            "lib/__init__.py": "",
            "lib/api.py": "def get(x):\n    return x\n",
            "search/__init__.py": "",
            "search/run.py": "from lib.api import get\n",
            ".github/workflows/gate.yml": GATE_CI,
            "docs/notes.txt": "notes\n",
        }
    )
    repo.commit("init", author=ANA)
    repo.branch("feature")
    return repo


def verdict(repo: GitRepo, code: int, *args: str, **kw: Any) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["check", "-C", str(repo.root), "--format", "json", *args], **kw
    )
    assert result.exit_code == code, result.stdout + result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def reqs(doc: dict[str, Any]) -> dict[str, tuple[bool, list[str]]]:
    return {r["id"]: (r["satisfied"], r["approved_by"]) for r in doc["requirements"]}


def rules_at(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(f["rule"], f["path"], f["severity"]) for f in doc["findings"]]


def review(login: str, state: str, sha: str, minute: int) -> dict[str, Any]:
    return {
        "user": {"login": login, "type": "User"},
        "state": state,
        "commit_id": sha,
        "submitted_at": f"2026-01-01T09:{minute:02d}:00Z",
    }


def test_an_approval_later_dismissed_does_not_count(gated: GitRepo, tmp_path: Path) -> None:
    gated.write({"lib/api.py": BREAK})
    sha = gated.commit("widen get", author=ANA)
    approved = tmp_path / "approved.json"
    approved.write_text(json.dumps([review("bo", "APPROVED", sha, 0)]))
    ok = verdict(gated, 0, "--base", "main", "--approvals", str(approved))
    assert reqs(ok) == {"default.api-breaking-change#search": (True, ["bo"])}
    dismissed = tmp_path / "dismissed.json"
    dismissed.write_text(
        json.dumps([review("bo", "APPROVED", sha, 0), review("bo", "DISMISSED", sha, 5)])
    )
    doc = verdict(gated, 1, "--base", "main", "--approvals", str(dismissed))
    assert reqs(doc) == {"default.api-breaking-change#search": (False, [])}
    assert [(a["user"], a["state"], a["counted"], a["why_not"]) for a in doc["approvals"]] == [
        ("bo", "DISMISSED", False, "cancelled")
    ]


def test_removing_tiers_in_the_head_config_keeps_the_base_tiers(gated: GitRepo) -> None:
    # Was a bypass: the impact read the head's tiers, so an agent's change that also deleted
    # `tier: 0` lost default.agent-critical-reach (humans from every affected team) and
    # needed only one approval from anyone for the config edit.
    gated.write(
        {
            "lib/api.py": BREAK,
            "guardrails.yaml": GATED.replace("tier: 0, ", "").replace("tier: 1, ", ""),
        }
    )
    gated.commit("widen get; tidy config", author=ANA, trailers=[CLAUDE])
    doc = verdict(gated, 1, "--base", "main")
    assert doc["author"]["kind"] == "agent"
    assert [(n["id"], n["tier"]) for n in doc["impact"]["changed"]] == [("service:lib", 0)]
    assert reqs(doc) == {
        "default.agent-critical-reach#core": (False, []),
        "default.agent-critical-reach#search": (False, []),
        "default.api-breaking-change#search": (False, []),
        "default.self-protect#core": (False, []),
    }


def test_a_permissive_pack_from_the_change_is_never_loaded(gated: GitRepo) -> None:
    gated.write(
        {
            "lib/api.py": BREAK,
            "policies/lax.yaml": LAX_PACK,
            "guardrails.yaml": GATED + "policies: [builtin:default, ./policies/lax.yaml]\n",
        }
    )
    gated.commit("widen get, with a quieter pack", author=BO)
    doc = verdict(gated, 1, "--base", "main")
    assert doc["config"]["from"] == "base" and doc["config"]["policies"] == ["builtin:default"]
    assert rules_at(doc) == [
        ("guardrails.self-protect", "guardrails.yaml", "block"),
        ("api.breaking-change", "lib/api.py", "block"),
        ("guardrails.self-protect", "policies/lax.yaml", "block"),
        ("ownership.cross-team", "guardrails.yaml", "warn"),
    ]
    assert reqs(doc)["default.self-protect#core"] == (False, [])


def test_policy_from_head_written_into_the_ci_template_needs_its_owners(gated: GitRepo) -> None:
    gated.write(
        {".github/workflows/gate.yml": GATE_CI.replace("main\n", "main --policy-from head\n")}
    )
    gated.commit("ci: judge by the head", author=BO)
    doc = verdict(gated, 1, "--base", "main")
    assert rules_at(doc) == [
        ("guardrails.self-protect", ".github/workflows/gate.yml", "block"),
        ("ownership.cross-team", ".github/workflows/gate.yml", "warn"),
    ]
    assert reqs(doc) == {
        "default.ownership-cross-team#core": (False, []),
        "default.self-protect#core": (False, []),
    }


def test_a_suppression_for_another_rule_does_not_hide_a_finding(gated: GitRepo) -> None:
    gated.write(
        {
            "lib/api.py": "import os\n\n\ndef get(x):\n"
            "    os.system(x)  # guardrails: ignore[safety.eval] -- reviewed\n    return x\n"
        }
    )
    gated.commit("run it", author=ANA)
    doc = verdict(gated, 1, "--base", "main")
    got = [(f["rule"], f["line"], f["severity"], f["suppressed"]) for f in doc["findings"]]
    assert got == [
        ("safety.os-system", 5, "block", None),
        ("guardrails.unused-suppression", 5, "info", None),
    ]


def test_a_stripped_agent_trailer_with_agent_env_markers_is_an_agent_change(
    gated: GitRepo,
) -> None:
    gated.write({"lib/api.py": BREAK})
    gated.stage()
    doc = verdict(gated, 0, "--staged", env={"CLAUDECODE": "1"})
    assert doc["author"]["kind"] == "agent"
    assert [(e["source"], e["detail"]) for e in doc["author"]["evidence"]] == [
        ("env:CLAUDECODE", "CLAUDECODE=1")
    ]
    assert "default.agent-critical-reach#core" in reqs(doc)
    human = verdict(gated, 0, "--staged", env={"CLAUDECODE": None})
    assert human["author"]["kind"] == "human"
    assert "default.agent-critical-reach#core" not in reqs(human)


def test_a_member_email_with_a_bot_committer_is_not_a_human_change(gated: GitRepo) -> None:
    gated.write({"lib/api.py": BREAK})
    gated.commit(
        "widen get",
        author=ANA,  # a team member's e-mail, which anyone can write into a commit
        committer=("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"),
    )
    doc = verdict(gated, 1, "--base", "main")
    assert doc["author"]["kind"] == "agent"
    assert [e["source"] for e in doc["author"]["evidence"]] == ["bot-login"]
    assert reqs(doc) == {
        "default.agent-critical-reach#core": (False, []),
        "default.agent-critical-reach#search": (False, []),
        "default.api-breaking-change#search": (False, []),
    }


def test_protected_files_turned_into_symlinks_to_unprotected_ones_need_their_owners(
    gated: GitRepo,
) -> None:
    for name, target in (
        ("CODEOWNERS", "docs/notes.txt"),
        ("policies/core.yaml", "../docs/notes.txt"),
    ):
        (gated.root / name).unlink()
        os.symlink(target, gated.root / name)
    gated.commit("link them", author=BO)
    doc = verdict(gated, 1, "--base", "main")
    assert rules_at(doc) == [
        ("guardrails.self-protect", "CODEOWNERS", "block"),
        ("guardrails.self-protect", "policies/core.yaml", "block"),
        ("ownership.cross-team", "CODEOWNERS", "warn"),
    ]
    assert reqs(doc)["default.self-protect#core"] == (False, [])


def test_renaming_a_protected_file_needs_the_owners_of_its_old_path(gated: GitRepo) -> None:
    # Was weaker: the finding sat at the new, unowned path, so anyone could approve it.
    gated.move("policies/core.yaml", "docs/core.yaml")
    gated.commit("move the pack away", author=BO)
    doc = verdict(gated, 1, "--base", "main")
    assert rules_at(doc)[0] == ("guardrails.self-protect", "policies/core.yaml", "block")
    assert reqs(doc)["default.self-protect#core"] == (False, [])
    assert "default.self-protect#anyone" not in reqs(doc)


def test_switching_import_inference_off_in_the_head_does_not_hide_an_api_break(
    gated: GitRepo,
) -> None:
    # DESIGN §6: settings that weaken the gate are read from the base in --base mode.
    gated.write(
        {
            "lib/api.py": BREAK,
            "guardrails.yaml": GATED + "inference: {python_imports: false}\n",
        }
    )
    gated.commit("widen get; no inference", author=ANA)
    doc = verdict(gated, 1, "--base", "main")
    assert ("api.breaking-change", "lib/api.py", "block") in rules_at(doc)
    assert reqs(doc)["default.api-breaking-change#search"] == (False, [])
