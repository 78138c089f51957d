"""graph/guardrails.schema.json and the loader agree on what a valid guardrails.yaml is.

The schema is for editors; the loader is what runs. Every structural case below must be
accepted by both or rejected by both. Checks the schema cannot express are listed in
SEMANTIC_ONLY and must be rejected by the loader while the schema accepts them.
"""

# Expected messages are kept whole, as users read them.
# ruff: noqa: E501

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from guardrails.catalog.config import parse_config

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "graph" / "guardrails.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

GOOD = {
    "minimal": "version: 1\n",
    "overrides-and-protect": "version: 1\noverrides: {'builtin:default/safety.no-timeout': warn}\nprotect: ['.github/workflows/gate.yml', 'ops/**']\n",
    "design-example": (
        Path(__file__).resolve().parents[1] / "graph/examples/acme/guardrails.yaml"
    ).read_text(),
    "empty-sections": "version: 1\nteams: {}\nservices: {}\nresources: {}\nrollouts: []\nflags: []\npolicies: []\n",
    "team-prefix-owner": "version: 1\nservices:\n  a: {owner: 'team:x'}\n",
    "typed-depends-on": "version: 1\nservices:\n  a: {depends_on: [b, 'service:c', 'api:search']}\n",
    "member-email": "version: 1\nteams:\n  t: {members: ['a <a@b.c>', b], handles: ['@o/t', '@user', 'x@y.z']}\n",
    "resource-all-fields": (
        "version: 1\nresources:\n  'table:orders': {owner: t, tier: 0, schema: 'a/b.py::Orders.Row', file: a/b.py}\n"
    ),
    "all-kinds": (
        "version: 1\nrollouts:\n  - {path: a, kind: guardrails}\n  - {path: b, kind: argo-rollout}\n"
        "  - {path: c, kind: flagger}\nflags:\n  - {path: d, kind: flagd}\n"
        "  - {path: e, kind: python-constants}\n  - {path: f, kind: absl}\n"
    ),
    "new-kinds": (
        "version: 1\nteams:\n  r: {}\nrollouts:\n  - {path: k, kind: kubernetes}\nflags:\n"
        "  - {path: y, kind: yaml, owner: r, readers: [is_on, flags.enabled]}\n"
    ),
    "limits": (
        "version: 1\nservices:\n  ranker: {}\nlimits:\n  first_weight: 5\n  max_step: 20.5\n"
        "  tier: {0: {first_weight: 1, max_step: 10, max_factor: 2, max_unavailable: 25}}\n"
        "  services: {ranker: {first_weight: 20}}\n"
    ),
    "inference": "version: 1\ninference: {python_imports: false, roots: [src], type_only: true, weak: false}\n",
    "ownership": "version: 1\nownership: {codeowners: false}\n",
    "agents": "version: 1\nagents: {emails: ['*@bots.dev'], names: ['bot*']}\n",
    "policies": "version: 1\npolicies: [builtin:default, ./policies/a.yaml, b.yml]\n",
}

