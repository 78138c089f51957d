"""`guardrails check --format json` matches docs/schemas/check.v1.schema.json.

Every document comes from the real CLI on a real git repository (the acme demo org copied
into tmp_path, import inference on as shipped). The schema is exact (closed objects, enums,
40-hex shas, the impact as the affected/v1 schema by $ref), so a key added, dropped or
retyped in Verdict.as_dict fails here until the schema and docs/output.md say so. What a
JSON Schema cannot express — findings' order, the decision as a function of the severities,
evidence strength as the rank of its source, exit codes — is checked in Python. The negative
cases prove the schema can reject: a test that cannot fail is a defect.
"""

# ruff: noqa: E501

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result
from referencing import Registry, Resource

from guardrails.authors import RANK
from guardrails.cli import cli
from guardrails.findings import SEVERITY_RANK
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parent.parent
ACME = ROOT / "graph" / "examples" / "acme"
SCHEMAS = ROOT / "docs" / "schemas"
AGENT_TRAILER = "Co-Authored-By: Claude <noreply@anthropic.com>"

Doc = dict[str, Any]


def _load(name: str) -> Doc:
    doc: Doc = json.loads((SCHEMAS / name).read_text())
    return doc


CHECK_SCHEMA = _load("check.v1.schema.json")
AFFECTED_SCHEMA = _load("affected.v1.schema.json")
# check.v1 refers to affected.v1 relative to its $id, as an editor or a consumer would.
REGISTRY: Registry = Registry().with_resources(
    (s["$id"], Resource.from_contents(s)) for s in (CHECK_SCHEMA, AFFECTED_SCHEMA)
)
VALIDATOR = jsonschema.Draft202012Validator(CHECK_SCHEMA, registry=REGISTRY)
AFFECTED = jsonschema.Draft202012Validator(AFFECTED_SCHEMA)


# -- running the CLI ---------------------------------------------------------------------------
def run_check(repo: GitRepo, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["check", "-C", str(repo.root), "--format", "json", *args], catch_exceptions=False
    )


def check(repo: GitRepo, *args: str, code: int) -> Doc:
    """The verdict for ``args`` (default ``--base main``), validated; asserts the exit code."""
    result = run_check(repo, *(args or ("--base", "main")))
    assert result.exit_code == code, result.stdout + result.stderr
    doc: Doc = json.loads(result.stdout)
    VALIDATOR.validate(doc)
    check_semantics(doc, strict="--strict" in args)
    assert (doc["decision"] == "block") == (code == 1)  # exit 1 exactly when blocked
    return doc


# -- what the schema cannot say -------------------------------------------------------------------
def finding_key(f: Doc) -> tuple[int, str, int, str]:
    return (SEVERITY_RANK[f["severity"]], f["path"], f["line"] or 0, f["rule"])


def check_semantics(doc: Doc, *, strict: bool = False) -> None:
    # findings: severity rank (block < warn < info), then path, line, rule
    keys = [finding_key(f) for f in doc["findings"]]
    assert keys == sorted(keys), keys
    # the decision (docs/policies.md "The verdict"): an unsuppressed block that waits for no
    # approval blocks, and so does an unmet requirement in CI; --strict makes a warning block
    unmet = [r for r in doc["requirements"] if not r["satisfied"]]
    waiting = {u["fingerprint"] for r in unmet for u in r["unblocks"]}
    active = [f for f in doc["findings"] if f["suppressed"] is None]
    blocks = any(f["severity"] == "block" and f["fingerprint"] not in waiting for f in active)
    warns = (
        bool(unmet)
        or any(f["severity"] == "warn" for f in active)
        or any(f["fingerprint"] in waiting for f in active)
    )
    expected = (
        "block"
        if blocks or (doc["mode"] == "range" and unmet) or (strict and warns)
        else "warn"
        if warns
        else "pass"
    )
    assert doc["decision"] == expected
    ids = [r["id"] for r in doc["requirements"]]
    assert ids == sorted(set(ids))
    approvals = [(a["user"].lower(), a["source"]) for a in doc["approvals"]]
    assert approvals == sorted(set(approvals))
    # a waived finding names who approved it and shows as a warning
    assert all(f["severity"] == "warn" for f in doc["findings"] if f.get("approved_by"))
    # evidence: strength is its source's rank, strongest first
    evidence = doc["author"]["evidence"]
    assert all(e["strength"] == RANK[e["source"]] for e in evidence)
    assert [e["strength"] for e in evidence] == sorted(e["strength"] for e in evidence)
    # the impact is a complete affected/v1 document on its own
    AFFECTED.validate(doc["impact"])
    changed = [n["id"] for n in doc["impact"]["changed"]]
    assert changed == sorted(set(changed))
    # a policy that graded a finding says why and where to read more
    assert all(f["rationale"] and f["runbook"] for f in doc["findings"] if f["policy"])


