"""Feature flags on real git repos: flag nodes, who reads them, and the flag rules' grading."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result

from guardrails.cli import cli
from tests.gitrepo import GitRepo

CONFIG = """\
version: 1
teams:  # `author` (the tests' committer) is in every team: no cross-team approvals asked
  ranking: {members: [li, author], handles: ["@acme/ranking"]}
  search:  {members: [bo, author], handles: ["@acme/search"]}
  growth:  {members: [mia, author], handles: ["@acme/growth"]}
services:
  ranker: {owner: ranking, tier: 1, paths: ["services/ranker/**"]}
  search: {owner: search, paths: ["services/search/**"]}
  ads:    {owner: search, paths: ["services/ads/**"], depends_on: [ranker]}
  growth: {owner: growth, paths: ["services/growth/**"]}
resources:
  "flag:new-ranker": {owner: ranking, file: config/flags.json}
flags:
  - {path: "config/flags.json", kind: flagd, readers: [acme.flags.is_on]}
  - {path: "config/growth.yaml", kind: yaml}
  - {path: "services/*/flags.py", kind: python-constants, owner: search}
  - {path: "services/growth/flag_defs.py", kind: absl}
"""

FLAGD = """\
{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "new-ranker": {
      "state": "ENABLED",
      "variants": {"on": true, "off": false},
      "defaultVariant": "off",
      "targeting": {"fractional": [["on", 5], ["off", 95]]}
    },
    "dark-mode": {
      "state": "ENABLED",
      "variants": {"on": true, "off": false},
      "defaultVariant": "off"
    },
    "legacy-export": {
      "state": "ENABLED",
      "variants": {"on": true, "off": false},
      "defaultVariant": "on"
    }
  },
  "$evaluators": {
    "staff": {"ends_with": [{"var": "email"}, "@acme.dev"]}
  }
}
"""

RANKER = """\
from openfeature import api

client = api.get_client()


def rank(user):
    if client.get_boolean_value("new-ranker", False):
        return "new"
    return "old"
"""

SEARCH = """\
import ldclient

from acme import flags


def go(ctx, name):
    dark = flags.is_on("dark-mode")
    also = ldclient.get().variation("new-ranker", ctx, False)
    dynamic = flags.is_on(name)  # a key built at run time is not followed
    return dark, also, dynamic
