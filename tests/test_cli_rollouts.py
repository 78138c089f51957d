"""Rollout files through `guardrails check` on real git repos: stages, steps, limits, parse errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from guardrails.cli import cli
from tests.gitrepo import GitRepo

CONFIG = """\
version: 1
teams:                           # `author` (the tests' committer) is in both: no cross-team asks
  data-infra: {members: [emma, author]}
  ranking:    {members: [li, author]}
services:
  event-bus: {owner: data-infra, tier: 0, paths: ["services/event_bus/**"]}
  ranker:    {owner: ranking,    tier: 1, paths: ["services/ranker/**"]}
rollouts:
  - {path: "deploy/**/rollout.yaml", kind: guardrails}
  - {path: "deploy/*/argo.yaml", kind: argo-rollout}
  - {path: "deploy/*/canary.yaml", kind: flagger}
  - {path: "deploy/*/deployment.yaml", kind: kubernetes}
flags:
  - {path: "config/flags.json", kind: flagd, owner: ranking}
"""

STAGED = """\
# deploy/event_bus/rollout.yaml: promotion = editing versions
service: event-bus
stages: [staging, canary, production]     # order matters
versions: {staging: "1.5.0", canary: "1.4.0", production: "1.4.0"}
canary_percent: 5
"""

ARGO = """\
apiVersion: v1
kind: Service
metadata:
  name: ranker
spec:
  selector: {app: ranker}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: ranker
spec:
  replicas: 4
  template:
    spec:
      containers:
      - name: ranker
        image: ghcr.io/acme/ranker:2.0.3   # bumped by CI
  strategy:
    canary:
      steps:
      - setWeight: 10
      - pause: {duration: 15m}
      - analysis:
          templates:
          - templateName: success-rate
      - setWeight: 30
      - pause: {}
