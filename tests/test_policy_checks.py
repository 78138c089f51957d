"""The policy engine end to end: real git repos, the real CLI, exact requirements.

One small org: data-infra owns the tier-0 bus (which produces topic:events, whose schema is
``bus/schemas.py::Event``), ranking owns the tier-1 ranker that consumes it, and tools is a
tier-2 service nobody depends on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result
from referencing import Registry, Resource

from guardrails.cli import cli
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parent.parent
AGENT = "Co-Authored-By: Claude <noreply@anthropic.com>"
LI = ("li", "li@acme.dev")
SAM = ("sam", "sam@acme.dev")
EMMA = ("emma", "emma@acme.dev")

CONFIG = """\
version: 1
teams:
  data-infra: {members: [emma, "raj <raj@acme.dev>"], handles: ["@acme/data-infra"]}
  ranking:    {members: [li, sam], handles: ["@acme/ranking"]}
agents:
  names: ["acme-bot*"]
services:
  bus:    {owner: data-infra, tier: 0, paths: ["bus/**"], produces: ["topic:events"]}
  ranker: {owner: ranking, tier: 1, paths: ["ranker/**"], consumes: ["topic:events"]}
  tools:  {owner: data-infra, tier: 2, paths: ["tools/**"]}
resources:
  "topic:events": {owner: data-infra, schema: "bus/schemas.py::Event"}
