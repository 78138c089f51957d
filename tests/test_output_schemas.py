"""The CLI's JSON documents match docs/schemas/*.json, and their lists are sorted as documented.

Every document here comes from the real CLI on a real git repository (the acme demo org,
copied into tmp_path). The schemas are exact (closed objects, `schema` consts, 40-hex shas,
typed node ids), so a key added, dropped or retyped in the output fails here until the
schema and docs/output.md say so. Orderings and cross-field facts a JSON Schema cannot
express (sorted lists, ``path[0] == id``, ``len(path) == distance + 1``) are checked in Python.
The negative cases prove the schemas can reject: a test that cannot fail is a defect.
"""

# ruff: noqa: E501

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from guardrails.cli import cli
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parent.parent
ACME = ROOT / "graph" / "examples" / "acme"
SCHEMAS = ROOT / "docs" / "schemas"
KINDS = ("affected", "graph", "why")

Doc = dict[str, Any]


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{kind}.v1.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


VALIDATORS = {kind: _validator(kind) for kind in KINDS}
SHA_RE = re.compile(r"^[0-9a-f]{40}$")


# -- running the CLI ---------------------------------------------------------------------------
def run(repo: GitRepo, *args: str) -> Result:
    return CliRunner().invoke(
        cli, [args[0], "-C", str(repo.root), *args[1:]], catch_exceptions=False
    )


def json_of(repo: GitRepo, *args: str) -> Doc:
    result = run(repo, *args)
    assert result.exit_code == 0, result.stderr
    doc: Doc = json.loads(result.stdout)
    return doc


def affected(repo: GitRepo, *args: str) -> Doc:
    doc = json_of(repo, "affected", "--format", "json", *args)
    VALIDATORS["affected"].validate(doc)
    check_affected_order(doc)
    return doc


def why(repo: GitRepo, node: str, *args: str) -> Doc:
    doc = json_of(repo, "affected", "--format", "json", "--why", node, *args)
    VALIDATORS["why"].validate(doc)
    impact = json_of(repo, "affected", "--format", "json", *args)
    check_why_order(doc, impact)
    return doc


def graph(repo: GitRepo, *args: str) -> Doc:
    doc = json_of(repo, "graph", "--format", "json", *args)
    VALIDATORS["graph"].validate(doc)
    check_graph_order(doc, whole="--focus" not in args)
    return doc


# -- what the schemas cannot say -----------------------------------------------------------------
def _sorted_unique(items: list[Any]) -> bool:
    return items == sorted(set(items))


def check_affected_order(doc: Doc) -> None:
    changed, affected_nodes = doc["changed"], doc["affected"]
    assert _sorted_unique([n["id"] for n in changed])
    keys = [(n["distance"], n["id"]) for n in affected_nodes]
    assert keys == sorted(keys) and len({n["id"] for n in affected_nodes}) == len(keys)
    assert not {n["id"] for n in changed} & {n["id"] for n in affected_nodes}
    assert _sorted_unique(doc["teams"]) and _sorted_unique(doc["unowned_files"])
    changed_ids = {n["id"] for n in changed}
    for node in changed:
        assert _sorted_unique(node["files"])
    for node in affected_nodes:
        path = node["path"]
        assert path[0] == node["id"] and path[-1] in changed_ids
        assert len(path) == node["distance"] + 1 and len(set(path)) == len(path)
    owners = {n["owner"] for n in (*changed, *affected_nodes) if n["owner"]}
    assert owners <= set(doc["teams"])


def _evidence_sorted(evidence: list[Doc]) -> bool:
    keys = [(e["kind"], e["path"], e["line"] or 0, e["text"] or "") for e in evidence]
    return keys == sorted(keys)


