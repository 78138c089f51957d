"""Zero-config service inference and the starter guardrails.yaml of `guardrails init`."""

from __future__ import annotations

import yaml

from guardrails.app.init import starter_config
from guardrails.catalog.codeowners import parse_codeowners
from guardrails.catalog.infer import infer_services_from_paths, render_starter_config
from guardrails.catalog.load import build_catalog
from guardrails.git import Repo
from guardrails.imports import ImportEdge
from tests.gitrepo import GitRepo

TREE = [
    "pyproject.toml",  # the repository's own project: not a service
    "services/event_bus/__init__.py",
    "services/event_bus/client.py",
    "services/event_bus/sub/__init__.py",  # nested package: part of event-bus
    "libs/auth/pyproject.toml",
    "libs/auth/src/auth/__init__.py",  # inside a project: part of libs' auth
    "apps/auth/__init__.py",  # same name as libs/auth: both get path names
    "ns/plugins/feature_store/__init__.py",  # top-level regular package under a namespace dir
    "tests/__init__.py",
    "docs/conf.py",
    ".venv/lib/python3.11/site-packages/requests/__init__.py",
    "scripts/run.py",
]


def test_services_are_projects_and_top_level_packages() -> None:
    services = infer_services_from_paths(TREE)
    assert [(s.name, s.paths, str(s.origin), s.source) for s in services] == [
        ("apps-auth", ("apps/auth/**",), "apps/auth/__init__.py", "inferred"),
        ("event-bus", ("services/event_bus/**",), "services/event_bus/__init__.py", "inferred"),
        (
            "feature-store",
            ("ns/plugins/feature_store/**",),
            "ns/plugins/feature_store/__init__.py",
            "inferred",
        ),
        ("libs-auth", ("libs/auth/**",), "libs/auth/pyproject.toml", "inferred"),
    ]


def test_roots_limit_where_packages_are_looked_for() -> None:
    services = infer_services_from_paths(TREE, roots=("services",))
    assert [s.name for s in services] == ["auth", "event-bus"]  # the project dir still counts


def _edge(src: str, line: int, dst: str, statement: str) -> ImportEdge:
    return ImportEdge(src, line, "m", (), dst, False, False, False, statement)


CODEOWNERS = "* @acme/platform\nservices/event_bus/ @acme/data-infra\n"


def test_starter_config_loads_back_with_teams_owners_and_evidence() -> None:
    services = infer_services_from_paths(TREE)
    codeowners, problems = parse_codeowners(CODEOWNERS, "CODEOWNERS")
    assert problems == []
    text = render_starter_config(
        services,
        codeowners=codeowners,
        dependencies={
            ("event-bus", "libs-auth"): (
                _edge(
                    "services/event_bus/client.py",
                    3,
                    "libs/auth/src/auth/__init__.py",
                    "from auth import token",
                ),
                _edge(
                    "services/event_bus/sub/__init__.py",
                    1,
                    "libs/auth/src/auth/__init__.py",
                    "import auth",
                ),
            ),
            ("event-bus", "gone"): (
                _edge("a.py", 1, "b.py", "import b"),
            ),  # not a service: dropped
        },
    )
    doc = yaml.safe_load(text)
    assert list(doc) == ["version", "teams", "services", "policies", "inference"]
    assert doc["teams"] == {
        "data-infra": {"handles": ["@acme/data-infra"]},
        "platform": {"handles": ["@acme/platform"]},
    }
    assert doc["services"]["event-bus"] == {
        "owner": "data-infra",
        "tier": 2,
        "paths": ["services/event_bus/**"],
        "depends_on": ["libs-auth"],
    }
    assert doc["services"]["apps-auth"]["owner"] == "platform"
    assert "# services/event_bus/client.py:3 `from auth import token` (+1 more)" in text
    assert doc["inference"] == {"python_imports": True, "type_only": False, "weak": True}


def test_starter_config_with_nothing_inferred_still_loads() -> None:
    doc = yaml.safe_load(render_starter_config(()))
    assert doc["services"] == {} and doc["teams"] == {} and doc["version"] == 1


def test_init_output_loads_through_the_catalog_loader(repo: GitRepo) -> None:
    repo.write(
        {
            "CODEOWNERS": CODEOWNERS,
            "services/event_bus/__init__.py": "",
            "services/event_bus/client.py": "from schema_registry import Schema\n",
            "services/schema_registry/__init__.py": "class Schema: ...\n",
            "libs/weird name/pyproject.toml": "[project]\nname = 'x'\n",
            "libs/weird name/mod.py": "import event_bus.client\n",
        }
    )
    repo.commit("tree")
    git = Repo.open(repo.root)
    text = starter_config(git.worktree(), cache_dir=git.git_dir / "guardrails")
    repo.write({"guardrails.yaml": text})
    catalog, problems = build_catalog(git.worktree())
    assert [p.render() for p in problems if p.severity == "error"] == []
    assert sorted(catalog.services) == ["event-bus", "schema-registry", "weird-name"]
    deps = {name: [d.target for d in s.dependencies] for name, s in catalog.services.items()}
    assert deps == {
        "event-bus": ["service:schema-registry"],
        "schema-registry": [],
        "weird-name": ["service:event-bus"],
    }
    assert catalog.services["event-bus"].owner == "data-infra"
    assert "services/event_bus/client.py:1 `from schema_registry import Schema`" in text
