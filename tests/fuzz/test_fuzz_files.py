"""Rollout files (guardrails, Argo Rollout, Flagger, Deployment) and flag files (flagd JSON,
Python constants, absl, YAML) as base/head pairs through their readers and every rule: the
rules give located findings (``parse.error`` for a side that cannot be read), never an
exception."""

from __future__ import annotations

import json

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails.catalog.load import build_catalog
from guardrails.changes import ADDED, DELETED, MODIFIED, ChangeSet, FileChange, LineRange
from guardrails.rules.base import RuleContext
from guardrails.rules.run import run_rules
from tests.fuzz.conftest import tried
from tests.fuzz.support import Tree

CONFIG = """\
version: 1
teams: {core: {members: [ana]}, ranking: {members: [li]}}
services:
  ranker: {owner: ranking, tier: 0, paths: ["services/ranker/**", "deploy/ranker/**"]}
rollouts:
  - {path: "deploy/**/rollout.yaml", kind: guardrails}
  - {path: "deploy/*/argo.yaml", kind: argo-rollout}
  - {path: "deploy/*/canary.yaml", kind: flagger}
  - {path: "deploy/*/deployment.yaml", kind: kubernetes}
flags:
  - {path: "config/flags.json", kind: flagd, owner: ranking}
  - {path: "config/flags.yaml", kind: yaml, owner: ranking}
  - {path: "services/ranker/flags.py", kind: python-constants}
  - {path: "services/ranker/absl_flags.py", kind: absl}
limits: {tier: {0: {first_weight: 5, max_step: 10}}}
"""
CATALOG, _ = build_catalog(Tree({"guardrails.yaml": CONFIG.encode()}))
assert CATALOG.rollouts and CATALOG.flags

ROLLOUT_FILES = {
    "deploy/ranker/rollout.yaml": """\
service: ranker
stages: [canary, eu, us, global]
versions: {canary: "1.4", eu: "1.3", us: "1.3", global: "1.3"}
canary_percent: 5
""",
    "deploy/ranker/argo.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ranker, namespace: prod}
spec:
  strategy:
    canary:
      analysis: {templates: [{templateName: success-rate}]}
      steps:
        - setWeight: 5
        - pause: {duration: 10m}
        - setWeight: "20%"
        - analysis: {templates: [{templateName: x}]}
        - setWeight: 100
---
apiVersion: v1
kind: Service
metadata: {name: ranker}
""",
    "deploy/ranker/canary.yaml": """\
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: ranker}
spec:
  skipAnalysis: false
  analysis: {interval: 1m, threshold: 5, maxWeight: 50, stepWeight: 10,
             stepWeights: [1, 5, 10], iterations: 3, metrics: [{name: rate}]}
""",
    "deploy/ranker/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: ranker}
spec:
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: "25%", maxSurge: 1}}
""",
}
FLAG_FILES = {
    "config/flags.json": json.dumps(
        {
            "$schema": "https://flagd.dev/schema/v0/flags.json",
            "flags": {
                "new-ranker": {
                    "state": "ENABLED",
                    "variants": {"on": True, "off": False},
                    "defaultVariant": "off",
                    "targeting": {
                        "if": [{"$ref": "staff"}, "on", {"fractional": [["on", 5], ["off", 95]]}]
                    },
                },
                "old": {"state": "DISABLED", "variants": {"a": 1}, "defaultVariant": "a"},
            },
            "$evaluators": {"staff": {"ends_with": [{"var": "email"}, "@acme.dev"]}},
        },
        indent=1,
    ),
    "config/flags.yaml": "flags:\n  checkout-v2: {default: false, rollout: 5%, owner: ranking}\n"
    "  theme:\n    default: dark\n",
    "services/ranker/flags.py": "NEW_PATH = False\nRANKER_ROLLOUT: int = 5\nNAME = 'x'\n",
    "services/ranker/absl_flags.py": "from absl import flags\n"
    'flags.DEFINE_bool("fast", False, "help")\nflags.DEFINE_integer("pct", 5, "h")\n',
}
FILES = {**ROLLOUT_FILES, **FLAG_FILES}

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True)
    | st.text(st.characters(codec="utf-8"), max_size=10)
    | st.sampled_from(
        ["5%", "100%", "-1%", "1e309%", "%", "nan", "inf", "ENABLED", "DISABLED", "on", "off"]
        + ["Rollout", "Canary", "Deployment", "ranker", "$ref", "fractional", "1.4", "0x10"]
    )
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_scalars, inner, max_size=4),
    max_leaves=20,
)
_keys = st.sampled_from(
    ["kind", "metadata", "spec", "strategy", "canary", "steps", "setWeight", "pause", "analysis"]
    + ["blueGreen", "stepWeight", "stepWeights", "maxWeight", "rollingUpdate", "maxUnavailable"]
    + ["service", "stages", "versions", "canary_percent", "flags", "state", "variants"]
    + ["defaultVariant", "targeting", "$evaluators", "default", "rollout", "owner"]
)
_trees = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=30,
)