# -- repositories --------------------------------------------------------------------------------
@pytest.fixture
def acme(repo: GitRepo) -> GitRepo:
    """The acme org as shipped (import inference on), on a feature branch off main."""
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme: initial", author=("Ops", "ops@acme.dev"))
    repo.branch("feature")
    return repo


def edit(repo: GitRepo, path: str, old: str, new: str) -> None:
    text = (repo.root / path).read_text()
    assert old in text, (path, old)
    repo.write({path: text.replace(old, new, 1)})


def blocking_change(repo: GitRepo) -> str:
    """Rename the bus's public `publish` (growth-app imports it) and add a shell=True call."""
    edit(repo, "services/event_bus/client.py", "def publish(topic", "def publish_event(topic")
    edit(repo, "services/ranker/rank.py", "import json\n", "import json\nimport subprocess\n")
    edit(
        repo,
        "services/ranker/rank.py",
        "def rank(user_id",
        'def dump(name: str) -> None:\n    subprocess.run(f"cp {name} /tmp/", shell=True)\n\n\ndef rank(user_id',
    )
    return repo.commit("tidy the bus API; debug helper", author=("li", "li@acme.dev"))


# -- the schema itself ---------------------------------------------------------------------------
def test_schema_is_draft_2020_12_and_names_its_document() -> None:
    jsonschema.Draft202012Validator.check_schema(CHECK_SCHEMA)
    assert CHECK_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert CHECK_SCHEMA["properties"]["schema"] == {"const": "guardrails.check/v1"}
    assert CHECK_SCHEMA["additionalProperties"] is False
    assert CHECK_SCHEMA["properties"]["impact"]["$ref"] == "affected.v1.schema.json"
    defs = CHECK_SCHEMA["$defs"]
    # the enums are the code's, not a copy that drifts
    assert set(defs["evidence"]["properties"]["source"]["enum"]) == set(RANK)
    assert defs["finding"]["properties"]["severity"]["enum"] == list(SEVERITY_RANK)
    # every key is always present except approved_by (only on a waived finding)
    assert set(defs["finding"]["required"]) == set(defs["finding"]["properties"]) - {"approved_by"}


# -- the documents -------------------------------------------------------------------------------
def test_blocking_change(acme: GitRepo) -> None:
    base = acme.git("rev-parse", "main")
    head = blocking_change(acme)
    doc = check(acme, code=1)
    assert doc["schema"] == "guardrails.check/v1" and doc["decision"] == "block"
    assert (doc["impact"]["base"], doc["impact"]["head"]) == (base, head)
    assert [n["id"] for n in doc["impact"]["changed"]] == ["service:event-bus", "service:ranker"]
    assert doc["author"] == {
        "kind": "human",
        "evidence": [
            {
                "kind": "human",
                "source": "author",
                "agent": None,
                "detail": f"commit {head[:8]}: author li <li@acme.dev>, no agent marker",
                "commit": head,
                "strength": 8,
            }
        ],
    }
    by_rule = {f["rule"]: f for f in doc["findings"]}
    # li (ranking) edits data-infra's bus: ownership.cross-team asks data-infra to review
    assert set(by_rule) == {"api.breaking-change", "safety.shell", "ownership.cross-team"}
    assert by_rule["ownership.cross-team"]["severity"] == "warn"
    assert "default.ownership-cross-team#data-infra" in {r["id"] for r in doc["requirements"]}
    api = by_rule["api.breaking-change"]
    assert (api["severity"], api["path"], api["line"]) == (
        "block",
        "services/event_bus/client.py",
        11,
    )
    assert api["related"] == [
        {"path": "services/growth_app/app.py", "line": 7, "node": "service:growth-app"}
    ]
    assert "publish_event" in api["message"] and api["fix"]
    shell = by_rule["safety.shell"]
    assert (shell["severity"], shell["path"], shell["related"]) == (
        "block",
        "services/ranker/rank.py",
        [],
    )
    assert shell["line"] is not None and "shell=True" in shell["message"]
    assert [f["path"] for f in doc["findings"]] == [
        "services/event_bus/client.py",
        "services/ranker/rank.py",
        "services/event_bus/client.py",
    ]