def check_why_order(doc: Doc, impact: Doc) -> None:
    paths = [c["path"] for c in doc["chains"]]
    assert paths == sorted(paths) and len({tuple(p) for p in paths}) == len(paths)
    changed_ids = {n["id"] for n in impact["changed"]}
    for chain in doc["chains"]:
        path = chain["path"]
        assert path[0] == doc["node"] and path[-1] in changed_ids
        assert [(h["from"], h["to"]) for h in chain["hops"]] == list(pairwise(path))
        assert all(_evidence_sorted(h["evidence"]) for h in chain["hops"])
    # every shortest chain is as long as the one `affected` reports
    by_id = {n["id"]: n for n in impact["affected"]}
    if doc["node"] in by_id:
        assert {len(p) for p in paths} == {by_id[doc["node"]]["distance"] + 1}
        assert by_id[doc["node"]]["path"] == paths[0]
    elif doc["node"] in changed_ids:
        assert paths == [[doc["node"]]]
    else:
        assert paths == []


def check_graph_order(doc: Doc, *, whole: bool = True) -> None:
    ids = [n["id"] for n in doc["nodes"]]
    assert _sorted_unique(ids)
    assert all(n["type"] == n["id"].split(":", 1)[0] for n in doc["nodes"])
    ends = [(link["source"], link["target"]) for link in doc["links"]]
    assert ends == sorted(ends) and len(set(ends)) == len(ends)
    assert {e for pair in ends for e in pair} <= set(ids)
    assert all(_evidence_sorted(link["evidence"]) for link in doc["links"])
    if whole:  # a --focus slice may name owners it leaves out
        owners = {n["owner"] for n in doc["nodes"] if n["owner"]}
        assert owners <= set(ids)
        owned = {(n["id"], n["owner"]) for n in doc["nodes"] if n["owner"]}
        assert owned == {
            pair
            for pair, link in zip(ends, doc["links"], strict=True)
            if link["kind"] == "owned_by"
        }


# -- repositories --------------------------------------------------------------------------------
def _acme(repo: GitRepo, *, imports: bool) -> GitRepo:
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    if not imports:
        cfg = repo.root / "guardrails.yaml"
        text = cfg.read_text()
        assert "inference: {python_imports: true}" in text
        cfg.write_text(
            text.replace("inference: {python_imports: true}", "inference: {python_imports: false}")
        )
    repo.commit("acme: initial")
    repo.branch("feature")
    return repo


@pytest.fixture
def acme(repo: GitRepo) -> GitRepo:
    """The acme org with declared edges only (no import inference), on a feature branch."""
    return _acme(repo, imports=False)


def append(repo: GitRepo, path: str, text: str) -> None:
    repo.write({path: (repo.root / path).read_text() + text})


