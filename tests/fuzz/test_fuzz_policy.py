"""Policy packs and their CEL, and ``--approvals`` files (GitHub reviews, GitLab approvals,
the simple list): a pack loads or is a ConfigError of located problems; an expression
compiles or is a CelError, and evaluates to a bool or a located GuardrailsError; an
approvals file is a list of reviews or one located line. Never another exception."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails.errors import ConfigError, GuardrailsError
from guardrails.policy.approvals import Review, parse_approvals
from guardrails.policy.cel import CelError, compile_expression, evaluate, sanitize
from guardrails.policy.load import load_policies
from tests.fuzz.conftest import tried
from tests.fuzz.support import assert_located

DEFAULT = (Path(__file__).resolve().parents[2] / "policies" / "default.yaml").read_text()
PACK = """\
apiVersion: guardrails/v1
kind: PolicyPack
name: team
owner: core
applies_to: {affects: ["team:core"]}
policies:
  - id: team.shell
    rule: [safety.shell, safety.eval]
    severity: block
    when: 'change.author.kind == "agent" && size(findings) > 0'
    forbid_suppression: true
  - id: team.reach
    when: 'impact.counts.teams >= 2 || has(change.author)'
    require:
      approvals: {from: affected-owners, count: 2, humans: true, not_author: true}
    locked: true