def test_passing_change(acme: GitRepo) -> None:
    edit(acme, "services/event_bus/client.py", "    return taken\n", "    return taken\n\n# tidy\n")
    acme.commit("comment only", author=("emma", "emma@acme.dev"))  # data-infra's own
    doc = check(acme, code=0)
    assert doc["decision"] == "pass" and doc["findings"] == []
    assert [n["id"] for n in doc["impact"]["changed"]] == ["service:event-bus"]
    assert doc["author"]["kind"] == "human"


def test_warning_passes_and_strict_blocks(acme: GitRepo) -> None:
    # event-bus declares `public: [client, schemas]`: its package module is not on that list
    edit(
        acme,
        "services/growth_app/app.py",
        "from __future__ import annotations\n",
        "from __future__ import annotations\n\nimport services.event_bus\n",
    )
    acme.commit("growth reads feature rows", author=("mia", "mia@acme.dev"))
    doc = check(acme, code=0)
    assert doc["decision"] == "warn"
    assert [(f["rule"], f["severity"]) for f in doc["findings"]] == [
        ("graph.private-import", "warn")
    ]
    strict = check(acme, "--base", "main", "--strict", code=1)
    assert strict["decision"] == "block"
    assert strict["findings"] == doc["findings"]  # --strict changes the decision only


def test_agent_authored_change(acme: GitRepo) -> None:
    edit(
        acme,
        "services/ranker/rank.py",
        "    return sorted(items)\n",
        "    return sorted(set(items))\n",
    )
    head = acme.commit(
        "dedupe ranked items", author=("li", "li@acme.dev"), trailers=[AGENT_TRAILER]
    )
    # An agent's change reaching tier-1 ranker needs a human from every affected team.
    doc = check(acme, code=1)
    assert [(r["id"], r["satisfied"]) for r in doc["requirements"]] == [
        ("default.agent-critical-reach#growth", False),
        ("default.agent-critical-reach#ranking", False),
    ]
    assert doc["requirements"][1]["candidates"] == [
        {"login": "sam", "handle": "@acme/ranking"}
    ]  # li wrote it: not a candidate
    assert doc["author"] == {
        "kind": "agent",
        "evidence": [
            {
                "kind": "agent",
                "source": "trailer:Co-authored-by",
                "agent": "Claude Code",
                "detail": f"commit {head[:8]}: {AGENT_TRAILER}",
                "commit": head,
                "strength": 5,
            }
        ],
    }
    declared = check(acme, "--base", "main", "--author-kind", "human", code=0)
    assert declared["author"]["kind"] == "human"
    assert [(e["source"], e["kind"], e["commit"]) for e in declared["author"]["evidence"]] == [
        ("flag", "human", None),
        ("trailer:Co-authored-by", "agent", head),
    ]


def test_staged_change(acme: GitRepo) -> None:
    head = acme.git("rev-parse", "HEAD")
    edit(acme, "services/ranker/rank.py", "import json\n", "import json\nimport os\n")
    edit(
        acme,
        "services/ranker/rank.py",
        "    return sorted(items)\n",
        "    os.system('true')\n    return sorted(items)\n",
    )
    acme.write({"notes/todo.txt": "unowned\n"})
    acme.stage()
    doc = check(acme, "--staged", code=1)
    assert (doc["impact"]["base"], doc["impact"]["head"]) == (head, None)
    assert doc["impact"]["unowned_files"] == ["notes/todo.txt"]
    # The staged identity (Test Author) is in no team: ranking's file is another team's.
    assert [(f["rule"], f["path"]) for f in doc["findings"]] == [
        ("safety.os-system", "services/ranker/rank.py"),
        ("ownership.unowned", "notes/todo.txt"),
        ("ownership.cross-team", "services/ranker/rank.py"),
    ]
    (evidence,) = doc["author"]["evidence"]
    assert (evidence["source"], evidence["kind"], evidence["commit"]) == ("identity", "human", None)