"""
SCHEMAS = "class Event:\n    user_id: str\n    item_id: str\n"

Doc = dict[str, Any]


def _schema(name: str) -> Doc:
    doc: Doc = json.loads((ROOT / "docs" / "schemas" / name).read_text())
    return doc


CHECK = _schema("check.v1.schema.json")
VALIDATOR = jsonschema.Draft202012Validator(
    CHECK,
    registry=Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in (CHECK, _schema("affected.v1.schema.json"))
    ),
)


def run(repo: GitRepo, *args: str) -> Result:
    return CliRunner().invoke(cli, [args[0], "-C", str(repo.root), *args[1:]])


def check(repo: GitRepo, *args: str, code: int) -> Doc:
    result = run(repo, "check", "--base", "main", "--format", "json", *args)
    assert result.exit_code == code, result.stdout + result.stderr
    doc: Doc = json.loads(result.stdout)
    VALIDATOR.validate(doc)
    return doc


def reqs(doc: Doc) -> dict[str, tuple[bool, list[str]]]:
    return {r["id"]: (r["satisfied"], r["approved_by"]) for r in doc["requirements"]}


def reviews(tmp_path: Path, data: Any, name: str = "reviews.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def github(login: str, state: str, commit: str, when: str, kind: str = "User") -> Doc:
    return {
        "id": 1,
        "user": {"login": login, "type": kind},
        "state": state,
        "commit_id": commit,
        "submitted_at": when,
        "author_association": "MEMBER",
        "body": "",
    }


@pytest.fixture
def org(repo: GitRepo) -> GitRepo:
    repo.write(
        {
            "guardrails.yaml": CONFIG,
            "CODEOWNERS": "guardrails.yaml @acme/data-infra\npolicies/ @acme/data-infra\n",
            "bus/__init__.py": "",
            "bus/schemas.py": SCHEMAS,
            "ranker/__init__.py": "",
            "ranker/rank.py": "def rank(items):\n    return sorted(items)\n",
            "tools/__init__.py": "",
            "tools/cli.py": "X = 1\n",
        }
    )
    repo.commit("init", author=EMMA)
    repo.branch("feature")
    return repo


def schema_break(org: GitRepo, *, trailers: tuple[str, ...] = (AGENT,)) -> str:
    org.write({"bus/schemas.py": "class Event:\n    user_id: str\n"})
    return org.commit("drop item_id", author=LI, trailers=trailers)


# -- authorship ---------------------------------------------------------------------------------
def test_agent_human_and_mixed_changes_with_their_evidence(org: GitRepo) -> None:
    org.write({"bus/extra.py": "A = 1\n"})
    human = org.commit("human work", author=EMMA)
    doc = check(org, code=0)
    assert doc["author"]["kind"] == "human"
    assert [(e["source"], e["commit"]) for e in doc["author"]["evidence"]] == [("author", human)]
    assert doc["requirements"] == []  # data-infra's own bus, by a human: nobody else to ask

    org.write({"bus/extra.py": "A = 2\n"})
    agent = org.commit("agent work", author=EMMA, trailers=(AGENT,))
    mixed = check(org, code=1)
    assert mixed["author"]["kind"] == "mixed"
    assert [(e["kind"], e["source"], e["commit"]) for e in mixed["author"]["evidence"]] == [
        ("agent", "trailer:Co-authored-by", agent),
        ("human", "author", human),
    ]
    # Mixed work reaching the tier-0 bus needs a human from every team in the radius
    # (ranking's ranker consumes the bus's topic).
    assert reqs(mixed) == {
        "default.agent-critical-reach#data-infra": (False, []),
        "default.agent-critical-reach#ranking": (False, []),
    }
    req = mixed["requirements"][0]
    assert req["candidates"] == [  # emma co-wrote it: she cannot approve it
        {"login": "raj", "handle": "@acme/data-infra"}
    ]

    org.git("checkout", "-q", "-B", "only-agent", "main")
    org.write({"bus/extra.py": "A = 3\n"})
    org.commit("bot work", author=("acme-bot-7", "bot7@ci.acme.dev"))
    agent_doc = check(org, code=1)
    assert agent_doc["author"]["kind"] == "agent"
    assert agent_doc["author"]["evidence"][0]["source"] == "config:agents.names"
    assert "#data-infra" in agent_doc["requirements"][0]["id"]


# -- approvals ----------------------------------------------------------------------------------
def test_an_agents_schema_break_passes_once_each_consumer_team_approves_the_head(
    org: GitRepo, tmp_path: Path
) -> None:
    head = schema_break(org)
    doc = check(org, code=1)
    assert doc["decision"] == "block"
    assert reqs(doc) == {
        "default.agent-critical-reach#data-infra": (False, []),
        "default.agent-critical-reach#ranking": (False, []),
        "default.ownership-cross-team#data-infra": (False, []),
        "default.schema-break#ranking": (False, []),
    }
    schema = next(r for r in doc["requirements"] if r["id"] == "default.schema-break#ranking")
    assert schema["candidates"] == [{"login": "sam", "handle": "@acme/ranking"}]  # not li
    assert [u["rule"] for u in schema["unblocks"]] == ["data.schema-break"]
    assert schema["reason"] == "data.schema-break at bus/schemas.py:3"
    text = run(org, "check", "--base", "main").stdout
    assert "Who must approve" in text and "ask: @acme/ranking, sam" in text
    assert text.index("What blocks") < text.index("Who must approve") < text.index("Changed:")

    # One approval from ranking is not one from data-infra: each team is its own requirement.
    only_sam = reviews(tmp_path, [github("sam", "APPROVED", head, "2026-01-01T10:00:00Z")])
    partial = check(org, "--approvals", only_sam, code=1)
    assert reqs(partial)["default.schema-break#ranking"] == (True, ["sam"])
    assert reqs(partial)["default.agent-critical-reach#data-infra"] == (False, [])

    both = reviews(
        tmp_path,
        [
            github("sam", "APPROVED", head, "2026-01-01T10:00:00Z"),
            github("emma", "APPROVED", head, "2026-01-01T11:00:00Z"),
        ],
    )
    ok = check(org, "--approvals", both, code=0)
    assert ok["decision"] == "warn"
    assert all(satisfied for satisfied, _ in reqs(ok).values())
    (f,) = [f for f in ok["findings"] if f["rule"] == "data.schema-break"]
    assert (f["severity"], f["approved_by"]) == ("warn", ["sam"])
    assert [(a["user"], a["source"], a["counted"]) for a in ok["approvals"]] == [
        ("emma", "github", True),
        ("sam", "github", True),
    ]


def test_approvals_that_do_not_count(org: GitRepo, tmp_path: Path) -> None:
    head = schema_break(org, trailers=(AGENT, "Co-authored-by: sam <sam@acme.dev>"))
    old = org.git("rev-parse", "main")
    payload = [
        github("li", "APPROVED", head, "2026-01-01T09:00:00Z"),  # the author
        github("sam", "APPROVED", head, "2026-01-01T09:01:00Z"),  # a co-author
        github("copilot", "APPROVED", head, "2026-01-01T09:02:00Z"),  # an agent
        github("dependabot[bot]", "APPROVED", head, "2026-01-01T09:03:00Z", "Bot"),
        github("raj", "APPROVED", old, "2026-01-01T09:04:00Z"),  # another commit: stale
        github("emma", "APPROVED", head, "2026-01-01T09:05:00Z"),
        github("emma", "CHANGES_REQUESTED", head, "2026-01-01T09:06:00Z"),  # then cancels
        {**github("x", "APPROVED", head, "2026-01-01T09:07:00Z"), "user": None},  # a ghost
    ]
    doc = check(org, "--approvals", reviews(tmp_path, payload), code=1)
    assert [(a["user"], a["state"], a["counted"], a["why_not"]) for a in doc["approvals"]] == [
        ("copilot", "APPROVED", False, "agent"),
        ("dependabot[bot]", "APPROVED", False, "bot"),
        ("emma", "CHANGES_REQUESTED", False, "cancelled"),
        ("li", "APPROVED", False, "author"),
        ("raj", "APPROVED", False, "stale"),
        ("sam", "APPROVED", False, "author"),
    ]
    assert not any(satisfied for satisfied, _ in reqs(doc).values())
    # Nobody independent approved: the change approved itself.
    (f,) = [f for f in doc["findings"] if f["rule"] == "ownership.self-approval"]
    assert "copilot, dependabot[bot], li, sam" in f["message"]
    # The text verdict says why each given approval does not count (a GitLab job log shows
    # only text: an approver listed as missing must see the reason).
    text = run(org, "check", "--base", "main", "--approvals", str(tmp_path / "reviews.json"))
    assert (
        "Not counted: copilot (agent), dependabot[bot] (bot), emma (cancelled), li (author),"
        in " ".join(text.stdout.split())
    )


def test_a_comment_does_not_cancel_and_pages_concatenate(org: GitRepo, tmp_path: Path) -> None:
    head = schema_break(org, trailers=())
    page1 = json.dumps([github("sam", "APPROVED", head, "2026-01-01T09:00:00Z")])
    page2 = json.dumps(
        [
            github("sam", "COMMENTED", head, "2026-01-01T09:30:00Z"),
            github("emma", "APPROVED", head, "2026-01-01T09:40:00Z"),
        ]
    )
    doc = check(org, "--approvals", reviews(tmp_path, page1 + "\n" + page2), code=0)
    assert reqs(doc) == {
        "default.ownership-cross-team#data-infra": (True, ["emma"]),
        "default.schema-break#ranking": (True, ["sam"]),
    }


def test_gitlab_approvals_trailers_and_the_simple_form(org: GitRepo, tmp_path: Path) -> None:
    head = schema_break(org, trailers=())
    gitlab = {
        "approvals_required": 1,
        "approved": True,
        "sha": head,
        "approved_by": [{"user": {"id": 7, "username": "sam", "name": "Sam"}}],
    }
    doc = check(org, "--approvals", reviews(tmp_path, gitlab, "gl.json"), code=1)
    assert reqs(doc)["default.schema-break#ranking"] == (True, ["sam"])
    stale = check(org, "--approvals", reviews(tmp_path, {**gitlab, "sha": "0" * 40}), code=1)
    assert [a["why_not"] for a in stale["approvals"]] == ["stale"]

    simple = reviews(tmp_path, [{"user": "emma", "state": "APPROVED", "commit": head}], "s.json")
    both = check(org, "--approvals", simple, "--approvals", str(tmp_path / "gl.json"), code=0)
    assert [(a["user"], a["source"]) for a in both["approvals"]] == [
        ("emma", "file"),
        ("sam", "gitlab"),
    ]

    # A trailer is a claim written by the committer: it counts, and says where it came from.
    org.write({"ranker/rank.py": "def rank(items):\n    return sorted(items, reverse=True)\n"})
    org.commit("tweak", author=LI, trailers=("Reviewed-by: Sam <sam@acme.dev>",))
    emma = reviews(tmp_path, [{"user": "emma", "state": "APPROVED"}])
    doc = check(org, "--approvals", emma, code=0)
    assert [(a["user"], a["source"], a["counted"]) for a in doc["approvals"]] == [
        ("emma", "file", True),
        ("sam", "trailer", True),
    ]
    assert reqs(doc)["default.schema-break#ranking"] == (True, ["sam"])
    # A pack that refuses trailers: the same claim no longer satisfies it.
    strict = RANKING_PACK.replace(
        "not_author: true}", "not_author: true, trailers: false}"
    ).replace("count: 2", "count: 1")
    org.git("checkout", "-q", "main")
    org.write(
        {
            "guardrails.yaml": CONFIG + "policies: [builtin:default, ./policies/ranking.yaml]\n",
            "policies/ranking.yaml": strict,
        }
    )
    org.commit("a ranking pack that wants real reviews", author=EMMA)
    org.git("checkout", "-q", "feature")
    org.git("rebase", "-q", "main")
    refused = check(org, "--approvals", emma, code=1)
    assert reqs(refused)["ranking.two-reviewers#ranking"] == (False, [])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[{", "reviews.json:1: --approvals: not valid JSON"),
        ('[{"user": "li", "state": "LGTM"}]', "item 0: state 'LGTM' is not one of"),
        ('{"approvals_left": 0}', "an object must be GitLab's approvals JSON"),
        ("", "reviews.json:1: --approvals: the file is empty"),
    ],
)
def test_bad_approvals_json_is_one_located_line_and_exit_2(
    org: GitRepo, tmp_path: Path, content: str, message: str
) -> None:
    schema_break(org)
    result = run(org, "check", "--base", "main", "--approvals", reviews(tmp_path, content))
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


# -- packs --------------------------------------------------------------------------------------
RANKING_PACK = """\
apiVersion: guardrails/v1
kind: PolicyPack
name: ranking
owner: ranking
applies_to: {affects: ["team:ranking"]}
policies:
  - id: ranking.two-reviewers
    when: 'impact.min_tier <= 1'
    require:
      approvals: {from: [team:ranking], count: 2, humans: true, not_author: true}
    rationale: "Ranking's own rule: two of us look at anything that reaches the ranker."
    runbook: docs/runbooks/ranking.md