"""
PACK_PATH = ".guardrails/policies/team.yaml"

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True)
    | st.text(st.characters(codec="utf-8"), max_size=12)
    | st.sampled_from(
        ["guardrails/v1", "PolicyPack", "block", "warn", "affected-owners", "team:core", "1 +"]
    )
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_scalars, inner, max_size=4),
    max_leaves=20,
)
_pack_keys = st.sampled_from(
    ["apiVersion", "kind", "name", "owner", "applies_to", "policies", "description", "bogus"]
)
_policy_keys = st.sampled_from(
    ["id", "rule", "when", "severity", "require", "locked", "forbid_suppression", "runbook", "x"]
)

_cel_atoms = st.sampled_from(
    [
        "change",
        "impact",
        "findings",
        "approvals",
        "finding",
        "change.author.kind",
        "impact.counts.teams",
        "size(findings)",
        "has(change.x)",
        "nope",
        "1",
        "1.5",
        "-9223372036854775808",
        "99999999999999999999",
        '"a"',
        "b'\\xff'",
        "true",
        "null",
        "[]",
        "{}",
        '"\\u0000"',
        "1/0",
        "findings[9]",
        "findings.all(f, f.severity == 'block')",
        "findings.exists(f, f.rule.matches('a(b'))",
        "'x'.matches('(a*)*b')",
        "int('x')",
        "dyn(1) == '1'",
    ]
)
_cel_ops = st.sampled_from([" && ", " || ", " == ", " != ", " < ", " + ", " in ", " ? 1 : ", ""])


@st.composite
def _cel(draw: st.DrawFn) -> str:
    """Random expressions, broken ones, and huge or deeply nested ones."""
    shape = draw(st.sampled_from(["mix", "parens", "chain", "ternary", "bytes", "text"]))
    n = draw(st.integers(1, 3000))
    if shape == "parens":
        return "(" * n + "true" + ")" * n
    if shape == "chain":
        return " && ".join(["true"] * n)
    if shape == "ternary":
        return "true ? " * min(n, 800) + "true" + " : false" * min(n, 800)
    if shape == "bytes":
        return draw(st.binary(max_size=60)).decode("utf-8", "surrogateescape")
    if shape == "text":
        return draw(st.text(max_size=60))
    parts = draw(st.lists(st.tuples(_cel_atoms, _cel_ops), min_size=1, max_size=8))
    return "".join(a + o for a, o in parts)


@st.composite
def _mutated(draw: st.DrawFn, text: str) -> str:
    a = draw(st.integers(0, len(text)))
    b = draw(st.integers(a, min(len(text), a + 40)))
    filler = draw(
        st.text(st.sampled_from(list("{}[]:,\"'&*!|>-#\t\n\r ab0\\()") + ["\0"]), max_size=12)
    )
    return text[:a] + filler + text[b:]


_packs = (
    _mutated(PACK)
    | _mutated(DEFAULT)
    | st.dictionaries(_pack_keys, _values, max_size=6).map(yaml.safe_dump)
    | st.builds(
        lambda policies: yaml.safe_dump(
            {"apiVersion": "guardrails/v1", "kind": "PolicyPack", "name": "t", "policies": policies}
        ),
        st.lists(st.dictionaries(_policy_keys, _values, max_size=6), max_size=4),
    )
    | st.builds(
        lambda when: PACK.replace(
            "'change.author.kind == \"agent\" && size(findings) > 0'", json.dumps(when)
        ),
        _cel(),
    )
    | st.integers(1, 2000).map(lambda n: "policies: " + "[" * n + "]" * n + "\n")
    | st.binary(max_size=200).map(lambda b: b.decode("latin-1"))
)


@settings(max_examples=1200)
@given(_packs, st.sampled_from([(), (("team.shell", "warn", 3),), (("nope", "x", 1),)]))
def test_policy_packs_load_or_are_located_problems(
    text: str, overrides: tuple[tuple[str, str, int], ...]
) -> None:
    tried("policy pack (YAML + CEL)")
    data = text.encode("utf-8", "surrogatepass")
    try:
        policies = load_policies(
            [PACK_PATH],
            lambda path: data if path == PACK_PATH else None,
            overrides=overrides,
        )
    except ConfigError as exc:
        assert exc.problems, exc
        assert_located(exc.problems, [PACK_PATH, "guardrails.yaml"])
    else:
        assert all(p.id for p in policies.policies)


_DATA = {
    "change": {"author": {"kind": "agent"}, "files": ["a.py"]},
    "impact": {"counts": {"teams": 3, "people": 5}},
    "findings": [{"rule": "safety.shell", "severity": "block"}],
    "approvals": [],
    "finding": {"rule": "safety.shell", "path": "\udcff.py"},
}


@settings(max_examples=1200)
@given(_cel())
def test_cel_compiles_or_is_a_cel_error_and_evaluates_to_a_bool_or_stops(source: str) -> None:
    tried("CEL expression")
    try:
        expr = compile_expression(source)
    except CelError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    try:
        result = evaluate(expr, sanitize(_DATA), where="p.yaml:3: policy x")
    except GuardrailsError as exc:
        assert "\n" not in exc.render(), exc.render()
    else:
        assert isinstance(result, bool)


_users = st.sampled_from(["li", "ana", "dependabot[bot]", "", " ", "Li", "x" * 5000, "\udcff"])
_gh_review = st.fixed_dictionaries(
    {},
    optional={
        "user": st.none()
        | _users
        | st.fixed_dictionaries(
            {}, optional={"login": _users | _scalars, "type": st.sampled_from(["User", "Bot", 1])}
        ),
        "state": st.sampled_from(
            ["APPROVED", "approved", "CHANGES_REQUESTED", "DISMISSED", "COMMENTED", "x", ""]
        )
        | _scalars,
        "commit_id": st.sampled_from(["a" * 40, "", "0"]) | _scalars,
        "commit": st.sampled_from(["a" * 40, ""]) | _scalars,
        "submitted_at": st.sampled_from(["2026-01-01T00:00:00Z", "", "x"]) | _scalars,
    },
)
_gl = st.fixed_dictionaries(
    {},
    optional={
        "approved_by": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "user": st.fixed_dictionaries(
                        {}, optional={"username": _users | _scalars, "bot": _scalars}
                    )
                    | _scalars,
                    "approved_at": _scalars,
                },
            )
            | _scalars,
            max_size=4,
        )
        | _scalars,
        "sha": _scalars,
    },
)
_approvals_docs = (
    st.lists(_gh_review | _values, max_size=5)
    | _gl
    | _values
    | st.lists(st.lists(_gh_review, max_size=3), min_size=2, max_size=3)  # concatenated pages
)


def _encode(doc: object, how: str) -> bytes:
    text = json.dumps(doc, ensure_ascii=how == "ascii")
    if how == "pages" and isinstance(doc, list):
        text = "\n".join(json.dumps(d) for d in doc)
    return text.encode("utf-8", "surrogatepass")


@settings(max_examples=1500)
@given(
    _approvals_docs.map(lambda d: _encode(d, "ascii"))
    | st.tuples(_approvals_docs, st.sampled_from(["ascii", "utf8", "pages"])).map(
        lambda t: _encode(*t)
    )
    | _approvals_docs.flatmap(
        lambda d: st.integers(0, len(_encode(d, "ascii"))).map(
            lambda n: _encode(d, "ascii")[:n]  # a truncated download
        )
    )
    | st.binary(max_size=80)
)
def test_approvals_json_is_a_list_of_reviews_or_one_located_line(data: bytes) -> None:
    tried("approvals JSON (GH/GL/list)")
    try:
        reviews = parse_approvals(data, "reviews.json")
    except GuardrailsError as exc:
        line = exc.render()
        assert "\n" not in line and line.startswith("reviews.json"), line
        assert "--approvals" in line, line
    else:
        assert all(isinstance(r, Review) and r.user for r in reviews), reviews