"""


@pytest.fixture
def org(repo: GitRepo) -> GitRepo:
    repo.write(
        {
            "guardrails.yaml": CONFIG,
            "services/event_bus/__init__.py": "",
            "services/event_bus/bus.py": "def publish(event):\n    return event\n",
            "services/ranker/__init__.py": "",
            "deploy/event_bus/rollout.yaml": STAGED,
            "deploy/ranker/argo.yaml": ARGO,
            "config/flags.json": '{"flags": {}}\n',
        }
    )
    repo.commit("init")
    repo.branch("feature")
    return repo


def check(repo: GitRepo, code: int) -> list[dict[str, Any]]:
    result = CliRunner().invoke(
        cli,
        ["check", "-C", str(repo.root), "--base", "main", "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == code, result.stdout + result.stderr
    return json.loads(result.stdout)["findings"]  # type: ignore[no-any-return]


def brief(findings: list[dict[str, Any]]) -> list[tuple[str, str, str, int | None]]:
    return [(f["rule"], f["severity"], f["path"], f["line"]) for f in findings]


def edit(repo: GitRepo, path: str, old: str, new: str) -> None:
    p = repo.root / path
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new))


def test_a_one_stage_promotion_passes(org: GitRepo) -> None:
    edit(org, "deploy/event_bus/rollout.yaml", 'canary: "1.4.0"', 'canary: "1.5.0"')
    org.commit("promote event-bus 1.5.0 to canary")
    assert check(org, 0) == []


def test_production_skipping_canary_blocks_with_an_actionable_fix(org: GitRepo) -> None:
    edit(org, "deploy/event_bus/rollout.yaml", 'production: "1.4.0"', 'production: "1.5.0"')
    org.commit("ship 1.5.0")
    (f,) = check(org, 1)
    assert brief([f]) == [("rollout.stage-skip", "block", "deploy/event_bus/rollout.yaml", 4)]
    assert f["message"] == (
        "production set to 1.5.0, which canary did not run in the base revision (canary runs 1.4.0)"
    )
    assert f["fix"] == "promote to canary first: set canary to 1.5.0, which staging already runs"
    assert (f["policy"], f["runbook"]) == (
        "default.rollout-stage-skip",
        "docs/runbooks/rollout-stage-skip.md",
    )
    assert f["rationale"].startswith("CrowdStrike, 2024-07-19: Channel File 291")
    assert f["related"] == [
        {"path": "deploy/event_bus/rollout.yaml", "line": 2, "node": "service:event-bus"}
    ]


def test_a_stage_skip_can_be_suppressed_in_yaml_with_a_reason(org: GitRepo) -> None:
    edit(
        org,
        "deploy/event_bus/rollout.yaml",
        'production: "1.4.0"}',
        'production: "1.5.0"}  # guardrails: ignore[rollout.stage-skip] -- INC-7 hotfix',
    )
    org.commit("hotfix straight to production")
    # Suppressed findings may stay in the list, marked (check/v1): none may be left active.
    assert [f for f in check(org, 0) if not f.get("suppressed")] == []


@pytest.mark.parametrize(("percent", "code"), [(25, 0), (100, 1)])
def test_canary_percent_steps(org: GitRepo, percent: int, code: int) -> None:
    # event-bus is tier 0, but no `limits:` are configured: the defaults (25 points) apply.
    edit(org, "deploy/event_bus/rollout.yaml", "canary_percent: 5", f"canary_percent: {percent}")
    org.commit("more canary")
    found = check(org, code)
    if code == 0:
        assert found == []
    else:
        assert brief(found) == [
            ("rollout.step-too-large", "block", "deploy/event_bus/rollout.yaml", 5)
        ]
        assert (
            found[0]["fix"]
            == "raise it by at most 25 points: `canary_percent: 30`, then more in a later change"
        )


def test_tier_limits_from_the_config_apply(org: GitRepo) -> None:
    edit(
        org,
        "guardrails.yaml",
        "flags:\n",
        "limits:\n  tier: {0: {first_weight: 5, max_step: 10}}\nflags:\n",
    )
    org.commit("tier-0 limits")
    org.git("checkout", "-q", "main")
    org.git("merge", "-q", "--ff-only", "feature")
    org.git("checkout", "-q", "-b", "more")
    edit(org, "deploy/event_bus/rollout.yaml", "canary_percent: 5", "canary_percent: 25")
    org.commit("more canary")
    found = check(org, 1)
    assert brief(found) == [("rollout.step-too-large", "block", "deploy/event_bus/rollout.yaml", 5)]
    assert "above the limit of 10" in found[0]["message"]


def test_an_image_tag_bump_in_an_argo_rollout_is_not_a_rollout_finding(org: GitRepo) -> None:
    edit(org, "deploy/ranker/argo.yaml", "ranker:2.0.3", "ranker:2.1.0")
    org.commit("bump ranker")
    assert check(org, 0) == []
    # The Rollout (second document, next to its Service) names the service it rolls out.
    result = CliRunner().invoke(
        cli, ["affected", "-C", str(org.root), "--base", "main", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    changed = json.loads(result.stdout)["changed"]
    assert [(n["id"], n["files"]) for n in changed] == [
        ("service:ranker", ["deploy/ranker/argo.yaml"])
    ]


def test_argo_steps_removed_and_a_jump_on_the_right_lines(org: GitRepo) -> None:
    edit(
        org,
        "deploy/ranker/argo.yaml",
        "      - setWeight: 10\n      - pause: {duration: 15m}\n",
        "      - setWeight: 10\n      - setWeight: 100\n",
    )
    org.commit("faster")
    found = check(org, 1)
    assert brief(found) == [
        ("rollout.stage-skip", "block", "deploy/ranker/argo.yaml", 21),
        ("rollout.step-too-large", "block", "deploy/ranker/argo.yaml", 23),
        ("rollout.step-too-large", "block", "deploy/ranker/argo.yaml", 23),
    ]
    assert [f["message"] for f in found] == [
        "1 `pause` step(s) removed before the final weight of Rollout ranker: traffic moves on "
        "without that gate",
        "setWeight 10 % -> 100 % adds 90 points in one step, above the limit of 25",
        "setWeight: 100 before the last step: every user gets the canary while steps are still "
        "to run",
    ]


def test_a_new_rollout_file_is_judged_on_its_own_lines(org: GitRepo) -> None:
    org.write(
        {
            "deploy/ranker/canary.yaml": (
                "# Flagger canary for ranker\napiVersion: flagger.app/v1beta1\nkind: Canary\n"
                "metadata:\n  name: ranker\nspec:\n  skipAnalysis: true\n  analysis:\n"
                "    interval: 1m\n    stepWeights: [5, 50]\n"
            )
        }
    )
    org.commit("flagger for ranker")
    found = check(org, 1)
    assert brief(found) == [
        ("rollout.stage-skip", "block", "deploy/ranker/canary.yaml", 7),
        ("rollout.step-too-large", "block", "deploy/ranker/canary.yaml", 10),
    ]


def test_max_unavailable_on_a_tier_1_deployment(org: GitRepo) -> None:
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ranker\nspec:\n  replicas: 6\n"
        "  strategy:\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 1\n"
    )
    org.write({"deploy/ranker/deployment.yaml": deployment})
    org.commit("deployment")
    org.git("checkout", "-q", "main")
    org.git("merge", "-q", "--ff-only", "feature")
    org.git("checkout", "-q", "-b", "wider")
    edit(org, "deploy/ranker/deployment.yaml", "maxUnavailable: 1", "maxUnavailable: 3")
    org.commit("faster deploys")
    found = check(org, 1)
    assert brief(found) == [
        ("rollout.step-too-large", "block", "deploy/ranker/deployment.yaml", 10)
    ]
    assert "50 % of its pods may be down at once" in found[0]["message"]


def test_malformed_yaml_and_json_are_parse_errors_and_other_rules_still_report(
    org: GitRepo,
) -> None:
    edit(
        org,
        "deploy/event_bus/rollout.yaml",
        "stages: [staging, canary, production]",
        "stages: [staging",
    )
    org.write({"config/flags.json": '{\n  "flags": {\n    "x": {"state": "ENABLED",}\n  }\n}\n'})
    edit(org, "services/event_bus/bus.py", "return event\n", "import os\n    os.system(event)\n")
    org.commit("three things")
    found = check(org, 1)
    assert brief(found) == [
        ("safety.os-system", "block", "services/event_bus/bus.py", 3),
        ("parse.error", "warn", "config/flags.json", 3),
        ("parse.error", "warn", "deploy/event_bus/rollout.yaml", 4),
    ]
    assert found[1]["message"] == (
        "cannot be read as a flagd flag file (syntax at line 3): JSON syntax error: expected a "
        "property name in double quotes; the flag rules did not run on it"
    )