"""


def with_pack(org: GitRepo, pack: str, name: str = "policies/ranking.yaml") -> None:
    org.git("checkout", "-q", "main")
    org.write(
        {
            "guardrails.yaml": CONFIG + f"policies: [builtin:default, ./{name}]\n",
            name: pack,
        }
    )
    org.commit("add the pack", author=EMMA)
    org.git("checkout", "-q", "-B", "feature", "main")


def test_a_team_pack_runs_only_when_its_team_is_in_the_radius(org: GitRepo) -> None:
    with_pack(org, RANKING_PACK)
    org.write({"tools/cli.py": "X = 2\n"})
    org.commit("tools only", author=EMMA)
    assert check(org, code=0)["requirements"] == []  # ranking is not in this radius

    org.write({"bus/extra.py": "A = 1\n"})
    org.commit("the bus: ranking consumes it", author=EMMA)
    doc = check(org, code=1)
    (req,) = doc["requirements"]
    assert (req["id"], req["count"], req["from"]) == (
        "ranking.two-reviewers#ranking",
        2,
        ["team:ranking"],
    )
    assert [c["login"] for c in req["candidates"]] == ["li", "sam"]
    assert doc["config"]["policies"] == ["builtin:default", "./policies/ranking.yaml"]


def test_a_change_that_weakens_its_own_policy_is_judged_by_the_base_policy(
    org: GitRepo,
) -> None:
    with_pack(org, RANKING_PACK)
    org.write(
        {
            "policies/ranking.yaml": RANKING_PACK.replace("impact.min_tier <= 1", "false"),
            "bus/extra.py": "A = 1\n",
        }
    )
    org.commit("relax the ranking pack, and touch the bus", author=EMMA)
    doc = check(org, code=1)
    assert doc["config"] == {
        "from": "base",
        "rev": org.git("rev-parse", "main"),
        "policies": ["builtin:default", "./policies/ranking.yaml"],
        "ignored_worktree_change": False,
    }
    ids = set(reqs(doc))
    assert "ranking.two-reviewers#ranking" in ids  # the base pack still asks
    assert "default.self-protect#data-infra" in ids  # and editing a pack needs its owners
    text = run(org, "check", "--base", "main").stdout
    assert f"Config and policies from base {org.git('rev-parse', 'main')[:12]}" in text
    head = check(org, "--policy-from", "head", code=1)
    assert head["config"]["from"] == "head"
    assert "ranking.two-reviewers#ranking" not in reqs(head)


def test_a_head_config_change_is_ignored_and_said_so(org: GitRepo) -> None:
    org.write({"guardrails.yaml": CONFIG + "overrides: {default.ownership-unowned: info}\n"})
    org.commit("quieter", author=EMMA)
    doc = check(org, code=1)
    assert doc["config"]["ignored_worktree_change"] is True
    text = run(org, "check", "--base", "main").stdout
    assert "Note: the change's own guardrails.yaml is not used" in text

    (org.root / "guardrails.yaml").write_text(CONFIG + "# unstaged\n")
    org.write({"tools/cli.py": "X = 3\n"})
    org.stage("tools/cli.py")
    staged = json.loads(run(org, "check", "--staged", "--format", "json").stdout)
    assert staged["config"]["from"] == "index" and staged["config"]["ignored_worktree_change"]


BAD_CEL_PACK = """\
apiVersion: guardrails/v1
kind: PolicyPack
name: ranking
policies:
  - id: ranking.broken
    rule: safety.shell
    when: 'impact.affected.exists(n, n.tier <= )'