"""


@pytest.fixture
def org(repo: GitRepo) -> GitRepo:
    repo.write(
        {
            "guardrails.yaml": CONFIG,
            "CODEOWNERS": "/config/growth.yaml @acme/growth\n/config/flags.json @acme/ranking\n",
            "config/flags.json": FLAGD,
            "config/growth.yaml": "# growth flags\ncheckout-v2: {default: false, rollout: 5%}\n",
            "services/ranker/__init__.py": "",
            "services/ranker/rank.py": RANKER,
            "services/search/__init__.py": "",
            "services/search/run.py": SEARCH,
            "services/ads/__init__.py": "",
            "services/growth/__init__.py": "",
            "services/growth/app.py": (
                "from UnleashClient import UnleashClient\n\nclient = UnleashClient('u', 'a')\n\n\n"
                "def checkout():\n    return client.is_enabled('checkout-v2')\n"
            ),
            "services/search/flags.py": "SEMANTIC_SEARCH = False\nRESULTS = 10\n",
            "services/ads/bid.py": "from services.search.flags import SEMANTIC_SEARCH\n",
            "services/growth/flag_defs.py": (
                "from absl import flags\n\nflags.DEFINE_bool('fast_checkout', False, 'Fast.')\n"
            ),
            "services/growth/main.py": (
                "from absl import flags\n\nFLAGS = flags.FLAGS\n\n\ndef main():\n"
                "    return FLAGS.fast_checkout\n"
            ),
        }
    )
    repo.commit("init")
    repo.branch("feature")
    return repo


def invoke(repo: GitRepo, *args: str) -> Result:
    return CliRunner().invoke(
        cli, [args[0], "-C", str(repo.root), *args[1:]], catch_exceptions=False
    )


def check(repo: GitRepo, code: int) -> list[dict[str, Any]]:
    result = invoke(repo, "check", "--base", "main", "--format", "json")
    assert result.exit_code == code, result.stdout + result.stderr
    return json.loads(result.stdout)["findings"]  # type: ignore[no-any-return]


def edit(repo: GitRepo, path: str, old: str, new: str, count: int = 1) -> None:
    p = repo.root / path
    text = p.read_text()
    assert text.count(old) >= count
    p.write_text(text.replace(old, new, count))


def test_every_flag_is_a_node_owned_per_the_catalog_and_linked_to_its_readers(org: GitRepo) -> None:
    result = invoke(org, "graph", "--format", "json")
    assert result.exit_code == 0, result.stderr
    graph = json.loads(result.stdout)
    flags = {n["id"]: n["owner"] for n in graph["nodes"] if n["id"].startswith("flag:")}
    assert flags == {
        "flag:new-ranker": "team:ranking",  # the declared resource
        "flag:dark-mode": "team:ranking",  # no resource, no entry owner: CODEOWNERS
        "flag:legacy-export": "team:ranking",
        "flag:checkout-v2": "team:growth",
        "flag:SEMANTIC_SEARCH": "team:search",  # the flags: entry's owner
        "flag:RESULTS": "team:search",
        "flag:fast_checkout": None,  # no resource, no entry owner, no CODEOWNERS line
    }
    reads = sorted(
        (link["source"], link["target"], ev["path"], ev["line"], ev["text"])
        for link in graph["links"]
        for ev in link.get("evidence", ())
        if ev["kind"] == "reads_flag"
    )
    assert reads == [
        (
            "service:ads",
            "flag:SEMANTIC_SEARCH",
            "services/ads/bid.py",
            1,
            "from services.search.flags import SEMANTIC_SEARCH",
        ),
        (
            "service:growth",
            "flag:checkout-v2",
            "services/growth/app.py",
            7,
            "return client.is_enabled('checkout-v2')",
        ),
        (
            "service:growth",
            "flag:fast_checkout",
            "services/growth/main.py",
            7,
            "return FLAGS.fast_checkout",
        ),
        (
            "service:ranker",
            "flag:new-ranker",
            "services/ranker/rank.py",
            7,
            'if client.get_boolean_value("new-ranker", False):',
        ),
        (
            "service:search",
            "flag:dark-mode",
            "services/search/run.py",
            7,
            'dark = flags.is_on("dark-mode")',
        ),
        (
            "service:search",
            "flag:new-ranker",
            "services/search/run.py",
            8,
            'also = ldclient.get().variation("new-ranker", ctx, False)',
        ),
    ]


def test_affected_on_a_flagd_change_lists_the_readers_and_why_shows_the_line(org: GitRepo) -> None:
    edit(org, "config/flags.json", '["on", 5], ["off", 95]', '["on", 20], ["off", 80]')
    org.commit("more of the new ranker")
    result = invoke(org, "affected", "--base", "main", "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert [n["id"] for n in out["changed"]] == ["flag:new-ranker"]
    assert [(n["id"], n["distance"]) for n in out["affected"]] == [
        ("service:ranker", 1),
        ("service:search", 1),
        ("service:ads", 2),
    ]
    why = invoke(org, "affected", "--base", "main", "--why", "service:search")
    assert why.exit_code == 0, why.stderr
    assert "reads_flag at services/search/run.py:8" in why.stdout
    assert 'ldclient.get().variation("new-ranker", ctx, False)' in why.stdout


def test_affected_on_a_flag_file_path_lists_every_flag_it_defines(org: GitRepo) -> None:
    result = invoke(org, "affected", "config/flags.json", "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert [n["id"] for n in out["changed"]] == [
        "flag:dark-mode",
        "flag:legacy-export",
        "flag:new-ranker",
    ]
    assert [n["id"] for n in out["affected"]] == ["service:ranker", "service:search", "service:ads"]


def test_a_flip_on_a_flag_nobody_reads_warns_at_most(org: GitRepo) -> None:
    edit(org, "config/flags.json", '"defaultVariant": "on"', '"defaultVariant": "off"')
    org.commit("retire legacy export")
    (f,) = check(org, 0)
    assert (f["rule"], f["severity"], f["path"], f["line"]) == (
        "flags.default-flip",
        "warn",
        "config/flags.json",
        18,
    )
    assert f["message"] == (
        "flag legacy-export: default true -> false for every user at once, with no percentage "
        "step (no code reads it)"
    )


def test_a_flip_on_a_flag_a_tier_1_service_reads_blocks(org: GitRepo) -> None:
    edit(
        org,
        "services/ranker/rank.py",
        '"new-ranker", False)',
        '"new-ranker", False) or client.get_boolean_value("dark-mode", False)',
    )
    org.commit("ranker reads dark-mode too")
    org.git("checkout", "-q", "main")
    org.git("merge", "-q", "--ff-only", "feature")
    org.git("checkout", "-q", "-b", "flip")
    edit(
        org,
        "config/flags.json",
        '"defaultVariant": "off"\n    },\n    "legacy',
        '"defaultVariant": "on"\n    },\n    "legacy',
    )
    org.commit("dark mode for everyone")
    (f,) = check(org, 1)
    assert (f["rule"], f["severity"], f["line"]) == ("flags.default-flip", "block", 13)
    assert f["related"] == [
        {"path": "services/ranker/rank.py", "line": 7, "node": "service:ranker"},
        {"path": "services/search/run.py", "line": 7, "node": "service:search"},
    ]
    assert (
        "read by service:ranker, service:search (services/ranker/rank.py:7 and 1 more); it reaches tier 1"
        in f["message"]
    )
    assert f["fix"].startswith("add a fractional step: 5 % of users first")


def test_a_new_disabled_flag_is_not_a_finding(org: GitRepo) -> None:
    edit(
        org,
        "config/flags.json",
        '  "flags": {\n',
        '  "flags": {\n    "quota-v2": {\n      "state": "DISABLED",\n'
        '      "variants": {"on": true, "off": false},\n      "defaultVariant": "on"\n    },\n',
    )
    org.commit("quota v2 behind a flag")
    assert check(org, 0) == []


def test_a_key_deleted_from_one_file_and_defined_in_another_is_reused(org: GitRepo) -> None:
    edit(
        org,
        "config/flags.json",
        '    "dark-mode": {\n      "state": "ENABLED",\n      "variants": {"on": true, "off": false},\n'
        '      "defaultVariant": "off"\n    },\n',
        "",
    )
    edit(
        org,
        "config/growth.yaml",
        "checkout-v2:",
        'dark-mode: {default: "high-contrast", rollout: 5%}\ncheckout-v2:',
    )
    org.commit("dark-mode now means high contrast")
    found = check(org, 0)
    assert [(f["rule"], f["severity"], f["path"], f["line"]) for f in found] == [
        ("flags.reused-key", "warn", "config/growth.yaml", 2),
    ]
    assert found[0]["message"].startswith(
        "flag key dark-mode reused: it was deleted from config/flags.json and defined again here"
    )


def test_a_rollout_jump_in_the_yaml_form_and_a_python_constant_flip(org: GitRepo) -> None:
    edit(org, "config/growth.yaml", "rollout: 5%", "rollout: 60%")
    edit(org, "services/search/flags.py", "False", "True")
    org.commit("ship both")
    found = check(org, 0)
    assert [(f["rule"], f["severity"], f["path"], f["line"]) for f in found] == [
        ("flags.rollout-jump", "warn", "config/growth.yaml", 2),
        ("flags.default-flip", "warn", "services/search/flags.py", 1),
    ]


def test_deleting_a_flag_that_code_still_reads_reaches_the_readers(org: GitRepo) -> None:
    edit(
        org,
        "config/flags.json",
        '    "dark-mode": {\n      "state": "ENABLED",\n      "variants": {"on": true, "off": false},\n'
        '      "defaultVariant": "off"\n    },\n',
        "",
    )
    org.commit("dark mode is done")
    out = json.loads(invoke(org, "affected", "--base", "main", "--format", "json").stdout)
    assert out["changed"] == [
        {"id": "flag:dark-mode", "owner": "team:ranking", "tier": 2, "files": ["config/flags.json"]}
    ]
    assert [(n["id"], n["path"]) for n in out["affected"]] == [
        ("service:search", ["service:search", "flag:dark-mode"]),
        ("service:ads", ["service:ads", "service:search", "flag:dark-mode"]),  # imports search
    ]


def test_a_shared_evaluator_change_touches_only_the_flags_that_use_it(org: GitRepo) -> None:
    edit(
        org,
        "config/flags.json",
        '"defaultVariant": "off",\n      "targeting"',
        '"defaultVariant": "off",\n      "targeting": {"if": [{"$ref": "staff"}, "on", "off"]},\n      "old"',
    )
    org.commit("new-ranker for staff")
    org.git("checkout", "-q", "main")
    org.git("merge", "-q", "--ff-only", "feature")
    org.git("checkout", "-q", "-b", "evaluator")
    edit(org, "config/flags.json", '"@acme.dev"', '"@corp.acme.dev"')
    org.commit("staff moved")
    out = json.loads(invoke(org, "affected", "--base", "main", "--format", "json").stdout)
    assert [n["id"] for n in out["changed"]] == ["flag:new-ranker"]


def test_the_demo_orgs_flag_flip_blocks_through_its_declared_consumer(repo: GitRepo) -> None:
    import shutil
    from pathlib import Path

    acme = Path(__file__).resolve().parent.parent / "graph" / "examples" / "acme"
    shutil.copytree(acme, repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    repo.branch("feature")
    edit(
        repo,
        "config/flags.json",
        '"defaultVariant": "off",\n      "targeting": {"fractional": [["on", 5], ["off", 95]]}',
        '"defaultVariant": "on"',
    )
    repo.commit("new ranker for everyone", author=("li", "li@acme.dev"))
    (f,) = check(repo, 1)
    assert (f["rule"], f["severity"], f["path"], f["line"]) == (
        "flags.default-flip",
        "block",
        "config/flags.json",
        7,
    )
    assert f["message"] == (
        "flag new-ranker: default false -> true for every user at once, with no percentage step "
        "(no code reads it; its declared consumers reach tier 1)"
    )
