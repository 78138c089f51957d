"""`guardrails check` end to end on real git repos: findings, decision and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from guardrails.cli import cli
from tests.gitrepo import GitRepo

ACME = Path(__file__).resolve().parent.parent / "graph" / "examples" / "acme"

# The test author (author@example.com) is in every team, so these tests see no
# ownership.cross-team findings: tests/test_policy_checks.py covers ownership.
CONFIG = """\
version: 1
teams:
  core:   {members: [ana, author]}
  search: {members: [bo, author]}
  ads:    {members: [cy, author]}
services:
  lib:    {owner: core,   paths: ["lib/**"]}
  search: {owner: search, paths: ["search/**"]}
  ads:    {owner: ads,    paths: ["ads/**"]}
  tools:  {owner: core,   paths: ["tools/**"]}
"""


def run(repo: GitRepo, *args: str) -> Result:
    return CliRunner().invoke(
        cli, [args[0], "-C", str(repo.root), *args[1:]], catch_exceptions=False
    )


def check_json(repo: GitRepo, *args: str, code: int) -> dict:  # type: ignore[type-arg]
    result = run(repo, "check", "--base", "main", "--format", "json", *args)
    assert result.exit_code == code, result.stdout + result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def org(repo: GitRepo) -> GitRepo:
    repo.write(
        {
            "guardrails.yaml": CONFIG,
            "lib/__init__.py": "",
            "lib/api.py": "def get_features(user, *, limit=10):\n    return []\n\n\ndef helper():\n    return 1\n",
            "search/__init__.py": "",
            "search/run.py": "from lib.api import get_features\n\n\ndef go():\n    return get_features('u')\n",
            "ads/__init__.py": "",
            "ads/bid.py": "import os\n\nfrom lib.api import get_features\n",
            "tools/__init__.py": "",
            "tools/cli.py": "from lib.api import helper\n",
        }
    )
    repo.commit("init")
    repo.branch("feature")
    return repo


def test_removed_function_used_by_two_services_is_one_finding_with_both_sites(org: GitRepo) -> None:
    org.write({"lib/api.py": "def helper():\n    return 1\n"})
    org.commit("drop get_features")
    doc = check_json(org, code=1)
    assert doc["schema"] == "guardrails.check/v1" and doc["decision"] == "block"
    breaking = [f for f in doc["findings"] if f["rule"] == "api.breaking-change"]
    assert len(breaking) == 1
    f = breaking[0]
    assert (f["severity"], f["path"], f["line"]) == ("block", "lib/api.py", 1)  # base location
    assert f["related"] == [
        {"path": "ads/bid.py", "line": 3, "node": "service:ads"},
        {"path": "search/run.py", "line": 1, "node": "service:search"},
    ]
    assert "ads/bid.py:3" in f["message"] and "search/run.py:1" in f["message"]
    assert f["fix"]
    assert doc["impact"]["changed"][0]["id"] == "service:lib"


def test_removal_with_no_users_outside_the_team_does_not_block(org: GitRepo) -> None:
    org.write({"lib/api.py": "def get_features(user, *, limit=10):\n    return []\n"})
    org.commit("drop helper: only tools (same team) uses it")
    doc = check_json(org, code=0)
    assert doc["decision"] == "pass"
    assert [(f["rule"], f["severity"]) for f in doc["findings"]] == [
        ("api.breaking-change", "info")
    ]


def test_schema_field_change_names_the_consumers(repo: GitRepo) -> None:
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    repo.branch("feature")
    schemas = repo.root / "services/event_bus/schemas.py"
    schemas.write_text(schemas.read_text().replace("    ts: float\n", "    ts: int\n"))
    repo.commit("ts is an int now")
    doc = check_json(repo, code=1)
    (f,) = [f for f in doc["findings"] if f["rule"] == "data.schema-break"]
    assert f["severity"] == "block" and f["path"] == "services/event_bus/schemas.py"
    assert "topic:user-events" in f["message"] and "feature-store" in f["message"]
    assert {r["node"] for r in f["related"]} == {"service:feature-store"}
    assert "topic:user-events" in [n["id"] for n in doc["impact"]["changed"]]


def test_only_added_lines_count_and_suppressions_need_reasons(org: GitRepo) -> None:
    org.write({"ads/bid.py": "import os\n\nfrom lib.api import get_features\n\nos.system('ls')\n"})
    org.commit("existing problem")
    org.git("checkout", "-q", "-B", "main")
    org.branch("next")
    org.write(
        {
            "ads/bid.py": "import os\n\nfrom lib.api import get_features\n\nos.system('ls')\n"
            "os.system('pwd')  # guardrails: ignore[safety.os-system] -- fixed input, ticket ADS-12\n"
            "os.system('id')  # guardrails: ignore[safety.os-system]\n"
        }
    )
    org.commit("two more calls")
    doc = check_json(org, code=1)
    got = sorted((f["rule"], f["line"]) for f in doc["findings"] if f["suppressed"] is None)
    assert got == [("guardrails.suppression-without-reason", 7), ("safety.os-system", 7)]
    # The suppressed one stays in the list (SARIF shows it as suppressed), and never blocks.
    (held,) = [f for f in doc["findings"] if f["suppressed"] is not None]
    assert (held["rule"], held["line"]) == ("safety.os-system", 6)
    assert held["suppressed"] == {
        "reason": "fixed input, ticket ADS-12",
        "until": None,
        "path": "ads/bid.py",
        "line": 6,
    }


def test_text_output_and_exit_codes(org: GitRepo) -> None:
    org.write(
        {
            "search/run.py": "import subprocess\nfrom lib.api import get_features\n\n"
            "def go(cmd):\n    return subprocess.run(cmd, shell=True)\n"
        }
    )
    org.commit("shell")
    result = run(org, "check", "--base", "main")
    assert result.exit_code == 1
    assert result.stdout.startswith("guardrails check: BLOCK")
    assert "safety.shell  search/run.py:5" in result.stdout and "fix:" in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


def test_strict_turns_warnings_into_a_block(org: GitRepo) -> None:
    org.write(
        {
            "notes/todo.txt": "unowned\n",
            "ads/_internal.py": "import os\n",
            "search/deep.py": "from ads._internal import os\n",
        }
    )
    org.commit("private import + unowned file")
    warn = check_json(org, code=0)
    assert warn["decision"] == "warn"
    assert ("graph.private-import", "warn") in {
        (f["rule"], f["severity"]) for f in warn["findings"]
    }
    strict = check_json(org, "--strict", code=1)
    assert strict["decision"] == "block"


def test_invalid_head_config_is_a_finding_in_ci_but_an_error_when_staged(org: GitRepo) -> None:
    org.write({"guardrails.yaml": CONFIG.replace("owner: ads,", "owner: adz,")})
    org.commit("typo")
    doc = check_json(org, code=1)
    (f,) = [f for f in doc["findings"] if f["rule"] == "guardrails.config-invalid"]
    assert f["severity"] == "block" and f["path"] == "guardrails.yaml" and f["line"] == 9
    org.write({"guardrails.yaml": CONFIG.replace("version: 1", "version: 9")})
    org.stage()
    staged = run(org, "check", "--staged")
    assert staged.exit_code == 2 and "guardrails.yaml:1" in staged.stderr


def test_bad_inputs_never_crash(org: GitRepo) -> None:
    org.write(
        {
            "search/broken.py": "def f(:\n",
            "ads/blob.py": b"\x00\x01binary now\x00",
            "ads/latin.py": "# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n".encode("latin-1"),
            "lib/generated.py": "".join(f"X{i} = {i}\n" for i in range(350_000)),  # ~5 MB
        }
    )
    org.commit("odd files")
    # What the gate cannot read (over the size cap, binary) blocks in CI; a syntax error warns.
    doc = check_json(org, code=1)
    severity = {f["path"]: f["severity"] for f in doc["findings"] if f["rule"] == "parse.error"}
    assert severity == {
        "ads/blob.py": "block",
        "lib/generated.py": "block",
        "search/broken.py": "warn",
    }
    rules = {(f["rule"], f["path"]) for f in doc["findings"]}
    assert ("parse.error", "search/broken.py") in rules
    assert ("parse.error", "lib/generated.py") in rules  # over the size cap: reported, not read
    assert not any(p == "ads/latin.py" for _, p in rules)


def test_patch_and_staged_selectors(org: GitRepo) -> None:
    patch = (
        "--- a/tools/cli.py\n+++ b/tools/cli.py\n@@ -1 +1,3 @@\n from lib.api import helper\n"
        "+import os\n+os.system('x')\n"
    )
    result = CliRunner().invoke(cli, ["check", "-C", str(org.root), "--patch", "-"], input=patch)
    assert result.exit_code == 1 and "safety.os-system" in result.stdout
    assert org.git("status", "--porcelain") == ""  # the patch never touched the work tree
    clean = run(org, "check", "--staged")
    assert clean.exit_code == 0 and clean.stdout.startswith("guardrails check: PASS")
    bad = run(org, "check", "lib/api.py")
    assert bad.exit_code == 2  # check takes no PATH selector


def test_author_kind_from_trailers_flag_and_environment(
    org: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    org.write({"search/extra.py": "X = 1\n"})
    org.commit("agent work", trailers=["Co-Authored-By: Claude <noreply@anthropic.com>"])
    doc = check_json(org, code=0)
    assert doc["author"]["kind"] == "agent"
    assert doc["author"]["evidence"][0]["source"] == "trailer:Co-authored-by"
    assert check_json(org, "--author-kind", "human", code=0)["author"]["kind"] == "human"
    monkeypatch.setenv("GUARDRAILS_AUTHOR_KIND", "robot")
    bad = run(org, "check", "--base", "main")
    assert bad.exit_code == 2 and "GUARDRAILS_AUTHOR_KIND" in bad.stderr
    monkeypatch.delenv("GUARDRAILS_AUTHOR_KIND")
    (org.root / "search/more.py").write_text("Y = 2\n")
    org.stage()
    monkeypatch.setenv("CLAUDECODE", "1")
    staged = json.loads(run(org, "check", "--staged", "--format", "json").stdout)
    assert staged["author"]["kind"] == "agent"
    assert {e["source"] for e in staged["author"]["evidence"]} >= {"env:CLAUDECODE"}


# -- the gate cannot be walked around ------------------------------------------------------------
def test_deleting_a_module_other_services_import_blocks(org: GitRepo) -> None:
    org.remove("lib/api.py")
    org.commit("drop lib.api")
    doc = check_json(org, code=1)
    (f,) = [f for f in doc["findings"] if f["rule"] == "api.breaking-change"]
    assert f["path"] == "lib/api.py" and f["severity"] == "block"
    assert [r["path"] for r in f["related"]] == ["ads/bid.py", "search/run.py", "tools/cli.py"]


def test_moving_a_module_other_services_import_blocks(org: GitRepo) -> None:
    org.move("lib/api.py", "lib/api2.py")
    org.commit("rename lib.api")
    doc = check_json(org, code=1)
    (f,) = [f for f in doc["findings"] if f["rule"] == "api.breaking-change"]
    assert "lib.api" in f["message"] and {r["node"] for r in f["related"]} >= {
        "service:ads",
        "service:search",
    }
    lib = next(n for n in doc["impact"]["changed"] if n["id"] == "service:lib")
    assert lib["files"] == ["lib/api.py", "lib/api2.py"]  # both sides of the move


def test_a_change_cannot_delete_its_own_agent_identity(org: GitRepo) -> None:
    org.write({"guardrails.yaml": CONFIG + 'agents: {emails: ["*@agents.acme.dev"]}\n'})
    org.commit("declare our bots")
    org.git("checkout", "-q", "-B", "main")
    org.branch("bot-change")
    org.write({"guardrails.yaml": CONFIG, "search/x.py": "X = 1\n"})
    org.commit("quietly", author=("acme-bot", "bot@agents.acme.dev"))
    # An agent rewrote the gate's own config: nobody has approved that yet, so it blocks,
    # and the finding names the policy that decided.
    doc = check_json(org, code=1)
    assert doc["author"]["kind"] == "agent"
    (f,) = [f for f in doc["findings"] if f["rule"] == "guardrails.self-protect"]
    assert (f["severity"], f["policy"]) == ("block", "default.self-protect")
    assert "Facebook, 2021-10-04" in f["rationale"]
    (req,) = [r for r in doc["requirements"] if r["policy"] == "default.self-protect"]
    assert req["satisfied"] is False and req["unblocks"][0]["fingerprint"] == f["fingerprint"]


def test_a_change_cannot_undeclare_the_schema_it_breaks(repo: GitRepo) -> None:
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    repo.branch("feature")
    schemas = repo.root / "services/event_bus/schemas.py"
    schemas.write_text(schemas.read_text().replace("    item_id: str\n", ""))
    cfg = repo.root / "guardrails.yaml"
    cfg.write_text(
        cfg.read_text().replace('    schema: "services/event_bus/schemas.py::UserEvent"\n', "")
    )
    repo.commit("drop item_id and the schema declaration")
    doc = check_json(repo, code=1)
    assert "data.schema-break" in {f["rule"] for f in doc["findings"]}


def test_an_undeclared_flag_key_is_owned_by_its_files_codeowners(repo: GitRepo) -> None:
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    repo.branch("feature")
    flags = repo.root / "config/flags.json"
    doc = json.loads(flags.read_text())
    doc["flags"]["dark-mode"] = {
        "state": "ENABLED",
        "variants": {"on": True, "off": False},
        "defaultVariant": "off",
    }
    flags.write_text(json.dumps(doc, indent=2))
    repo.commit("add a flag")
    out = json.loads(run(repo, "affected", "--base", "main", "--format", "json").stdout)
    assert out["changed"] == [
        {"id": "flag:dark-mode", "owner": "team:ranking", "tier": 2, "files": ["config/flags.json"]}
    ]
    assert out["teams"] == ["team:ranking"] and out["unowned_files"] == []


def test_nested_schema_class_marks_its_resource(repo: GitRepo) -> None:
    repo.write(
        {
            "guardrails.yaml": "version: 1\nteams: {t: {members: [a]}}\nservices:\n  bus: {owner: t, paths: ['bus/**']}\n"
            "resources:\n  'topic:e': {owner: t, schema: 'bus/s.py::Events.Click'}\n",
            "bus/__init__.py": "",
            "bus/s.py": "class Events:\n    class Click:\n        x: int\n\n    class View:\n        y: int\n",
        }
    )
    repo.commit("init")
    repo.branch("f")
    repo.write(
        {
            "bus/s.py": "class Events:\n    class Click:\n        x: int\n\n    class View:\n        y: str\n"
        }
    )
    repo.commit("view only")
    ids = [
        n["id"]
        for n in json.loads(run(repo, "affected", "--base", "main", "--format", "json").stdout)[
            "changed"
        ]
    ]
    assert ids == ["service:bus"]
    repo.write(
        {
            "bus/s.py": "class Events:\n    class Click:\n        x: str\n\n    class View:\n        y: str\n"
        }
    )
    repo.commit("click too")
    ids = [
        n["id"]
        for n in json.loads(run(repo, "affected", "--base", "main", "--format", "json").stdout)[
            "changed"
        ]
    ]
    assert ids == ["service:bus", "topic:e"]


def test_editing_a_catalog_declaration_the_gate_reads_is_self_protected(repo: GitRepo) -> None:
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    repo.branch("feature")
    info = repo.root / "services/export_pipeline/catalog-info.yaml"
    info.write_text(info.read_text().replace("    - component:default/feature-store\n", ""))
    repo.commit("export-pipeline no longer depends on feature-store")
    doc = check_json(repo, code=1)
    (f,) = [f for f in doc["findings"] if f["rule"] == "guardrails.self-protect"]
    assert f["path"] == "services/export_pipeline/catalog-info.yaml" and f["severity"] == "block"
    assert "a catalog declaration" in f["message"]
    (req,) = [r for r in doc["requirements"] if r["policy"] == "default.self-protect"]
    assert (req["id"], req["from"]) == ("default.self-protect#data-infra", ["team:data-infra"])


def test_editing_the_gates_files_needs_an_approval_in_ci_and_warns_when_staged(
    org: GitRepo,
) -> None:
    org.write({"guardrails.yaml": CONFIG + "# tuned\n"})
    org.stage()
    staged = json.loads(run(org, "check", "--staged", "--format", "json").stdout)
    assert staged["decision"] == "warn"  # nobody can approve a commit not made yet
    org.commit("tune the config")
    doc = check_json(org, code=1)
    (f,) = [f for f in doc["findings"] if f["rule"] == "guardrails.self-protect"]
    assert (f["severity"], f["policy"]) == ("block", "default.self-protect")
    (req,) = doc["requirements"]
    # No CODEOWNERS line claims guardrails.yaml: any human who did not write it may approve.
    assert (req["id"], req["from"], req["candidates"]) == ("default.self-protect#anyone", [], [])
    head = org.git("rev-parse", "HEAD")
    (org.root / "reviews.json").write_text(
        json.dumps([{"user": "bo", "state": "APPROVED", "commit": head}])
    )
    ok = check_json(org, "--approvals", str(org.root / "reviews.json"), code=0)
    (f,) = [f for f in ok["findings"] if f["rule"] == "guardrails.self-protect"]
    assert (f["severity"], f["approved_by"]) == ("warn", ["bo"])
