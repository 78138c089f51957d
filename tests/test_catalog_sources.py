"""guardrails-service.yaml and Backstage catalog-info.yaml, merged with guardrails.yaml."""

# Expected messages are kept whole, as users read them.
# ruff: noqa: E501

from __future__ import annotations

import textwrap

import pytest

from guardrails.catalog.load import build_catalog, load_catalog
from guardrails.catalog.model import Dependency, Member, Origin, Resource, Service, Team
from tests.gitrepo import GitRepo
from tests.test_catalog_support import committed, errors, load, problems

TEAMS = "version: 1\nteams:\n  ranking: {}\n  data-infra: {}\n"


def test_service_file_paths_default_to_its_directory(repo: GitRepo) -> None:
    service_file = textwrap.dedent(
        """\
        name: ranker
        owner: ranking
        tier: 1
        depends_on: [feature-store]
        consumes: ['flag:new-ranker']
        """
    )
    catalog = load(
        repo,
        {
            "guardrails.yaml": TEAMS + "services:\n  feature-store: {paths: [fs/**]}\n",
            "fs/store.py": "",
            "services/ranker/guardrails-service.yaml": service_file,
            "services/ranker/rank.py": "",
        },
    )
    at = lambda line: Origin("services/ranker/guardrails-service.yaml", line)  # noqa: E731
    assert catalog.services["ranker"] == Service(
        name="ranker",
        owner="ranking",
        tier=1,
        paths=("services/ranker/**",),
        dependencies=(
            Dependency("service:feature-store", "depends_on", at(4)),
            Dependency("flag:new-ranker", "consumes", at(5)),
        ),
        origin=at(1),
        source="guardrails-service.yaml",
    )


def test_service_file_paths_are_relative_to_its_directory(repo: GitRepo) -> None:
    catalog = load(
        repo,
        {
            "svc/a/guardrails-service.yaml": "name: a\npaths: ['src/**', '/api.py']\n",
            "svc/a/src/x.py": "",
            "svc/a/api.py": "",
            "guardrails-service.yaml": "name: root\npaths: [tools/**]\n",
            "tools/t.py": "",
        },
    )
    assert catalog.services["a"].paths == ("svc/a/src/**", "svc/a/api.py")
    assert catalog.services["root"].paths == ("tools/**",)


def test_service_file_problems_name_the_file(repo: GitRepo) -> None:
    found = errors(
        repo,
        {
            "a/guardrails-service.yaml": "owner: x\ntier: high\n",
            "b/guardrails-service.yaml": "name: b\ndepends_on: [zzz]\nownr: q\n",
            "c/guardrails-service.yaml": "name: [c\n",
        },
    )
    assert [p.render() for p in found] == [
        "a/guardrails-service.yaml:1: service file: missing required key 'name'",
        "b/guardrails-service.yaml:2: service 'b': depends_on names unknown service 'zzz' "
        "(fix: declare the service or remove it)",
        "b/guardrails-service.yaml:3: service file: unknown key 'ownr' (fix: did you mean 'owner'?)",
        "c/guardrails-service.yaml:2: YAML syntax error: did not find expected ',' or ']' "
        "(while parsing a flow sequence) (fix: fix the YAML syntax (indentation, quotes, brackets))",
    ]


def test_a_service_declared_twice_names_both_files(repo: GitRepo) -> None:
    found = errors(
        repo,
        {
            "guardrails.yaml": "version: 1\nservices:\n  ranker: {paths: [ranker/**]}\n",
            "ranker/guardrails-service.yaml": "name: ranker\n",
            "other/catalog-info.yaml": "kind: Component\nmetadata:\n  name: ranker\n",
        },
    )
    assert [p.render() for p in found] == [
        "other/catalog-info.yaml:3: service 'ranker' is declared twice: here and at guardrails.yaml:3 "
        "(fix: keep one declaration of 'ranker')",
        "ranker/guardrails-service.yaml:1: service 'ranker' is declared twice: here and at "
        "guardrails.yaml:3 (fix: keep one declaration of 'ranker')",
    ]


BACKSTAGE = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search
  annotations:
    guardrails.dev/tier: "1"