BAD = {
    "no-version": "teams: {}\n",
    "override-unknown-severity": "version: 1\noverrides: {x.y: fatal}\n",
    "override-not-a-mapping": "version: 1\noverrides: [x]\n",
    "protect-negated": "version: 1\nprotect: ['!a/**']\n",
    "protect-not-a-list": "version: 1\nprotect: a/**\n",
    "version-2": "version: 2\n",
    "version-string": "version: '1'\n",
    "version-bool": "version: true\n",
    "not-mapping": "- version: 1\n",
    "empty": "",
    "unknown-top": "version: 1\nservics: {}\n",
    "unknown-team-key": "version: 1\nteams:\n  t: {people: [a]}\n",
    "team-null": "version: 1\nteams:\n  t:\n",
    "bad-team-name": "version: 1\nteams:\n  'the team': {}\n",
    "bad-member": "version: 1\nteams:\n  t: {members: ['a <b>']}\n",
    "bad-handle": "version: 1\nteams:\n  t: {handles: [team]}\n",
    "members-string": "version: 1\nteams:\n  t: {members: a}\n",
    "unknown-service-key": "version: 1\nservices:\n  a: {onwer: t}\n",
    "bad-service-name": "version: 1\nservices:\n  'a b': {}\n",
    "service-list": "version: 1\nservices: [a]\n",
    "tier-negative": "version: 1\nservices:\n  a: {tier: -1}\n",
    "tier-string": "version: 1\nservices:\n  a: {tier: '0'}\n",
    "tier-bool": "version: 1\nservices:\n  a: {tier: false}\n",
    "owner-bad": "version: 1\nservices:\n  a: {owner: 'group:x'}\n",
    "owner-number": "version: 1\nservices:\n  a: {owner: 3}\n",
    "paths-string": "version: 1\nservices:\n  a: {paths: 'a/**'}\n",
    "paths-negated": "version: 1\nservices:\n  a: {paths: ['!a']}\n",
    "paths-empty-string": "version: 1\nservices:\n  a: {paths: ['']}\n",
    "paths-spaces": "version: 1\nservices:\n  a: {paths: [' a/**']}\n",
    "depends-on-team": "version: 1\nservices:\n  a: {depends_on: ['team:x']}\n",
    "depends-on-garbage": "version: 1\nservices:\n  a: {depends_on: ['x y']}\n",
    "consumes-untyped": "version: 1\nservices:\n  a: {consumes: [events]}\n",
    "consumes-service": "version: 1\nservices:\n  a: {consumes: ['service:b']}\n",
    "produces-team": "version: 1\nservices:\n  a: {produces: ['team:b']}\n",
    "public-string": "version: 1\nservices:\n  a: {public: x}\n",
    "resource-untyped": "version: 1\nresources:\n  orders: {}\n",
    "resource-service": "version: 1\nresources:\n  'service:x': {}\n",
    "resource-uppercase-kind": "version: 1\nresources:\n  'Topic:x': {}\n",
    "resource-unknown-key": "version: 1\nresources:\n  'topic:x': {shema: a.py::A}\n",
    "schema-one-colon": "version: 1\nresources:\n  'topic:x': {schema: 'a.py:A'}\n",
    "schema-no-class": "version: 1\nresources:\n  'topic:x': {schema: 'a.py::'}\n",
    "schema-bad-class": "version: 1\nresources:\n  'topic:x': {schema: 'a.py::9A'}\n",
    "resource-tier-negative": "version: 1\nresources:\n  'topic:x': {tier: -2}\n",
    "rollout-kind": "version: 1\nrollouts:\n  - {path: a, kind: argo}\n",
    "rollout-no-path": "version: 1\nrollouts:\n  - {kind: guardrails}\n",
    "rollout-extra": "version: 1\nrollouts:\n  - {path: a, kind: guardrails, weight: 5}\n",
    "rollouts-mapping": "version: 1\nrollouts: {path: a, kind: guardrails}\n",
    "flag-kind": "version: 1\nflags:\n  - {path: a, kind: unleash}\n",
    "flag-reader-bad": "version: 1\nflags:\n  - {path: a, kind: flagd, readers: ['is on']}\n",
    "flag-readers-string": "version: 1\nflags:\n  - {path: a, kind: flagd, readers: is_on}\n",
    "rollout-owner": "version: 1\nrollouts:\n  - {path: a, kind: guardrails, owner: x}\n",
    "limits-unknown": "version: 1\nlimits: {max_weight: 5}\n",
    "limits-too-big": "version: 1\nlimits: {max_step: 150}\n",
    "limits-string": "version: 1\nlimits: {first_weight: '5%'}\n",
    "limits-factor-small": "version: 1\nlimits: {max_factor: 0.5}\n",
    "limits-tier-name": "version: 1\nlimits: {tier: {prod: {max_step: 5}}}\n",
    "limits-tier-unknown": "version: 1\nlimits: {tier: {0: {step: 5}}}\n",
    "limits-service-list": "version: 1\nlimits: {services: [ranker]}\n",
    "policies-string": "version: 1\npolicies: builtin:default\n",
    "policy-empty": "version: 1\npolicies: ['']\n",
    "codeowners-string": "version: 1\nownership: {codeowners: 'true'}\n",
    "ownership-unknown": "version: 1\nownership: {backstage: true}\n",
    "inference-unknown": "version: 1\ninference: {imports: true}\n",
    "inference-roots-string": "version: 1\ninference: {roots: src}\n",
    "agents-unknown": "version: 1\nagents: {logins: [x]}\n",
    "policy-not-yaml": "version: 1\npolicies: [policies/a.json]\n",
}

