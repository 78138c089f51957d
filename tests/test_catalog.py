"""guardrails.yaml: good configs load exactly; every bad one names file, line and fix."""

# Expected messages are kept whole, as users read them.
# ruff: noqa: E501

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from guardrails.catalog.load import build_catalog, find_problems, load_catalog
from guardrails.catalog.model import (
    AgentIdentities,
    Dependency,
    FileSource,
    Inference,
    Member,
    Origin,
    Resource,
    Service,
    Team,
)
from guardrails.errors import ConfigError
from tests.gitrepo import GitRepo
from tests.test_catalog_support import CommitSnapshot, committed, errors, load, problems

GOOD = """\
version: 1
teams:
  data-infra: {members: [emma, "raj <raj@acme.dev>"], handles: ["@acme/data-infra"]}
  ranking:    {members: [li, sam],   handles: ["@acme/ranking"]}
agents:
  emails: ["*@agents.acme.dev"]
  names: ["acme-bot*"]
services:
  event-bus:
    owner: data-infra
    tier: 0
    paths: ["services/event_bus/**"]
    depends_on: [schema-registry]
    produces: ["topic:user-events"]
  schema-registry:
    owner: team:data-infra
    paths: ["services/schema_registry/**"]
  feature-store:
    owner: ranking
    tier: 1
    paths: ["services/feature_store/**"]
    consumes: ["topic:user-events"]
    public: [services.feature_store.api]
resources:
  "topic:user-events":
    owner: data-infra
    schema: "services/event_bus/schemas.py::UserEvent"
  "flag:new-ranker":
    owner: ranking
    tier: 1
    file: "config/flags.json"
rollouts:
  - {path: "deploy/**/rollout.yaml", kind: guardrails}
flags:
  - {path: "config/flags.json", kind: flagd}
policies: [builtin:default, ./policies/ranking.yaml]
ownership: {codeowners: false}
inference: {python_imports: true, roots: [src/], type_only: true, weak: false}
"""

CODE = {
    "services/event_bus/client.py": "def publish(): ...\n",
    "services/event_bus/schemas.py": "class UserEvent: ...\n",
    "services/schema_registry/registry.py": "X = 1\n",
    "services/feature_store/api.py": "Y = 2\n",
    "config/flags.json": "{}\n",
    "policies/ranking.yaml": "apiVersion: guardrails/v1\nkind: PolicyPack\nname: ranking\n",
}


def test_good_config_loads_every_field(repo: GitRepo) -> None:
    catalog = load(repo, {"guardrails.yaml": GOOD, **CODE})

    at = lambda line: Origin("guardrails.yaml", line)  # noqa: E731
    assert catalog.config_path == "guardrails.yaml"
    assert catalog.version == 1
    assert catalog.teams == {
        "data-infra": Team(
            "data-infra",
            (Member("emma"), Member("raj", "raj@acme.dev")),
            ("@acme/data-infra",),
            at(3),
        ),
        "ranking": Team("ranking", (Member("li"), Member("sam")), ("@acme/ranking",), at(4)),
    }
    assert catalog.agents == AgentIdentities(("*@agents.acme.dev",), ("acme-bot*",))
    assert list(catalog.services) == ["event-bus", "feature-store", "schema-registry"]
    assert catalog.services["event-bus"] == Service(
        name="event-bus",
        owner="data-infra",
        tier=0,
        paths=("services/event_bus/**",),
        dependencies=(
            Dependency("service:schema-registry", "depends_on", at(13)),
            Dependency("topic:user-events", "produces", at(14)),
        ),
        origin=at(9),
    )
    assert catalog.services["schema-registry"].owner == "data-infra"  # `team:` prefix accepted
    assert catalog.services["schema-registry"].tier == 2  # the default
    assert catalog.services["feature-store"].public == ("services.feature_store.api",)
    assert catalog.resources == {
        "flag:new-ranker": Resource(
            "flag:new-ranker", "ranking", 1, None, "config/flags.json", origin=at(28)
        ),
        "topic:user-events": Resource(
            "topic:user-events",
            "data-infra",
            None,
            "services/event_bus/schemas.py::UserEvent",
            origin=at(25),
        ),
    }
    assert catalog.resources["topic:user-events"].schema_class == "UserEvent"
    assert catalog.rollouts == (FileSource("deploy/**/rollout.yaml", "guardrails", at(33)),)
    assert catalog.flags == (FileSource("config/flags.json", "flagd", at(35)),)
    assert catalog.policies == ("builtin:default", "./policies/ranking.yaml")
    assert catalog.codeowners_enabled is False
    assert catalog.codeowners is None
    assert catalog.inference == Inference(True, ("src",), True, False)
    assert catalog.notes == ()