spec:
  type: service
  lifecycle: experimental
  owner: group:default/search-team
  dependsOn:
    - component:default/indexer
    - resource:orders
  consumesApis: [api:default/users]
  providesApis: [search-api]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: search-team
  annotations:
    github.com/team-slug: acme/search
spec:
  type: team
  members: [user:default/ann, bob]
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: discovery
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: search-api
spec:
  type: openapi
  owner: search-team
"""

# In another file: the relation `resource:orders` above resolves to its typed id.
BACKSTAGE_2 = """\
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders
spec:
  type: table
  owner: group:search-team
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: indexer
spec:
  owner: search-team
  consumesApis: [users]
"""


def test_backstage_entities_become_services_resources_and_teams(repo: GitRepo) -> None:
    snapshot = committed(
        repo,
        {
            "svc/search/catalog-info.yaml": BACKSTAGE,
            "svc/search/main.py": "",
            "svc/indexer/catalog-info.yaml": BACKSTAGE_2,
            "svc/indexer/main.py": "",
        },
    )
    catalog = load_catalog(snapshot)
    at = lambda line: Origin("svc/search/catalog-info.yaml", line)  # noqa: E731
    assert catalog.config_path is None
    assert catalog.services["search"] == Service(
        name="search",
        owner="search-team",
        tier=1,
        paths=("svc/search/**",),
        dependencies=(
            Dependency("service:indexer", "depends_on", at(12)),
            Dependency("table:orders", "depends_on", at(13)),
            Dependency("api:users", "consumes_api", at(14)),
            Dependency("api:search-api", "provides_api", at(15)),
        ),
        origin=at(4),
        source="catalog-info.yaml",
    )
    assert catalog.services["indexer"].tier == 2
    assert catalog.services["indexer"].dependencies == (
        Dependency("api:users", "consumes_api", Origin("svc/indexer/catalog-info.yaml", 15)),
    )
    assert catalog.teams == {
        "search-team": Team(
            "search-team", (Member("ann"), Member("bob")), ("@acme/search",), at(20)
        )
    }
    assert catalog.resources == {
        "api:search-api": Resource(
            "api:search-api", "search-team", origin=at(35), source="catalog-info.yaml"
        ),
        # Implicit: first referenced by the first file in path order.
        "api:users": Resource(
            "api:users", origin=Origin("svc/indexer/catalog-info.yaml", 15), source="implicit"
        ),
        "table:orders": Resource(
            "table:orders",
            "search-team",
            origin=Origin("svc/indexer/catalog-info.yaml", 4),
            source="catalog-info.yaml",
        ),
    }
    assert catalog.notes == (
        "svc/indexer/catalog-info.yaml:15: resource 'api:users' is not declared; it is used as an "
        "implicit, unowned resource (fix: declare it under `resources:` with an owner)",
        "svc/search/catalog-info.yaml:28: Backstage kind 'System' (discovery) is ignored",
    )


def test_backstage_problems(repo: GitRepo) -> None:
    text = textwrap.dedent(
        """\
        kind: Component
        metadata:
          name: a
          annotations: {guardrails.dev/tier: high}
        spec:
          owner: user:default/sam
          providesApis: [group:x]
        ---
        kind: Resource
        metadata: {name: r}
        spec: {type: "S3 Bucket"}
        ---
        kind: Component
        metadata: {title: nameless}
        """
    )
    assert problems(repo, {"a/catalog-info.yaml": text}) == [
        "a/catalog-info.yaml:4: Component a: annotation guardrails.dev/tier must be an integer >= 0, "
        "not 'high' (fix: write e.g. `guardrails.dev/tier: \"1\"`)",
        "a/catalog-info.yaml:6: Component a: owner 'user:default/sam' is not a group; left unowned",
        "a/catalog-info.yaml:7: Component a: providesApis 'group:x' is not an API reference (fix: write `api:<name>`)",
        "a/catalog-info.yaml:11: Resource r: spec.type 's3 bucket' cannot be an id kind "
        "(fix: use lower-case letters, digits, '_' and '-')",
        "a/catalog-info.yaml:14: metadata: missing required key 'name'",
    ]


def test_with_config_backstage_owners_must_be_declared_teams(repo: GitRepo) -> None:
    found = errors(
        repo,
        {
            "guardrails.yaml": TEAMS,
            "x/catalog-info.yaml": "kind: Component\nmetadata: {name: x}\nspec: {owner: group:rankin}\n",
        },
    )
    assert [p.render() for p in found] == [
        "x/catalog-info.yaml:3: service 'x': owner 'rankin' is not a declared team (fix: did you mean 'ranking'?)"
    ]


def test_without_config_unknown_owners_become_implicit_teams(repo: GitRepo) -> None:
    catalog = load(
        repo,
        {"x/catalog-info.yaml": "kind: Component\nmetadata: {name: x}\nspec: {owner: ghosts}\n"},
    )
    assert catalog.teams == {"ghosts": Team("ghosts", origin=Origin("x/catalog-info.yaml", 3))}
    assert catalog.notes == (
        "x/catalog-info.yaml:3: team 'ghosts' is not declared; using it as named",
    )


def test_nested_projects_are_not_read(repo: GitRepo) -> None:
    catalog = load(
        repo,
        {
            "guardrails.yaml": "version: 1\n",
            "examples/demo/guardrails.yaml": "version: 1\n",
            "examples/demo/svc/guardrails-service.yaml": "name: [broken\n",
            "examples/demo/catalog-info.yaml": "kind: Component\nmetadata: {name: demo}\n",
            "real/guardrails-service.yaml": "name: real\n",
        },
    )
    assert list(catalog.services) == ["real"]


def test_inferred_services_yield_to_declared_ones(repo: GitRepo) -> None:
    snapshot = committed(
        repo,
        {
            "guardrails.yaml": "version: 1\nservices:\n  a: {paths: [a/**]}\n",
            "a/x.py": "",
            "b/y.py": "",
        },
    )
    inferred = [
        Service("a", paths=("a/**",), source="inferred"),
        Service("b", paths=("b/**",), source="inferred"),
        # Overlaps a declared service and matches no file: not this loader's problem.
        Service("c", paths=("a/**", "nothing/**"), source="inferred"),
    ]
    catalog, found = build_catalog(snapshot, inferred=inferred)
    assert found == ()
    assert catalog.services["a"].source == "guardrails.yaml"
    assert catalog.services["b"] == Service("b", paths=("b/**",), source="inferred")
    assert sorted(catalog.services) == ["a", "b", "c"]


@pytest.mark.parametrize("name", ["guardrails-service.yaml", "catalog-info.yaml"])
def test_zero_config_from_catalog_files_only(repo: GitRepo, name: str) -> None:
    body = (
        "name: solo\n"
        if name == "guardrails-service.yaml"
        else "kind: Component\nmetadata: {name: solo}\n"
    )
    catalog = load(repo, {f"solo/{name}": body, "solo/main.py": ""})
    assert catalog.config_path is None
    assert catalog.services["solo"].paths == ("solo/**",)
    assert catalog.policies == ("builtin:default",)


def test_teams_and_resources_declared_twice(repo: GitRepo) -> None:
    found = errors(
        repo,
        {
            "guardrails.yaml": "version: 1\nteams:\n  search: {}\nresources:\n  'api:search': {}\n",
            "s/catalog-info.yaml": (
                "kind: Group\nmetadata: {name: search}\n---\nkind: API\nmetadata: {name: search}\n"
            ),
        },
    )
    assert [p.render() for p in found] == [
        "s/catalog-info.yaml:2: team 'search' is declared twice: here and at guardrails.yaml:3 (fix: keep one declaration of 'search')",
        "s/catalog-info.yaml:5: resource 'api:search' is declared twice: here and at guardrails.yaml:5 (fix: keep one declaration of 'api:search')",
    ]


def test_unresolved_backstage_resource_ref_stays_an_implicit_resource(repo: GitRepo) -> None:
    text = "kind: Component\nmetadata: {name: a}\nspec:\n  dependsOn: ['resource:default/cache']\n"
    catalog = load(repo, {"a/catalog-info.yaml": text, "a/m.py": ""})
    assert catalog.services["a"].dependencies == (
        Dependency("resource:cache", "depends_on", Origin("a/catalog-info.yaml", 4)),
    )
    assert catalog.resources["resource:cache"].source == "implicit"