# Valid for the schema, invalid for the loader: what only the loader can check.
SEMANTIC_ONLY = {
    "duplicate-yaml-key": "version: 1\nservices:\n  a: {}\n  a: {}\n",
    "unknown-owner": "version: 1\nservices:\n  a: {owner: ghost}\n",
    "unknown-depends-on": "version: 1\nservices:\n  a: {depends_on: [b]}\n",
    "identical-paths": "version: 1\nservices:\n  a: {paths: [x/**]}\n  b: {paths: [x/**]}\n",
    # The schema checks a pack reference's form; the loader checks what it names.
    "policy-unknown-builtin": "version: 1\npolicies: ['builtin:nope']\n",
    "policy-outside": "version: 1\npolicies: [../a.yaml]\n",
    "policy-missing-pack": "version: 1\npolicies: [./nope.yaml]\n",
}


def schema_accepts(text: str) -> bool:
    return VALIDATOR.is_valid(yaml.safe_load(text))


def loader_accepts(text: str, *, semantic: bool = False) -> bool:
    if not semantic:
        _, decl = parse_config(text)
        return not [p for p in decl.problems if p.severity == "error"]
    from guardrails.catalog.load import build_catalog

    snapshot = _TextSnapshot({"guardrails.yaml": text})
    _, found = build_catalog(snapshot)  # type: ignore[arg-type]
    return not [p for p in found if p.severity == "error"]


class _TextSnapshot:
    label = "memory"

    def __init__(self, files: dict[str, str]) -> None:
        self.files = {k: v.encode() for k, v in files.items()}

    def paths(self) -> list[str]:
        return sorted(self.files)

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)

    def read_many(self, paths: list[str]) -> dict[str, bytes]:
        return {p: self.files[p] for p in paths if p in self.files}

    def blob_id(self, path: str) -> None:
        return None


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # Editors show these: every property the loader knows is described.
    props = SCHEMA["properties"]
    assert sorted(props) == sorted(
        [
            "version",
            "teams",
            "agents",
            "services",
            "resources",
            "rollouts",
            "flags",
            "policies",
            "ownership",
            "inference",
            "overrides",
            "protect",
            "limits",
        ]
    )
    assert all("description" in p for p in props.values())
    service = props["services"]["additionalProperties"]["properties"]
    assert all("description" in p for p in service.values())


@pytest.mark.parametrize("case", sorted(GOOD))
def test_good_documents_pass_both(case: str) -> None:
    assert (schema_accepts(GOOD[case]), loader_accepts(GOOD[case])) == (True, True)


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_documents_fail_both(case: str) -> None:
    assert (schema_accepts(BAD[case]), loader_accepts(BAD[case])) == (False, False)


@pytest.mark.parametrize("case", sorted(SEMANTIC_ONLY))
def test_semantic_problems_are_the_loaders_alone(case: str) -> None:
    text = SEMANTIC_ONLY[case]
    assert (schema_accepts(text), loader_accepts(text, semantic=True)) == (True, False)


def test_loader_key_sets_match_the_schema() -> None:
    from guardrails.catalog import config

    props = SCHEMA["properties"]
    assert tuple(props) == config.TOP_KEYS
    assert tuple(props["teams"]["additionalProperties"]["properties"]) == config.TEAM_KEYS
    assert tuple(props["agents"]["properties"]) == config.AGENT_KEYS
    assert tuple(props["services"]["additionalProperties"]["properties"]) == config.SERVICE_KEYS
    assert tuple(props["resources"]["additionalProperties"]["properties"]) == config.RESOURCE_KEYS
    assert tuple(props["ownership"]["properties"]) == config.OWNERSHIP_KEYS
    assert tuple(props["inference"]["properties"]) == config.INFERENCE_KEYS
    assert props["rollouts"]["items"]["properties"]["kind"]["enum"] == list(config.ROLLOUT_KINDS)
    assert props["flags"]["items"]["properties"]["kind"]["enum"] == list(config.FLAG_KINDS)
    assert tuple(props["rollouts"]["items"]["properties"]) == config.FILE_SOURCE_KEYS
    assert tuple(props["flags"]["items"]["properties"]) == config.FLAG_SOURCE_KEYS
    assert tuple(props["limits"]["properties"]) == config.LIMITS_KEYS
    tier = props["limits"]["properties"]["tier"]["additionalProperties"]
    assert tuple(tier["properties"]) == config.LIMIT_KEYS
    assert props["limits"]["properties"]["services"]["additionalProperties"] == tier