def test_invalid_head_config_is_a_blocking_finding(acme: GitRepo) -> None:
    edit(acme, "guardrails.yaml", "    owner: growth\n", "    owner: grwoth\n")
    acme.commit("typo in the owner")
    doc = check(acme, code=1)
    (f,) = [f for f in doc["findings"] if f["rule"] == "guardrails.config-invalid"]
    assert (f["severity"], f["path"]) == ("block", "guardrails.yaml")
    assert f["line"] == 1 + (acme.root / "guardrails.yaml").read_text().splitlines().index(
        "    owner: grwoth"
    )
    assert "grwoth" in f["message"] and f["fix"] and f["related"] == []
    assert f in [g for g in doc["findings"] if g["severity"] == "block"]  # block sorts first
    assert doc["findings"][0]["severity"] == "block"


def test_examples_in_docs_output_md_validate() -> None:
    text = (ROOT / "docs" / "output.md").read_text()
    checks = [
        doc
        for block in re.findall(r"```json(?: check)?\n(.*?)```", text, flags=re.S)
        if (doc := json.loads(block)).get("schema") == "guardrails.check/v1"
    ]
    assert checks, "docs/output.md has no guardrails.check/v1 example"
    for doc in checks:
        VALIDATOR.validate(doc)
        check_semantics(doc)


# -- the schema rejects what the contract forbids -------------------------------------------------
Mutation = Callable[[Doc], None]