def test_minimal_config_uses_defaults(repo: GitRepo) -> None:
    catalog = load(repo, {"guardrails.yaml": "version: 1\n"})
    assert catalog.config_path == "guardrails.yaml"
    assert (catalog.teams, catalog.services, catalog.resources) == ({}, {}, {})
    assert catalog.policies == ("builtin:default",)
    assert catalog.codeowners_enabled is True
    assert catalog.inference == Inference()


# Each bad document, and the exact problems (rendered) that the loader must report for it.
BAD = {
    "version-wrong": (
        "version: 2\n",
        ["guardrails.yaml:1: unsupported version 2 (fix: set `version: 1`)"],
    ),
    "version-missing": (
        "teams: {}\n",
        ["guardrails.yaml:1: top level: missing required key 'version'"],
    ),
    "version-string": (
        'version: "1"\n',
        ["guardrails.yaml:1: version must be an integer, not a string"],
    ),
    "empty": ("", ["guardrails.yaml:1: the file is empty (fix: start it with `version: 1`)"]),
    "not-a-mapping": ("- 1\n", ["guardrails.yaml:1: top level must be a mapping, not a list"]),
    "syntax": (
        "version: 1\nteams:\n  a: {members: [x}\n",
        [
            "guardrails.yaml:3: YAML syntax error: did not find expected ',' or ']' "
            "(while parsing a flow sequence) (fix: fix the YAML syntax (indentation, quotes, brackets))"
        ],
    ),
    "unknown-top-key": (
        "version: 1\nservics: {}\n",
        ["guardrails.yaml:2: top level: unknown key 'servics' (fix: did you mean 'services'?)"],
    ),
    "unknown-team-key": (
        "version: 1\nteams:\n  a: {memebrs: [x]}\n",
        ["guardrails.yaml:3: teams.a: unknown key 'memebrs' (fix: did you mean 'members'?)"],
    ),
    "unknown-service-key": (
        "version: 1\nservices:\n  a:\n    pathz: [x/**]\n",
        ["guardrails.yaml:4: services.a: unknown key 'pathz' (fix: did you mean 'paths'?)"],
    ),
    "duplicate-key": (
        "version: 1\nservices:\n  a: {paths: [a/**]}\n  b: {paths: [b/**]}\n  a: {paths: [c/**]}\n",
        [
            "guardrails.yaml:5: services: duplicate key 'a' (first at line 3); YAML would silently "
            "keep only the last one (fix: merge the two 'a' entries into one)"
        ],
    ),
    "tier-negative": (
        "version: 1\nservices:\n  a: {tier: -1}\n",
        ["guardrails.yaml:3: services.a.tier must be >= 0, not -1"],
    ),
    "tier-bool": (
        "version: 1\nservices:\n  a: {tier: true}\n",
        ["guardrails.yaml:3: services.a.tier must be an integer, not a boolean"],
    ),
    "paths-not-list": (
        "version: 1\nservices:\n  a: {paths: a/**}\n",
        ["guardrails.yaml:3: services.a.paths must be a list, not a string"],
    ),
    "paths-negated": (
        "version: 1\nservices:\n  a:\n    paths:\n      - a/**\n      - '!a/tests/**'\n",
        [
            "guardrails.yaml:6: services.a.paths: negated pattern '!a/tests/**' is not supported "
            "(fix: list only the paths the service owns)"
        ],
    ),
    "member-malformed": (
        "version: 1\nteams:\n  a:\n    members:\n      - ok\n      - 'bob <not-an-email>'\n",
        [
            "guardrails.yaml:6: teams.a.members: bad member 'bob <not-an-email>' (fix: write `login` or `login <email>`)"
        ],
    ),
    "handle-malformed": (
        "version: 1\nteams:\n  a: {handles: [acme-team]}\n",
        [
            "guardrails.yaml:3: teams.a.handles: bad CODEOWNERS handle 'acme-team' "
            "(fix: write `@org/team`, `@user` or an email address)"
        ],
    ),
    "depends-on-bad": (
        "version: 1\nservices:\n  a:\n    depends_on:\n      - 'not a name'\n",
        [
            "guardrails.yaml:5: services.a.depends_on: 'not a name' is neither a service name nor a "
            "typed id (fix: write a service name (`schema-registry`) or a typed id (`topic:user-events`))"
        ],
    ),
    "consumes-untyped": (
        "version: 1\nservices:\n  a:\n    consumes: [user-events]\n",
        [
            "guardrails.yaml:4: services.a.consumes: resource id 'user-events' has no kind "
            "(fix: write it typed, e.g. `topic:user-events` or `table:user-events`)"
        ],
    ),
    "produces-service": (
        "version: 1\nservices:\n  a: {}\n  b:\n    produces: ['service:a']\n",
        [
            "guardrails.yaml:5: services.b.produces: 'service:a' is not a resource id (fix: list services under `depends_on`)"
        ],
    ),
    "resource-untyped": (
        "version: 1\nresources:\n  features: {}\n",
        [
            "guardrails.yaml:3: resources: resource id 'features' has no kind "
            "(fix: write it typed, e.g. `topic:features` or `table:features`)"
        ],
    ),
    "schema-malformed": (
        "version: 1\nresources:\n  'topic:t':\n    schema: events.py:UserEvent\n",
        [
            "guardrails.yaml:4: resources.topic:t.schema: 'events.py:UserEvent' is not `path::Class` "
            "or `path::Outer.Inner` (fix: write e.g. `services/event_bus/schemas.py::UserEvent`)"
        ],
    ),
    "rollout-kind": (
        "version: 1\nrollouts:\n  - {path: deploy/**, kind: argo-rolout}\n",
        [
            "guardrails.yaml:3: rollouts[0].kind: unknown kind 'argo-rolout' (fix: did you mean 'argo-rollout'?)"
        ],
    ),
    "flag-kind": (
        "version: 1\nflags:\n  - {path: f.json, kind: launchdarkly}\n",
        [
            "guardrails.yaml:3: flags[0].kind: unknown kind 'launchdarkly' (fix: use one of: flagd, python-constants, absl, yaml)"
        ],
    ),
    "flag-owner-unknown": (
        "version: 1\nteams:\n  ranking: {}\nflags:\n  - {path: f.json, kind: flagd, owner: rankin}\n",
        [
            "guardrails.yaml:5: flags[0].owner: 'rankin' is not a declared team (fix: did you mean 'ranking'?)"
        ],
    ),
    "limits-unknown-service": (
        "version: 1\nservices:\n  ranker: {}\nlimits:\n  services: {rankr: {max_step: 10}}\n",
        [
            "guardrails.yaml:5: limits.services: 'rankr' is not a declared service (fix: did you mean 'ranker'?)"
        ],
    ),
    "limits-out-of-range": (
        "version: 1\nlimits: {max_step: 150}\n",
        [
            "guardrails.yaml:2: limits.max_step must be a number from 0 to 100 (fix: write e.g. `max_step: 10`)"
        ],
    ),
    "flag-missing-path": (
        "version: 1\nflags:\n  - {kind: flagd}\n",
        ["guardrails.yaml:3: flags[0]: missing required key 'path'"],
    ),
    "policies-string": (
        "version: 1\npolicies: builtin:default\n",
        ["guardrails.yaml:2: policies must be a list, not a string"],
    ),
    "codeowners-string": (
        "version: 1\nownership: {codeowners: 'yes'}\n",
        ["guardrails.yaml:2: ownership.codeowners must be true or false, not a string"],
    ),
    "inference-unknown": (
        "version: 1\ninference: {typeonly: true}\n",
        ["guardrails.yaml:2: inference: unknown key 'typeonly' (fix: did you mean 'type_only'?)"],
    ),
    "teams-null": (
        "version: 1\nteams:\n",
        ["guardrails.yaml:2: teams must be a mapping, not empty (null)"],
    ),
    # Semantic: only the loader can see these.
    "unknown-owner": (
        "version: 1\nteams:\n  ranking: {}\nservices:\n  a:\n    owner: rankng\n",
        [
            "guardrails.yaml:6: service 'a': owner 'rankng' is not a declared team (fix: did you mean 'ranking'?)"
        ],
    ),
    "unknown-resource-owner": (
        "version: 1\nresources:\n  'topic:t': {owner: nobody}\n",
        [
            "guardrails.yaml:3: resource 'topic:t': owner 'nobody' is not a declared team (fix: declare 'nobody' under `teams:`)"
        ],
    ),
    "unknown-dependency": (
        "version: 1\nservices:\n  ranker: {}\n  feature-store:\n    depends_on: [rankr, 'service:nope']\n",
        [
            "guardrails.yaml:5: service 'feature-store': depends_on names unknown service 'nope' "
            "(fix: declare the service or remove it)",
            "guardrails.yaml:5: service 'feature-store': depends_on names unknown service 'rankr' "
            "(fix: did you mean 'ranker'?)",
        ],
    ),
    "same-pattern": (
        "version: 1\nservices:\n  a: {paths: [shared/**]}\n  b:\n    paths: ['/shared/**']\n",
        [
            "guardrails.yaml:5: service 'b': path '/shared/**' is also claimed by service 'a' "
            "(guardrails.yaml:3) (fix: give each file to exactly one service)"
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_reports_file_line_and_fix(repo: GitRepo, case: str) -> None:
    text, expected = BAD[case]
    found = errors(repo, {"guardrails.yaml": text})
    assert [p.render() for p in found] == expected


def test_every_problem_is_reported_at_once_sorted_by_line(repo: GitRepo) -> None:
    text = "version: 3\nservics: {}\nteams:\n  a: {members: [x], handles: [nope]}\nflags: {}\n"
    with pytest.raises(ConfigError) as info:
        load(repo, {"guardrails.yaml": text})
    rendered = str(info.value)
    assert rendered == "\n".join(
        [
            "the catalog has 4 problems (fix: fix each one below; `guardrails validate` lists them)",
            "  guardrails.yaml:1: unsupported version 3 (fix: set `version: 1`)",
            "  guardrails.yaml:2: top level: unknown key 'servics' (fix: did you mean 'services'?)",
            "  guardrails.yaml:4: teams.a.handles: bad CODEOWNERS handle 'nope' "
            "(fix: write `@org/team`, `@user` or an email address)",
            "  guardrails.yaml:5: flags must be a list, not a mapping",
        ]
    )


def test_undeclared_typed_resource_is_implicit_and_noted(repo: GitRepo) -> None:
    text = "version: 1\nservices:\n  a:\n    consumes: ['topic:clicks']\n    paths: [a/**]\n"
    catalog = load(repo, {"guardrails.yaml": text, "a/x.py": ""})
    assert catalog.resources == {
        "topic:clicks": Resource(
            "topic:clicks", origin=Origin("guardrails.yaml", 4), source="implicit"
        )
    }
    assert catalog.notes == (
        "guardrails.yaml:4: resource 'topic:clicks' is not declared; it is used as an implicit, "
        "unowned resource (fix: declare it under `resources:` with an owner)",
    )


def test_cycles_are_allowed_and_noted(repo: GitRepo) -> None:
    text = textwrap.dedent(
        """\
        version: 1
        services:
          a: {paths: [a/**], depends_on: [b]}
          b: {paths: [b/**], depends_on: [c]}
          c: {paths: [c/**], depends_on: [a]}
          d: {paths: [d/**], produces: ['topic:t'], consumes: ['topic:t']}
          e: {paths: [e/**], depends_on: [a]}
        resources:
          'topic:t': {}
        """
    )
    files = {"guardrails.yaml": text, **{f"{n}/m.py": "" for n in "abcde"}}
    catalog = load(repo, files)
    assert catalog.notes == (
        "guardrails.yaml:3: dependency cycle: service:a -> service:b -> service:c -> service:a "
        "(allowed; impact flows around it)",
        "guardrails.yaml:6: dependency cycle: service:d -> topic:t -> service:d "
        "(allowed; impact flows around it)",
    )


def test_files_claimed_by_two_services_are_an_error(repo: GitRepo) -> None:
    text = textwrap.dedent(
        """\
        version: 1
        services:
          app: {paths: [app/**]}
          app-api:
            paths: [app/api/**, 'app/*.py']
          docs: {paths: ['docs/**', '*.md']}
        """
    )
    files = {
        "guardrails.yaml": text,
        "app/api/v1.py": "",
        "app/api/v2.py": "",
        "app/main.py": "",
        "app/README.txt": "",
        "docs/index.md": "",
    }
    found = errors(repo, files)
    assert [p.render() for p in found] == [
        "guardrails.yaml:5: services 'app', 'app-api' all claim 3 files (e.g. app/api/v1.py) "
        "(fix: narrow the paths so that each file belongs to one service)",
    ]


def test_paths_matching_no_file_are_noted(repo: GitRepo) -> None:
    text = "version: 1\nservices:\n  a:\n    paths: [gone/**]\n"
    assert load(repo, {"guardrails.yaml": text}).notes == (
        "guardrails.yaml:4: service 'a': paths match no file",
    )


def test_missing_schema_and_flag_files_are_noted(repo: GitRepo) -> None:
    text = "version: 1\nresources:\n  'topic:t': {schema: 'ev.py::E'}\n  'flag:f': {file: flags.json}\n"
    assert problems(repo, {"guardrails.yaml": text}) == [
        "guardrails.yaml:3: resource 'topic:t': schema file 'ev.py' does not exist",
        "guardrails.yaml:4: resource 'flag:f': file 'flags.json' does not exist",
    ]


def test_find_problems_returns_errors_and_infos_without_raising(repo: GitRepo) -> None:
    text = "version: 1\nservices:\n  a: {owner: ghost, consumes: ['topic:t'], paths: [a/**]}\n"
    snapshot = committed(repo, {"guardrails.yaml": text, "a/m.py": ""})
    found = find_problems(snapshot)
    assert [(p.severity, p.line) for p in found] == [("error", 3), ("info", 3)]
    assert [p.message for p in found] == [
        "service 'a': owner 'ghost' is not a declared team",
        "resource 'topic:t' is not declared; it is used as an implicit, unowned resource",
    ]
    catalog, _ = build_catalog(snapshot)
    assert list(catalog.services) == ["a"]  # best effort despite the error


def test_reads_the_commit_not_the_work_tree(repo: GitRepo) -> None:
    snapshot = committed(repo, {"guardrails.yaml": "version: 1\nservices:\n  a: {}\n"})
    (repo.root / "guardrails.yaml").write_text("version: 1\nservices:\n  b: {}\n")
    assert list(load_catalog(snapshot).services) == ["a"]
    assert list(load_catalog(CommitSnapshot(repo.root, "HEAD")).services) == ["a"]


def test_config_path_elsewhere_and_require_config(repo: GitRepo) -> None:
    snapshot = committed(repo, {"ci/guardrails.yaml": "version: 1\nservices:\n  a: {}\n"})
    catalog = load_catalog(snapshot, config_path="ci/guardrails.yaml")
    assert (catalog.config_path, list(catalog.services)) == ("ci/guardrails.yaml", ["a"])
    assert load_catalog(snapshot).config_path is None  # zero-config at the root
    with pytest.raises(ConfigError) as info:
        load_catalog(snapshot, config_path="other.yaml", require_config=True)
    assert str(info.value) == (
        "other.yaml: other.yaml not found in HEAD (fix: create it (`guardrails init`) or point --config at it)"
    )


EXAMPLE = Path(__file__).resolve().parents[1] / "graph" / "examples" / "acme"


def test_acme_example_loads_cleanly(repo: GitRepo) -> None:
    files = {
        p.relative_to(EXAMPLE).as_posix(): p.read_text() for p in EXAMPLE.rglob("*") if p.is_file()
    }
    catalog = load(repo, files)
    assert catalog.notes == ()
    assert sorted(catalog.teams) == ["data-infra", "growth", "platform", "ranking"]
    assert {n: (s.owner, s.tier, s.source) for n, s in catalog.services.items()} == {
        "event-bus": ("data-infra", 0, "guardrails.yaml"),
        "export-pipeline": ("data-infra", 2, "catalog-info.yaml"),
        "feature-store": ("ranking", 1, "guardrails.yaml"),
        "growth-app": ("growth", 2, "guardrails.yaml"),
        "ranker": ("ranking", 1, "guardrails.yaml"),
        "schema-registry": ("platform", 1, "guardrails.yaml"),
    }
    assert sorted(catalog.resources) == [
        "flag:new-ranker",
        "table:features",
        "table:warehouse",
        "topic:user-events",
    ]
    assert [d.target for d in catalog.services["export-pipeline"].dependencies] == [
        "service:feature-store",
        "table:warehouse",
    ]
    assert catalog.codeowners is not None and catalog.codeowners.path == ".github/CODEOWNERS"
    assert catalog.rollouts == (
        FileSource("deploy/**/rollout.yaml", "guardrails", Origin("guardrails.yaml", 52)),
    )