# Property: on generated documents (mostly valid, sometimes not) both sides agree.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_scalars = st.sampled_from(
    [0, 1, -1, True, "", "x", "a b", "team:x", "topic:t", "service:s", "!p", "@o/t"]
)
_names = st.sampled_from(["a", "b-c", "x.y_z", "a b", "-a"])
_ids = st.sampled_from(["topic:t", "table:x-1", "t", "service:s", "team:t", "Topic:t", "api:"])
_patterns = st.sampled_from(["a/**", "/b/", "*.py", "!c", "", " d", "e "])
_lists = lambda items: st.one_of(st.lists(items, max_size=3), _scalars)  # noqa: E731

_service = st.fixed_dictionaries(
    {},
    optional={
        "owner": st.one_of(_names, st.just("team:a"), _scalars),
        "tier": st.one_of(st.integers(-2, 3), _scalars),
        "paths": _lists(_patterns),
        "depends_on": _lists(st.one_of(_names, _ids)),
        "consumes": _lists(_ids),
        "produces": _lists(_ids),
        "public": _lists(_scalars),
        "onwer": _scalars,
    },
)
_resource = st.fixed_dictionaries(
    {},
    optional={
        "owner": st.one_of(_names, _scalars),
        "tier": st.one_of(st.integers(-1, 2), _scalars),
        "schema": st.sampled_from(
            ["a.py::A", "a.py:A", "a.py::A.B", "::A", "a b.py::A", "a.py::1"]
        ),
        "file": st.one_of(st.just("f.json"), _scalars),
    },
)
_source = st.fixed_dictionaries(
    {},
    optional={
        "path": st.one_of(st.just("deploy/**"), _scalars),
        "kind": st.sampled_from(["guardrails", "flagd", "absl", "argo", "flagger", ""]),
    },
)
_team = st.fixed_dictionaries(
    {},
    optional={
        "members": _lists(st.sampled_from(["li", "li <li@a.b>", "li <x>", "a b", " sam "])),
        "handles": _lists(st.sampled_from(["@o/t", "@u", "u@e.x", "team", "@o/t/x"])),
    },
)
_document = st.fixed_dictionaries(
    {"version": st.sampled_from([1, 1, 1, 2, "1"])},
    optional={
        "teams": st.one_of(st.dictionaries(_names, _team, max_size=2), _scalars),
        "services": st.one_of(st.dictionaries(_names, _service, max_size=2), _scalars),
        "resources": st.dictionaries(_ids, _resource, max_size=2),
        "rollouts": _lists(_source),
        "flags": _lists(_source),
        # Pack references are checked by the loader alone (see SEMANTIC_ONLY); here only
        # references both sides accept or both reject.
        "policies": _lists(
            st.sampled_from(["builtin:default", "./p.yaml", "p/q.yml", "", 0, True])
        ),
        "ownership": st.fixed_dictionaries({}, optional={"codeowners": _scalars}),
        "overrides": st.one_of(
            st.dictionaries(
                st.sampled_from(["a.b", "builtin:default/x"]),
                st.sampled_from(["block", "warn", "info", "fatal", 1]),
                max_size=2,
            ),
            _scalars,
        ),
        "protect": _lists(_patterns),
        "inference": st.fixed_dictionaries(
            {},
            optional={"python_imports": _scalars, "roots": _lists(_scalars), "weak": st.booleans()},
        ),
    },
)


@settings(max_examples=300, deadline=None)
@given(_document)
def test_schema_and_loader_agree_on_generated_documents(doc: dict[str, object]) -> None:
    text = yaml.safe_dump(doc, sort_keys=False)
    assert schema_accepts(text) == loader_accepts(text), text