"""


def test_an_invalid_cel_expression_is_exit_2_with_file_and_line(org: GitRepo) -> None:
    org.write(
        {
            "guardrails.yaml": CONFIG + "policies: [builtin:default, ./policies/ranking.yaml]\n",
            "policies/ranking.yaml": BAD_CEL_PACK,
        }
    )
    result = run(org, "validate")
    assert result.exit_code == 2
    assert "policies/ranking.yaml:7: policy ranking.broken: `when` is not valid CEL" in (
        result.stderr
    )
    assert "Syntax error" in result.stderr
    org.stage()
    staged = run(org, "check", "--staged")
    assert staged.exit_code == 2 and "policies/ranking.yaml:7" in staged.stderr
    assert "Traceback" not in staged.stderr
    # An unknown variable is caught when the pack loads, not as a silent false later.
    org.write({"policies/ranking.yaml": BAD_CEL_PACK.replace("n.tier <= ", "chnage.x")})
    typo = run(org, "validate")
    assert typo.exit_code == 2 and "undeclared reference to 'chnage.x'" in typo.stderr


def test_a_head_pack_with_bad_cel_is_a_blocking_finding_in_ci(org: GitRepo) -> None:
    with_pack(org, RANKING_PACK)
    org.write({"policies/ranking.yaml": BAD_CEL_PACK})
    org.commit("break the pack", author=EMMA)
    doc = check(org, code=1)
    (f,) = [f for f in doc["findings"] if f["rule"] == "guardrails.config-invalid"]
    assert (f["path"], f["line"], f["severity"]) == ("policies/ranking.yaml", 7, "block")


def test_a_locked_policy_refuses_an_override(org: GitRepo) -> None:
    org.write({"guardrails.yaml": CONFIG + "overrides:\n  default.security: warn\n"})
    result = run(org, "validate")
    assert result.exit_code == 2
    assert "guardrails.yaml:14: overrides: policy 'default.security' is locked" in result.stderr
    org.stage()
    assert run(org, "check", "--staged").exit_code == 2
    # An unlocked one may be changed: the severity is the override's.
    org.write(
        {
            "guardrails.yaml": CONFIG
            + "overrides: {'builtin:default/default.swallowed-exception': info}\n",
            "tools/cli.py": "try:\n    X = 1\nexcept Exception:\n    pass\n",
        }
    )
    assert run(org, "validate").exit_code == 0
    org.stage()
    doc = json.loads(run(org, "check", "--staged", "--format", "json").stdout)
    (f,) = [f for f in doc["findings"] if f["rule"] == "safety.swallowed-exception"]
    assert (f["severity"], f["policy"]) == ("info", "default.swallowed-exception")


# -- suppressions -------------------------------------------------------------------------------
def test_an_expired_suppression_no_longer_holds(org: GitRepo) -> None:
    # The head commit is dated 2023-11-14 (tests/gitrepo.py): that is the day that judges.
    org.write(
        {
            "tools/cli.py": "import os\n\n"
            "os.system('a')  # guardrails: ignore[safety.os-system] -- vendored (until 2023-11-01)\n"
            "os.system('b')  # guardrails: ignore[safety.os-system] -- vendored (until 2024-01-31)\n"
        }
    )
    org.commit("two suppressions", author=EMMA)
    doc = check(org, code=1)
    got = [(f["rule"], f["line"], f["severity"], f["suppressed"]) for f in doc["findings"]]
    assert got == [
        ("safety.os-system", 3, "block", None),
        (  # still listed (SARIF shows it suppressed), never blocking
            "safety.os-system",
            4,
            "block",
            {"reason": "vendored", "until": "2024-01-31", "path": "tools/cli.py", "line": 4},
        ),
        ("guardrails.suppression-expired", 3, "warn", None),
    ]


def test_a_pack_can_forbid_suppressing_a_rule(org: GitRepo) -> None:
    pack = (
        "apiVersion: guardrails/v1\nkind: PolicyPack\nname: strict\npolicies:\n"
        "  - id: strict.no-os-system\n    rule: safety.os-system\n    severity: block\n"
        "    forbid_suppression: true\n"
    )
    with_pack(org, pack, "policies/strict.yaml")
    org.write(
        {
            "tools/cli.py": "import os\nos.system('a')  # guardrails: ignore[safety.os-system] -- ok\n"
        }
    )
    org.commit("try to suppress", author=EMMA)
    doc = check(org, code=1)
    rules = [(f["rule"], f["severity"], f["suppressed"]) for f in doc["findings"]]
    assert ("safety.os-system", "block", None) in rules
    assert ("guardrails.suppression-forbidden", "warn", None) in rules


# -- the gate's own files -----------------------------------------------------------------------
def test_a_dependabot_bump_of_a_workflow_that_never_runs_the_gate_needs_nobody(
    org: GitRepo,
) -> None:
    workflow = "steps:\n  - uses: github/codeql-action/init@{}\n"
    gate = "steps:\n  - run: pip install guardrails && guardrails check --base origin/main\n"
    org.git("checkout", "-q", "main")
    org.write(
        {
            ".github/workflows/codeql.yml": workflow.format("v3"),
            ".github/workflows/gate.yml": gate,
        }
    )
    org.commit("ci", author=EMMA)
    org.git("checkout", "-q", "-B", "feature", "main")
    bot = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
    org.write({".github/workflows/codeql.yml": workflow.format("v4")})
    org.commit("Bump github/codeql-action from 3 to 4", author=bot)
    doc = check(org, code=0)
    assert doc["author"]["kind"] == "agent"  # a bot is not a human author
    assert doc["requirements"] == []
    # Nothing at all: the workflow was unowned before the bump and still is.
    assert doc["findings"] == [] and doc["decision"] == "pass"

    org.write({".github/workflows/gate.yml": gate.replace("--base origin/main", "--help")})
    org.commit("Bump the gate", author=bot)
    gated = check(org, code=1)
    # No CODEOWNERS line claims .github/: any human who did not write it may approve.
    assert reqs(gated) == {"default.self-protect#anyone": (False, [])}


def test_protect_adds_paths_the_gate_guards(org: GitRepo) -> None:
    org.git("checkout", "-q", "main")
    org.write({"guardrails.yaml": CONFIG + "protect: ['deploy/**']\n", "deploy/prod.env": "A=1\n"})
    org.commit("protect deploy", author=EMMA)
    org.git("checkout", "-q", "-B", "feature", "main")
    org.write({"deploy/prod.env": "A=2\n"})
    org.commit("prod", author=EMMA)
    doc = check(org, code=1)
    (f,) = [f for f in doc["findings"] if f["rule"] == "guardrails.self-protect"]
    assert f["path"] == "deploy/prod.env" and "a file `protect:` guards" in f["message"]


# -- the document -------------------------------------------------------------------------------
def test_check_json_is_byte_identical_across_runs_and_lists_candidates(
    org: GitRepo, tmp_path: Path
) -> None:
    schema_break(org)
    a = run(org, "check", "--base", "main", "--format", "json")
    b = run(org, "check", "--base", "main", "--format", "json")
    assert a.exit_code == b.exit_code == 1 and a.stdout_bytes == b.stdout_bytes
    doc = json.loads(a.stdout)
    VALIDATOR.validate(doc)
    assert all(r["candidates"] for r in doc["requirements"])
    assert {c["handle"] for r in doc["requirements"] for c in r["candidates"]} == {
        "@acme/data-infra",
        "@acme/ranking",
    }


def test_several_reports_from_one_run(org: GitRepo, tmp_path: Path) -> None:
    schema_break(org)
    out_json, out_text = tmp_path / "v.json", tmp_path / "v.txt"
    result = run(
        org,
        "check",
        "--base",
        "main",
        "--format",
        "json",
        "--output",
        str(out_json),
        "--format",
        "text",
        "--output",
        str(out_text),
    )
    assert result.exit_code == 1
    assert json.loads(out_json.read_text())["decision"] == "block"
    # Every format went to a file: the verdict is still shown to whoever ran the gate.
    assert out_text.read_text() == result.stdout
    assert result.stdout.startswith("guardrails check: BLOCK")
    bad = run(org, "check", "--base", "main", "--output", "a", "--output", "b")
    assert bad.exit_code == 2 and "--output a has no --format before it" in bad.stderr


def test_a_codeowners_person_is_their_own_requirement(org: GitRepo, tmp_path: Path) -> None:
    org.git("checkout", "-q", "main")
    org.write({"CODEOWNERS": "guardrails.yaml @acme/data-infra\ndocs/ @zoe\n", "docs/a.md": "a\n"})
    org.commit("docs are zoe's", author=EMMA)
    org.git("checkout", "-q", "-B", "feature", "main")
    org.write({"docs/a.md": "b\n"})
    head = org.commit("edit the docs", author=LI)
    doc = check(org, code=1)
    (req,) = doc["requirements"]
    assert (req["id"], req["from"], req["candidates"]) == (
        "default.ownership-cross-team#user:zoe",
        ["user:zoe"],
        [{"login": "zoe", "handle": "@zoe"}],
    )
    ok = reviews(tmp_path, [{"user": "zoe", "state": "APPROVED", "commit": head}])
    assert reqs(check(org, "--approvals", ok, code=0)) == {
        "default.ownership-cross-team#user:zoe": (True, ["zoe"])
    }


def test_the_commands_only_parse_options_call_the_app_and_a_reporter() -> None:
    import ast

    for path in sorted((ROOT / "guardrails" / "commands").glob("*.py")):
        tree = ast.parse(path.read_text())
        names = [
            f"{n.module}.{a.name}" if isinstance(n, ast.ImportFrom) else a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.Import | ast.ImportFrom)
            for a in n.names
        ]
        assert not [
            m
            for m in names
            if m.startswith(("guardrails.rules", "guardrails.policy", "guardrails.verdict"))
        ], path.name
        # The gate's commands never reach into another (output.py is the shared writer).
        if path.name not in ("check.py", "demo.py", "policies.py"):
            continue
        others = [
            m
            for m in names
            if m.startswith("guardrails.commands.") and m != "guardrails.commands.output.emit"
        ]
        assert not others, (path.name, others)


def test_staged_with_policies_from_head_commit(org: GitRepo) -> None:
    with_pack(org, RANKING_PACK)
    org.write(
        {
            "policies/ranking.yaml": RANKING_PACK.replace("impact.min_tier <= 1", "false"),
            "bus/extra.py": "A = 1\n",
        }
    )
    org.stage()
    staged = json.loads(run(org, "check", "--staged", "--format", "json").stdout)
    assert staged["config"]["from"] == "index"
    assert "ranking.two-reviewers#ranking" not in reqs(staged)  # the staged pack says false
    based = json.loads(
        run(org, "check", "--staged", "--policy-from", "base", "--format", "json").stdout
    )
    assert based["config"]["from"] == "base"
    assert reqs(based)["ranking.two-reviewers#ranking"] == (False, [])
    assert based["decision"] == "warn"  # staged: "will need approval", not a block


def test_nothing_staged_reads_no_pack_and_loads_no_cel(org: GitRepo) -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom guardrails.cli import cli\n"
        f"cli.main(['check', '-C', {str(org.root)!r}, '--staged'], standalone_mode=False)\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.stdout.startswith("guardrails check: PASS"), out.stdout + out.stderr
    # ...and says so, rather than "no policy pack" (which would read as a gate switched off)
    assert out.stdout.rstrip().endswith("Nothing to judge: no config or policy pack was read")
    loaded = set(out.stderr.split())
    assert not loaded & {
        "cel_expr_python",
        "guardrails.policy.load",
        "guardrails.rules.registry",
        "guardrails.catalog.load",  # not even the config: nothing is there to judge
    }


def test_a_condition_that_fails_at_run_time_stops_the_gate_naming_the_policy(
    org: GitRepo,
) -> None:
    pack = (
        "apiVersion: guardrails/v1\nkind: PolicyPack\nname: odd\npolicies:\n"
        "  - id: odd.missing-field\n    rule: safety.os-system\n"
        "    when: 'finding.no_such_field == 1'\n    severity: warn\n"
    )
    with_pack(org, pack, "policies/odd.yaml")
    org.write({"tools/cli.py": "import os\nos.system('a')\n"})
    org.commit("os.system", author=EMMA)
    result = run(org, "check", "--base", "main")
    assert result.exit_code == 2 and result.stdout == ""  # fail closed, never a silent pass
    assert "policies/odd.yaml:5: `when` failed: " in result.stderr
    assert "no_such_field" in result.stderr and "Traceback" not in result.stderr


def test_a_change_cannot_add_a_friend_to_the_team_whose_approval_it_needs(
    org: GitRepo, tmp_path: Path
) -> None:
    org.write(
        {
            "bus/schemas.py": "class Event:\n    user_id: str\n",
            "guardrails.yaml": CONFIG.replace("members: [li, sam]", "members: [li, sam, mallory]"),
        }
    )
    head = org.commit("drop item_id; mallory joins ranking", author=EMMA)
    friend = reviews(tmp_path, [{"user": "mallory", "state": "APPROVED", "commit": head}])
    doc = check(org, "--approvals", friend, code=1)
    # The base's teams judge: mallory is nobody's member, so ranking has not approved.
    assert reqs(doc)["default.schema-break#ranking"] == (False, [])
    schema = next(r for r in doc["requirements"] if r["id"] == "default.schema-break#ranking")
    assert [c["login"] for c in schema["candidates"]] == ["li", "sam"]


def test_every_registered_reporter_renders_the_document(org: GitRepo) -> None:
    from guardrails.commands.check import rule_meta
    from guardrails.report.registry import CHECK_FORMATS, LazyRuleMeta, formats, render

    schema_break(org)
    doc = check(org, code=1)
    assert {"text", "json"} <= set(formats()) <= set(CHECK_FORMATS)
    meta = LazyRuleMeta(rule_meta)
    for fmt in formats():
        out = render(fmt, doc, meta)
        assert isinstance(out, str) and out.strip(), fmt
    assert json.loads(render("json", doc, meta)) == doc
    assert meta["data.schema-break"].default_severity == "block"


def test_nothing_staged_still_refuses_a_named_config_that_is_not_there(org: GitRepo) -> None:
    result = run(org, "check", "--staged", "--config", "nope.yaml")
    assert result.exit_code == 2 and "nope.yaml" in result.stderr
    ok = run(org, "check", "--staged", "--config", "guardrails.yaml")
    assert ok.exit_code == 0 and ok.stdout.startswith("guardrails check: PASS")
    doc = json.loads(run(org, "check", "--staged", "--format", "json").stdout)
    VALIDATOR.validate(doc)
    assert (doc["decision"], doc["mode"], doc["config"]["policies"]) == ("pass", "staged", [])