@st.composite
def _mutated(draw: st.DrawFn, text: str) -> str:
    out = text
    for _ in range(draw(st.integers(1, 3))):
        a = draw(st.integers(0, len(out)))
        b = draw(st.integers(a, min(len(out), a + 30)))
        filler = draw(
            st.sampled_from(
                ["", "\r", "\0", "\ufeff", "---\n", "\t", "&a", "*a", "!!python/object:os.system"]
                + ["99", "-5", "1e999", '"', "{", "}", "[", "]", ":", "\n  - setWeight: 100\n"]
                + ["(", "def f(:", "flags.DEFINE_bool(", "x" * 300, "\\"]
            )
            | st.text(max_size=6)
        )
        out = out[:a] + filler + out[b:]
    return out


def _deep(n: int, fmt: str) -> str:
    if fmt == "py":
        return "X = " + "[" * n + "]" * n + "\n"
    return "a: " + "[" * n + "]" * n + "\n"


@st.composite
def _side(draw: st.DrawFn, path: str) -> bytes | None:
    base = FILES[path]
    text = draw(
        st.just(base)
        | _mutated(base)
        | _trees.map(lambda t: json.dumps(t) if path.endswith(".json") else yaml.safe_dump(t))
        | st.integers(1, 3000).map(lambda n: _deep(n, "py" if path.endswith(".py") else "y"))
        | st.integers(1, 300).map(lambda n: "x: &a [*a]\n" + "y: [" + "*a," * n + "]\n")
        | st.text(max_size=80)
    )
    raw = text.encode("utf-8", "surrogatepass")
    return draw(st.sampled_from([raw, raw, raw, b"\x89PNG\0\0" + raw]))


@st.composite
def _change(draw: st.DrawFn, paths: tuple[str, ...]) -> FileChange:
    path = draw(st.sampled_from(paths))
    status = draw(st.sampled_from([MODIFIED, MODIFIED, ADDED, DELETED]))
    old = None if status == ADDED else draw(_side(path))
    new = None if status == DELETED else draw(_side(path))
    lines = 1 if new is None else max(1, new.count(b"\n") + 1)
    return FileChange(
        status,
        None if status == ADDED else path,
        None if status == DELETED else path,
        added_lines=() if new is None else (LineRange(1, lines),),
        old_data=old,
        new_data=new,
    )


def _judge(change: FileChange) -> None:
    ctx = RuleContext(
        ChangeSet("range", "0" * 40, "1" * 40, (change,)),
        catalog=CATALOG,
        service_of=lambda p: "ranker" if p.startswith(("deploy/ranker/", "services/")) else None,
        tier_reached=lambda node: 0,
    )
    path = change.new_path or change.old_path
    for f in run_rules(ctx):
        assert f.path == path and f.severity in ("block", "warn", "info"), f
        assert f.line is None or f.line >= 1, f
        assert f.message and "\n" not in f.message, f


@settings(max_examples=900)
@given(_change(tuple(ROLLOUT_FILES)))
def test_rollout_file_pairs_give_findings_never_an_exception(change: FileChange) -> None:
    tried("rollout file pair")
    _judge(change)


@settings(max_examples=900)
@given(_change(tuple(FLAG_FILES)))
def test_flag_file_pairs_give_findings_never_an_exception(change: FileChange) -> None:
    tried("flag file pair")
    _judge(change)