def _at(doc: Doc, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    return lambda doc: _at(doc, path[:-1]).__setitem__(path[-1], value)


def _drop(path: tuple[Any, ...]) -> Mutation:
    return lambda doc: _at(doc, path[:-1]).__delitem__(path[-1])


REQUIREMENT = {
    "id": "data-infra.schema-break-needs-consumers#ranking",
    "policy": "data-infra.schema-break-needs-consumers",
    "kind": "approval",
    "from": ["team:ranking"],
    "count": 1,
    "humans": True,
    "not_author": True,
    "satisfied": False,
    "approved_by": [],
    "candidates": [{"login": "sam", "handle": "@acme/ranking"}],
    "unblocks": [],
    "reason": "data.schema-break at services/event_bus/schemas.py:3",
    "rationale": None,
    "runbook": None,
}

BAD: list[tuple[str, Mutation]] = [
    ("missing decision", _drop(("decision",))),
    ("missing author", _drop(("author",))),
    ("missing requirements", _drop(("requirements",))),
    ("missing finding fix", _drop(("findings", 0, "fix"))),
    ("missing finding policy", _drop(("findings", 0, "policy"))),
    ("missing fingerprint", _drop(("findings", 0, "fingerprint"))),
    ("short fingerprint", _set(("findings", 0, "fingerprint"), "abc")),
    ("missing suppressed", _drop(("findings", 0, "suppressed"))),
    ("missing mode", _drop(("mode",))),
    ("missing config", _drop(("config",))),
    ("config from elsewhere", _set(("config", "from"), "network")),
    (
        "approval of unknown source",
        _set(
            ("approvals",),
            [
                {
                    "user": "li",
                    "state": "APPROVED",
                    "commit": None,
                    "source": "email",
                    "counted": True,
                    "why_not": None,
                }
            ],
        ),
    ),
    (
        "requirement without candidates",
        _set(("requirements",), [{k: v for k, v in REQUIREMENT.items() if k != "candidates"}]),
    ),
    (
        "unmet requirement that passes",
        lambda d: d.update(requirements=[REQUIREMENT], findings=[], decision="pass"),
    ),
    ("missing related node", _drop(("findings", 0, "related", 0, "node"))),
    ("missing evidence strength", _drop(("author", "evidence", 0, "strength"))),
    ("missing impact key", _drop(("impact", "unowned_files"))),
    ("other schema", _set(("schema",), "guardrails.check/v2")),
    ("decision not an enum value", _set(("decision",), "fail")),
    ("pass with a blocking finding", _set(("decision",), "pass")),
    ("warn with a blocking finding", _set(("decision",), "warn")),
    (
        "warn with an unmet requirement in CI",
        lambda d: d.update(requirements=[REQUIREMENT], decision="warn"),
    ),
    ("author kind bot", _set(("author", "kind"), "bot")),
    ("evidence kind mixed", _set(("author", "evidence", 0, "kind"), "mixed")),
    ("unknown evidence source", _set(("author", "evidence", 0, "source"), "gut-feeling")),
    ("short commit", _set(("author", "evidence", 0, "commit"), "abc1234")),
    ("author evidence without commit", _set(("author", "evidence", 0, "commit"), None)),
    ("human evidence naming an agent", _set(("author", "evidence", 0, "agent"), "Claude Code")),
    ("strength 9", _set(("author", "evidence", 0, "strength"), 9)),
    ("severity error", _set(("findings", 0, "severity"), "error")),
    ("line 0", _set(("findings", 0, "line"), 0)),
    ("line as string", _set(("findings", 0, "line"), "11")),
    ("absolute path", _set(("findings", 0, "path"), "/tmp/x.py")),
    ("rule without a namespace", _set(("findings", 0, "rule"), "shell")),
    ("empty message", _set(("findings", 0, "message"), "")),
    ("related as strings", _set(("findings", 0, "related"), ["services/growth_app/app.py:7"])),
    ("untyped related node", _set(("findings", 0, "related", 0, "node"), "growth-app")),
    ("impact of another schema", _set(("impact", "schema"), "guardrails.why/v1")),
    ("impact short sha", _set(("impact", "head"), "abc123")),
    ("requirement of another kind", _set(("requirements",), [{**REQUIREMENT, "kind": "review"}])),
    (
        "requirement from a service",
        _set(("requirements",), [{**REQUIREMENT, "from": ["service:ranker"]}]),
    ),
    (
        "requirement without count",
        _set(("requirements",), [{k: v for k, v in REQUIREMENT.items() if k != "count"}]),
    ),
    ("extra top-level key", _set(("counts",), {"block": 1})),
    ("extra author key", _set(("author", "people"), [])),
    ("extra evidence key", _set(("author", "evidence", 0, "email"), "li@acme.dev")),
    ("extra finding key", _set(("findings", 0, "column"), 4)),
    ("extra related key", _set(("findings", 0, "related", 0, "service"), "growth-app")),
    ("extra impact key", _set(("impact", "depth"), 1)),
    ("extra requirement key", _set(("requirements",), [{**REQUIREMENT, "teams": []}])),
]


@pytest.fixture
def blocked(acme: GitRepo) -> Doc:
    blocking_change(acme)
    return check(acme, code=1)


def test_schema_rejects(blocked: Doc) -> None:
    assert blocked["findings"][0]["related"] and blocked["author"]["evidence"][0]["kind"] == "human"
    # a well-formed requirement is accepted: the rejections below are about what they change
    VALIDATOR.validate({**blocked, "requirements": [REQUIREMENT]})
    accepted = []
    for label, mutate in BAD:
        doc = copy.deepcopy(blocked)
        mutate(doc)
        if VALIDATOR.is_valid(doc):
            accepted.append(label)
    assert accepted == []


def test_the_python_checks_reject_unsorted_findings_and_a_wrong_decision(blocked: Doc) -> None:
    doc = copy.deepcopy(blocked)
    doc["findings"].reverse()
    with pytest.raises(AssertionError):
        check_semantics(doc)
    doc = copy.deepcopy(blocked)
    for f in doc["findings"]:
        f["severity"] = "warn"
    for r in doc["requirements"]:
        r["satisfied"] = True
    doc["findings"].sort(key=finding_key)
    with pytest.raises(AssertionError):  # warnings alone warn, unless --strict
        check_semantics(doc)
    check_semantics(doc, strict=True)