# -- the schemas themselves ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_schemas_are_draft_2020_12_and_name_their_document(kind: str) -> None:
    schema = json.loads((SCHEMAS / f"{kind}.v1.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema"] == {"const": f"guardrails.{kind}/v1"}
    assert schema["additionalProperties"] is False
    assert "schema" in schema["required"]


# -- affected --------------------------------------------------------------------------------
def test_range_with_an_unowned_and_a_codeowners_only_file(acme: GitRepo) -> None:
    main = acme.git("rev-parse", "main")
    append(acme, "services/event_bus/client.py", "\n# tweak\n")
    acme.write({"scratch/notes.txt": "hi\n", ".github/workflows/ci.yml": "on: push\n"})
    head = acme.commit("tweak the client, add notes and a workflow")
    doc = affected(acme, "--base", "main")
    assert doc["schema"] == "guardrails.affected/v1"
    assert (doc["base"], doc["head"]) == (main, head)
    assert doc["changed"] == [
        {
            "id": "service:event-bus",
            "owner": "team:data-infra",
            "tier": 0,
            "files": ["services/event_bus/client.py"],
        }
    ]
    assert [(n["distance"], n["id"]) for n in doc["affected"]] == [
        (1, "service:growth-app"),
        (1, "topic:user-events"),
        (2, "service:feature-store"),
        (3, "service:export-pipeline"),
        (3, "service:ranker"),
        (3, "table:features"),
    ]
    assert doc["unowned_files"] == ["scratch/notes.txt"]
    # .github/ belongs to the platform team through CODEOWNERS only: a team, not unowned
    assert doc["teams"] == ["team:data-infra", "team:growth", "team:platform", "team:ranking"]


def test_staged_change(acme: GitRepo) -> None:
    head = acme.git("rev-parse", "HEAD")
    (acme.root / "services/feature_store/store.py").write_text("VALUE = 2\n")
    acme.write({"new dir/ä file.txt": "x\n"})
    acme.stage()
    doc = affected(acme, "--staged")
    assert (doc["base"], doc["head"]) == (head, None)
    assert [n["id"] for n in doc["changed"]] == ["service:feature-store"]
    assert doc["unowned_files"] == ["new dir/ä file.txt"]


def test_staged_before_the_first_commit_has_no_base(repo: GitRepo) -> None:
    repo.write(
        {
            "guardrails.yaml": "version: 1\nteams: {t: {members: [a]}}\n"
            "services:\n  a: {owner: t, paths: ['a/**']}\n  b: {owner: t, paths: ['b/**'], depends_on: [a]}\n"
            "inference: {python_imports: false}\n",
            "a/m.py": "x = 1\n",
            "b/m.py": "y = 1\n",
        }
    )
    repo.stage()
    doc = affected(repo, "--staged")
    assert (doc["base"], doc["head"]) == (None, None)
    assert [n["id"] for n in doc["changed"]] == ["service:a", "service:b"]
    assert doc["unowned_files"] == ["guardrails.yaml"]


def test_paths_selector_and_depth(acme: GitRepo) -> None:
    head = acme.git("rev-parse", "HEAD")
    doc = affected(acme, "services/ranker", "config/flags.json")
    assert (doc["base"], doc["head"]) == (head, None)
    changed = {n["id"]: n["files"] for n in doc["changed"]}
    assert changed == {
        "flag:new-ranker": ["config/flags.json"],
        "service:ranker": ["services/ranker/__init__.py", "services/ranker/rank.py"],
    }
    shallow = affected(acme, "services/event_bus", "--depth", "1")
    assert {n["distance"] for n in shallow["affected"]} == {1}


def test_patch_selector(acme: GitRepo) -> None:
    append(acme, "services/schema_registry/registry.py", "\n# tweak\n")
    patch = acme.git("diff")
    acme.git("checkout", "--", ".")
    result = CliRunner().invoke(
        cli,
        ["affected", "-C", str(acme.root), "--patch", "-", "--format", "json"],
        input=patch + "\n",
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    VALIDATORS["affected"].validate(doc)
    check_affected_order(doc)
    assert doc["head"] is None and [n["id"] for n in doc["changed"]] == ["service:schema-registry"]
    assert [n["id"] for n in doc["affected"]] == [
        "service:event-bus",
        "service:growth-app",
        "topic:user-events",
        "service:feature-store",
        "service:export-pipeline",
        "service:ranker",
        "table:features",
    ]


def test_deletion_maps_through_the_base_catalog(acme: GitRepo) -> None:
    cfg = acme.root / "guardrails.yaml"
    text = cfg.read_text().replace("    depends_on: [schema-registry]\n", "")
    cfg.write_text(
        text[: text.index("  schema-registry:")] + text[text.index("  feature-store:") :]
    )
    acme.remove("services/schema_registry")
    acme.commit("retire schema-registry")
    doc = affected(acme, "--base", "main")
    assert doc["changed"] == [
        {
            "id": "service:schema-registry",
            "owner": "team:platform",
            "tier": 1,
            "files": [
                "services/schema_registry/__init__.py",
                "services/schema_registry/registry.py",
            ],
        }
    ]
    assert doc["affected"][0] == {
        "id": "service:event-bus",
        "owner": "team:data-infra",
        "tier": 0,
        "distance": 1,
        "path": ["service:event-bus", "service:schema-registry"],
    }
    # guardrails.yaml itself maps to no node; CODEOWNERS gives it to platform
    assert doc["unowned_files"] == [] and "team:platform" in doc["teams"]


# -- why -----------------------------------------------------------------------------------------
def test_why_for_affected_changed_and_unreached_nodes(acme: GitRepo) -> None:
    append(acme, "services/event_bus/client.py", "\n# tweak\n")
    acme.commit("tweak")
    ranker = why(acme, "service:ranker", "--base", "main")
    assert ranker["schema"] == "guardrails.why/v1" and ranker["node"] == "service:ranker"
    assert [c["path"] for c in ranker["chains"]] == [
        ["service:ranker", "service:feature-store", "topic:user-events", "service:event-bus"]
    ]
    first = ranker["chains"][0]["hops"][0]
    assert first["evidence"] == [
        {
            "kind": "depends_on",
            "path": "guardrails.yaml",
            "line": first["evidence"][0]["line"],
            "text": None,
        }
    ]
    exporter = why(acme, "service:export-pipeline", "--base", "main")
    assert (
        exporter["chains"][0]["hops"][0]["evidence"][0]["path"]
        == "services/export_pipeline/catalog-info.yaml"
    )
    itself = why(acme, "service:event-bus", "--base", "main")
    assert itself["chains"] == [{"path": ["service:event-bus"], "hops": []}]
    unreached = why(acme, "service:schema-registry", "--base", "main")
    assert unreached["chains"] == []
    team = why(acme, "team:ranking", "--base", "main")  # ownership is never traversed
    assert team["chains"] == []


def test_why_lists_every_shortest_chain_sorted(repo: GitRepo) -> None:
    repo.write(
        {
            "guardrails.yaml": "version: 1\nteams: {t: {members: [a]}}\nservices:\n"
            "  core: {owner: t, paths: ['core/**']}\n"
            "  left: {owner: t, paths: ['left/**'], depends_on: [core]}\n"
            "  mid: {owner: t, paths: ['mid/**'], depends_on: ['service:core']}\n"
            "  right: {owner: t, paths: ['right/**'], consumes: ['topic:x']}\n"
            "  top: {owner: t, paths: ['top/**'], depends_on: [right, mid, left]}\n"
            "  producer: {owner: t, paths: ['p/**'], depends_on: [core], produces: ['topic:x']}\n"
            "inference: {python_imports: false}\n",
            **{f"{d}/m.py": "x = 1\n" for d in ("core", "left", "mid", "right", "top", "p")},
        }
    )
    repo.commit("init")
    repo.branch("feature")
    append(repo, "core/m.py", "y = 2\n")
    repo.commit("change core")
    doc = why(repo, "service:top", "--base", "main")
    assert [c["path"] for c in doc["chains"]] == [
        ["service:top", "service:left", "service:core"],
        ["service:top", "service:mid", "service:core"],
    ]
    doc = why(repo, "service:right", "--base", "main")
    assert [c["path"] for c in doc["chains"]] == [
        ["service:right", "topic:x", "service:producer", "service:core"]
    ]
    produced = doc["chains"][0]["hops"][1]
    assert produced["evidence"][0]["kind"] == "produces" and produced["evidence"][0]["line"] == 9


# -- graph ---------------------------------------------------------------------------------------
def test_graph_whole_and_focused(acme: GitRepo) -> None:
    doc = graph(acme)
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert nodes["team:ranking"]["owner"] is None and nodes["team:ranking"]["tier"] is None
    assert (
        nodes["service:export-pipeline"]["declared"]
        == "services/export_pipeline/catalog-info.yaml:4"
    )
    assert nodes["table:warehouse"]["owner"] == "team:data-infra"  # a Backstage Resource
    kinds = {link["kind"] for link in doc["links"]}
    assert kinds == {"consumes", "depends_on", "owned_by", "produces"}
    focus = graph(acme, "--focus", "service:schema-registry", "--depth", "1")
    assert [n["id"] for n in focus["nodes"]] == [
        "service:event-bus",
        "service:schema-registry",
        "team:platform",
    ]


def test_graph_in_zero_config_mode(repo: GitRepo) -> None:
    # No guardrails.yaml: teams come from CODEOWNERS handles; no services are declared.
    repo.write({".github/CODEOWNERS": "/docs/ @acme/docs\n", "docs/a.md": "a\n"})
    repo.commit("init")
    doc = graph(repo)
    assert doc["nodes"] == [
        {
            "id": "team:docs",
            "declared": ".github/CODEOWNERS:1",
            "owner": None,
            "tier": None,
            "type": "team",
        }
    ]
    assert doc["links"] == []
    repo.write({"docs/a.md": "b\n", "b.txt": "b\n"})
    repo.stage()
    impact = affected(repo, "--staged")
    assert impact["teams"] == ["team:docs"] and impact["unowned_files"] == ["b.txt"]


# -- with import inference (the acme config as shipped) ------------------------------------------
def test_acme_as_shipped(repo: GitRepo) -> None:
    acme = _acme(repo, imports=True)
    append(acme, "services/event_bus/client.py", "\n# tweak\n")
    acme.commit("tweak")
    doc = affected(acme, "--base", "main")
    assert [n["id"] for n in doc["changed"]] == ["service:event-bus"]
    by_id = {n["id"]: n for n in doc["affected"]}
    # feature_store/ingest.py imports the event bus: one hop, not two through the topic
    assert by_id["service:feature-store"]["path"] == ["service:feature-store", "service:event-bus"]
    assert by_id["service:ranker"]["distance"] == 2
    chain = why(acme, "service:ranker", "--base", "main")["chains"][0]
    evidence = chain["hops"][0]["evidence"]
    assert [e["kind"] for e in evidence] == ["depends_on", "import"]
    assert evidence[1]["path"] == "services/ranker/rank.py" and evidence[1]["text"].startswith(
        "from services.feature_store"
    )
    full = graph(acme)
    imported = {
        (link["source"], link["target"])
        for link in full["links"]
        if any(e["kind"] == "import" for e in link["evidence"])
    }
    assert ("service:feature-store", "service:event-bus") in imported


# -- the schemas reject what the contract forbids -------------------------------------------------
Mutation = Callable[[Doc], None]


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    def apply(doc: Doc) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


def _drop(path: tuple[Any, ...]) -> Mutation:
    def apply(doc: Doc) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return apply


BAD: dict[str, list[tuple[str, Mutation]]] = {
    "affected": [
        ("missing teams", _drop(("teams",))),
        ("missing unowned_files", _drop(("unowned_files",))),
        ("missing changed.files", _drop(("changed", 0, "files"))),
        ("missing affected.path", _drop(("affected", 0, "path"))),
        ("other schema", _set(("schema",), "guardrails.affected/v2")),
        ("short sha", _set(("base",), "abc123")),
        ("upper-case sha", _set(("head",), "A" * 40)),
        ("tier as string", _set(("changed", 0, "tier"), "0")),
        ("negative tier", _set(("changed", 0, "tier"), -1)),
        ("distance 0", _set(("affected", 0, "distance"), 0)),
        ("distance as float", _set(("affected", 0, "distance"), 1.5)),
        ("untyped id", _set(("affected", 0, "id"), "ranker")),
        ("untyped path id", _set(("affected", 0, "path", 1), "event-bus")),
        ("path of one node", _set(("affected", 0, "path"), ["service:growth-app"])),
        ("owner without team:", _set(("changed", 0, "owner"), "data-infra")),
        ("team not a team id", _set(("teams",), ["service:event-bus"])),
        ("duplicate team", _set(("teams",), ["team:a", "team:a"])),
        ("no files", _set(("changed", 0, "files"), [])),
        ("files as string", _set(("changed", 0, "files"), "a.py")),
        ("extra top-level key", _set(("depth",), 1)),
        ("extra node key", _set(("affected", 0, "why"), [])),
        ("changed not a list", _set(("changed",), {})),
    ],
    "why": [
        ("missing chains", _drop(("chains",))),
        ("missing hops", _drop(("chains", 0, "hops"))),
        ("missing evidence line", _drop(("chains", 0, "hops", 0, "evidence", 0, "line"))),
        ("other schema", _set(("schema",), "guardrails.affected/v1")),
        ("untyped node", _set(("node",), "ranker")),
        ("empty path", _set(("chains", 0, "path"), [])),
        ("hop without evidence", _set(("chains", 0, "hops", 0, "evidence"), [])),
        ("line as string", _set(("chains", 0, "hops", 0, "evidence", 0, "line"), "33")),
        ("line 0", _set(("chains", 0, "hops", 0, "evidence", 0, "line"), 0)),
        ("extra hop key", _set(("chains", 0, "hops", 0, "kind"), "depends_on")),
    ],
    "graph": [
        ("missing links", _drop(("links",))),
        ("missing node type", _drop(("nodes", 0, "type"))),
        ("missing link evidence", _drop(("links", 0, "evidence"))),
        ("undirected", _set(("directed",), False)),
        ("other schema", _set(("schema",), "guardrails.graph/v2")),
        ("untyped node id", _set(("nodes", 0, "id"), "new-ranker")),
        ("tier as string", _set(("nodes", 0, "tier"), "2")),
        ("service without tier", _set(("nodes", 0, "tier"), None)),
        (
            "team with a tier",
            lambda d: next(n for n in d["nodes"] if n["type"] == "team").update(tier=2),
        ),
        (
            "owned_by to a service",
            lambda d: next(link for link in d["links"] if link["kind"] == "owned_by").update(
                target="service:ranker"
            ),
        ),
        (
            "dependency without evidence",
            lambda d: next(link for link in d["links"] if link["kind"] != "owned_by").update(
                evidence=[]
            ),
        ),
        ("extra node key", _set(("nodes", 0, "label"), "x")),
        ("extra link key", _set(("links", 0, "weight"), 1)),
    ],
}


@pytest.fixture
def real_docs(acme: GitRepo) -> dict[str, Doc]:
    append(acme, "services/event_bus/client.py", "\n# tweak\n")
    acme.commit("tweak")
    return {
        "affected": affected(acme, "--base", "main"),
        "why": why(acme, "service:ranker", "--base", "main"),
        "graph": graph(acme),
    }


@pytest.mark.parametrize("kind", KINDS)
def test_schema_rejects(real_docs: dict[str, Doc], kind: str) -> None:
    VALIDATORS[kind].validate(real_docs[kind])  # the untouched document is valid
    accepted = []
    for label, mutate in BAD[kind]:
        doc = copy.deepcopy(real_docs[kind])
        mutate(doc)
        if VALIDATORS[kind].is_valid(doc):
            accepted.append(label)
    assert accepted == []


def test_the_python_checks_reject_unsorted_output(real_docs: dict[str, Doc]) -> None:
    doc = copy.deepcopy(real_docs["affected"])
    doc["affected"].reverse()
    with pytest.raises(AssertionError):
        check_affected_order(doc)
    doc = copy.deepcopy(real_docs["graph"])
    doc["nodes"].reverse()
    with pytest.raises(AssertionError):
        check_graph_order(doc)


# -- the documentation's examples are valid documents ---------------------------------------------
def test_examples_in_docs_output_md_validate() -> None:
    text = (ROOT / "docs" / "output.md").read_text()
    seen = set()
    for block in re.findall(r"```json\n(.*?)```", text, flags=re.S):
        doc = json.loads(block)
        kind = doc["schema"].removeprefix("guardrails.").removesuffix("/v1")
        VALIDATORS[kind].validate(doc)
        if kind == "affected":
            check_affected_order(doc)
        elif kind == "graph":
            check_graph_order(doc, whole=False)  # the example is a --focus slice
        seen.add(kind)
    assert seen == set(KINDS)
