"""`guardrails affected` / `graph` / `validate` end to end: real git repos, the real CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from guardrails.cli import cli
from tests.gitrepo import GitRepo

ACME = Path(__file__).resolve().parent.parent / "graph" / "examples" / "acme"


def run(repo: GitRepo, *args: str) -> Result:
    return CliRunner().invoke(
        cli, [*args[:1], "-C", str(repo.root), *args[1:]], catch_exceptions=False
    )


def affected_json(repo: GitRepo, *args: str) -> dict:  # type: ignore[type-arg]
    result = run(repo, "affected", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def acme(repo: GitRepo) -> GitRepo:
    """The demo org, committed on main, with a feature branch checked out."""
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme: initial")
    repo.branch("feature")
    return repo


def ids(nodes: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [n["id"] for n in nodes]


def test_producer_change_reaches_consumers_through_the_topic(acme: GitRepo) -> None:
    acme.write(
        {
            "services/event_bus/client.py": (acme.root / "services/event_bus/client.py").read_text()
            + "\n# tweak\n"
        }
    )
    acme.commit("tweak the client")
    out = affected_json(acme, "--base", "main")
    assert out["schema"] == "guardrails.affected/v1"
    assert len(out["base"]) == 40 and len(out["head"]) == 40
    assert out["changed"] == [
        {
            "id": "service:event-bus",
            "owner": "team:data-infra",
            "tier": 0,
            "files": ["services/event_bus/client.py"],
        }
    ]
    by_id = {n["id"]: n for n in out["affected"]}
    assert by_id["topic:user-events"]["path"] == ["topic:user-events", "service:event-bus"]
    # feature-store both consumes the topic (declared) and imports the bus client (inferred):
    # the shortest chain is the import.
    assert by_id["service:feature-store"]["path"] == ["service:feature-store", "service:event-bus"]
    why = json.loads(
        run(
            acme, "affected", "--base", "main", "--why", "service:feature-store", "--format", "json"
        ).stdout
    )
    assert {
        "kind": "import",
        "path": "services/feature_store/ingest.py",
        "line": 5,
        "text": "from services.event_bus.client import drain",
    } in why["chains"][0]["hops"][0]["evidence"]
    # declared by Backstage catalog-info.yaml: dependsOn component:feature-store
    assert by_id["service:export-pipeline"]["owner"] == "team:data-infra"
    assert "service:schema-registry" not in by_id  # a dependency, not a dependent
    assert out["teams"] == sorted(
        {"team:data-infra", *(n["owner"] for n in out["affected"] if n["owner"])}
    )
    assert out["unowned_files"] == []


def test_file_in_no_service_is_reported_never_dropped(acme: GitRepo) -> None:
    acme.write({"scratch/notes with space.txt": "hi\n"})
    acme.commit("notes")
    out = affected_json(acme, "--base", "main")
    assert out["changed"] == [] and out["affected"] == []
    assert out["unowned_files"] == ["scratch/notes with space.txt"]
    assert out["files"] == [
        {"path": "scratch/notes with space.txt", "status": "A", "nodes": [], "owners": []}
    ]


def test_change_touching_only_the_config(acme: GitRepo) -> None:
    cfg = acme.root / "guardrails.yaml"
    cfg.write_text(
        cfg.read_text().replace(
            'tier: 1\n    paths: ["services/ranker/**"]',
            'tier: 0\n    paths: ["services/ranker/**"]',
        )
    )
    acme.commit("ranker is tier 0 now")
    out = affected_json(acme, "--base", "main")
    assert out["changed"] == [] and out["affected"] == []
    # CODEOWNERS gives guardrails.yaml to the platform team: its owners are in the radius
    assert out["teams"] == ["team:platform"]
    assert out["unowned_files"] == []
    # ...and the file itself is named: nothing a change touches is invisible.
    assert out["files"] == [
        {"path": "guardrails.yaml", "status": "M", "nodes": [], "owners": ["@acme/platform"]}
    ]


def test_deleted_and_renamed_files_map_through_the_base_catalog(acme: GitRepo) -> None:
    # The head config drops schema-registry entirely, and its code is deleted: the base
    # catalog still says who owned it and who depended on it.
    cfg = acme.root / "guardrails.yaml"
    text = cfg.read_text()
    text = text.replace("    depends_on: [schema-registry]\n", "")
    start = text.index("  schema-registry:")
    end = text.index("  feature-store:")
    cfg.write_text(text[:start] + text[end:])
    acme.remove("services/schema_registry")
    acme.move("services/ranker/rank.py", "services/growth_app/rank.py")
    acme.commit("retire schema-registry; move the model to growth")
    out = affected_json(acme, "--base", "main")
    changed = {n["id"]: n["files"] for n in out["changed"]}
    assert "service:schema-registry" in changed
    assert changed["service:ranker"] == ["services/ranker/rank.py"]  # old side, base map
    assert changed["service:growth-app"] == ["services/growth_app/rank.py"]  # new side
    assert "service:event-bus" in ids(out["affected"])  # reached through the base graph


def test_staged_and_paths_selectors_compute_the_same_impact(acme: GitRepo) -> None:
    (acme.root / "services/feature_store/store.py").write_text("VALUE = 2\n")
    acme.stage()
    staged = affected_json(acme, "--staged")
    named = affected_json(acme, "services/feature_store/store.py")
    assert ids(staged["changed"]) == ids(named["changed"]) == ["service:feature-store"]
    assert staged["affected"] == named["affected"]
    assert staged["base"] is not None and staged["head"] is None


def test_depth_and_why(acme: GitRepo) -> None:
    acme.write({"services/event_bus/extra.py": "X = 1\n"})
    acme.commit("extra")
    shallow = affected_json(acme, "--base", "main", "--depth", "1")
    assert {n["distance"] for n in shallow["affected"]} == {1}
    result = run(acme, "affected", "--base", "main", "--why", "service:ranker")
    assert result.exit_code == 0
    assert "service:ranker" in result.stdout and "depends_on at guardrails.yaml:" in result.stdout
    why = json.loads(
        run(
            acme, "affected", "--base", "main", "--why", "service:ranker", "--format", "json"
        ).stdout
    )
    assert why["schema"] == "guardrails.why/v1"
    assert all(
        chain["path"][0] == "service:ranker" and chain["path"][-1] == "service:event-bus"
        for chain in why["chains"]
    )
    bad = run(acme, "affected", "--base", "main", "--why", "service:rankr")
    assert bad.exit_code == 2 and "did you mean service:ranker" in bad.stderr


def test_text_fits_80_columns_and_pictures_render(acme: GitRepo) -> None:
    acme.write({"services/event_bus/extra.py": "X = 1\n"})
    acme.commit("extra")
    text = run(acme, "affected", "--base", "main")
    assert text.exit_code == 0
    assert all(len(line) <= 80 for line in text.stdout.splitlines())
    assert "Affected (" in text.stdout and "team:ranking" in text.stdout
    assert run(acme, "affected", "--base", "main", "--format", "mermaid").stdout.startswith(
        "flowchart LR"
    )
    assert "digraph" in run(acme, "affected", "--base", "main", "--format", "dot").stdout


def test_graph_command_formats(acme: GitRepo) -> None:
    doc = json.loads(run(acme, "graph", "--format", "json").stdout)
    assert doc["schema"] == "guardrails.graph/v1"
    node_ids = [n["id"] for n in doc["nodes"]]
    assert node_ids == sorted(node_ids) and "service:event-bus" in node_ids
    assert {"source": "service:ranker", "target": "service:feature-store"}.items() <= next(
        link
        for link in doc["links"]
        if link["source"] == "service:ranker" and link["target"] == "service:feature-store"
    ).items()
    focus = json.loads(
        run(
            acme, "graph", "--format", "json", "--focus", "service:schema-registry", "--depth", "1"
        ).stdout
    )
    assert sorted(n["id"] for n in focus["nodes"]) == [
        "service:event-bus",
        "service:schema-registry",
        "team:platform",
    ]
    assert "<graphml" in run(acme, "graph", "--format", "graphml").stdout
    assert run(acme, "graph", "--format", "mermaid").stdout.startswith("flowchart LR")
    assert run(acme, "graph", "--focus", "nope").exit_code == 2


def test_output_is_deterministic(acme: GitRepo) -> None:
    acme.write({"services/event_bus/extra.py": "X = 1\n"})
    acme.commit("extra")
    first = run(acme, "affected", "--base", "main", "--format", "json").stdout
    assert all(
        run(acme, "affected", "--base", "main", "--format", "json").stdout == first
        for _ in range(3)
    )


def test_output_file_is_written_whole(acme: GitRepo, tmp_path: Path) -> None:
    target = tmp_path / "impact.json"
    result = run(
        acme, "affected", "services/ranker/rank.py", "--format", "json", "--output", str(target)
    )
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["changed"][0]["id"] == "service:ranker"
    missing = run(
        acme, "affected", "services/ranker/rank.py", "--output", str(tmp_path / "no" / "x.json")
    )
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


# -- errors: one line, exit 2, no traceback ---------------------------------------------------
@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("version: 1\nservices:\n  a: {owner: nobody, paths: ['a/**']}\n", "guardrails.yaml:3"),
        ("version: 1\nservices:\n  a: {paths: ['a/**'], depends_on: [ghost]}\n", "ghost"),
        ("version: 1\nservices:\n  a: {paths: ['a/**'], tier: high}\n", "tier"),
        ("version: 1\nservices:\n  a: {paths: ['a/**']}\n  a: {paths: ['b/**']}\n", "duplicate"),
        ("version: 1\nservices:\n  a: {paths: ['x/**']}\n  b: {paths: ['x/**']}\n", "also claimed"),
        ("version: 1\nservices: [\n", "YAML"),
        ("version: 1\nresources:\n  user-events: {owner: t}\n", "user-events"),
    ],
)
def test_bad_config_is_exit_2_with_file_and_line(
    repo: GitRepo, yaml_text: str, expected: str
) -> None:
    repo.write({"guardrails.yaml": yaml_text, "a/m.py": "x = 1\n", "x/m.py": "y = 1\n"})
    repo.commit("init")
    for args in (("affected", "a/m.py"), ("graph",), ("validate",)):
        result = run(repo, *args)
        assert result.exit_code == 2, (args, result.stdout)
        assert "guardrails.yaml" in result.stderr and expected in result.stderr
        assert "Traceback" not in result.stderr + result.stdout


def test_validate_ok_and_selector_errors(acme: GitRepo) -> None:
    ok = run(acme, "validate")
    assert ok.exit_code == 0 and "valid" in ok.stdout
    both = run(acme, "affected", "--staged", "--base", "main")
    assert both.exit_code == 2 and "choose one change selector" in both.stderr
    none = run(acme, "affected")
    assert none.exit_code == 2 and "no change selected" in none.stderr
    unknown = run(acme, "affected", "--base", "no-such-branch")
    assert unknown.exit_code == 2 and "no-such-branch" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_not_a_repository(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["affected", "-C", str(tmp_path), "x.py"])
    assert result.exit_code == 2 and "not a git repository" in result.stderr


def test_exit_zero_never_fails(repo: GitRepo) -> None:
    repo.write({"guardrails.yaml": "version: 2\n"})
    repo.commit("bad")
    result = run(repo, "affected", "--staged", "--exit-zero")
    assert result.exit_code == 0 and "guardrails.yaml" in result.stderr


def test_file_names_with_spaces_newlines_and_bytes(repo: GitRepo) -> None:
    repo.write(
        {
            "guardrails.yaml": "version: 1\nteams: {t: {members: [a]}}\nservices:\n"
            "  odd: {owner: t, paths: ['odd dir/**']}\n  user: {owner: t, paths: ['u/**'], depends_on: [odd]}\n",
            "odd dir/keep.py": "x = 1\n",
            "u/m.py": "y = 1\n",
        }
    )
    repo.commit("init")
    repo.branch("feature")
    weird = ["odd dir/new\nline.py", "odd dir/spaced name.py"]
    repo.write({name: "z = 1\n" for name in weird})
    (repo.root / "odd dir").joinpath(b"caf\xe9.py".decode("utf-8", "surrogateescape")).write_bytes(
        b"w = 1\n"
    )
    repo.commit("weird names")
    out = affected_json(repo, "--base", "main")
    assert out["changed"][0]["id"] == "service:odd"
    files = out["changed"][0]["files"]
    assert "odd dir/new\nline.py" in files and "odd dir/spaced name.py" in files
    assert "odd dir/caf\udce9.py" in files  # the non-UTF-8 byte survives as an escape
    assert ids(out["affected"]) == ["service:user"]


def test_text_header_names_the_selector(acme: GitRepo) -> None:
    (acme.root / "services/ranker/rank.py").write_text("X = 1\n")
    acme.stage()
    staged = run(acme, "affected", "--staged")
    assert staged.stdout.startswith("Blast radius of the staged change (index vs ")
    named = run(acme, "affected", "services/ranker/rank.py")
    assert named.stdout.startswith("Blast radius of the named paths")


def test_codeowners_person_owns_a_file(repo: GitRepo) -> None:
    repo.write(
        {"CODEOWNERS": "/docs/ @alice\n", "docs/a.md": "a\n", "guardrails.yaml": "version: 1\n"}
    )
    repo.commit("init")
    out = affected_json(repo, "docs/a.md")
    assert out["unowned_files"] == [] and out["teams"] == []


def test_explicit_config_must_exist(acme: GitRepo) -> None:
    for args in (("affected", "services/ranker/rank.py"), ("graph",), ("validate",)):
        result = run(acme, *args, "--config", "nope.yaml")
        assert (
            result.exit_code == 2 and "nope.yaml" in result.stderr and "not found" in result.stderr
        )


def test_backstage_resource_cannot_take_a_service_id(repo: GitRepo) -> None:
    repo.write(
        {
            "guardrails.yaml": "version: 1\nteams: {t: {members: [a]}}\nservices:\n  a: {owner: t, paths: ['a/**']}\n",
            "a/m.py": "x = 1\n",
            "infra/catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Resource\n"
            "metadata: {name: a}\nspec: {type: service, owner: group:t}\n",
        }
    )
    repo.commit("init")
    result = run(repo, "validate")
    assert result.exit_code == 2
    assert (
        "infra/catalog-info.yaml:4" in result.stderr and "names a service or team" in result.stderr
    )


def test_text_output_quotes_file_names_like_git(repo: GitRepo) -> None:
    repo.write({"guardrails.yaml": "version: 1\n", "keep.txt": "x\n"})
    repo.commit("init")
    repo.branch("feature")
    repo.write({"new\nline.txt": "x\n", "plain name.txt": "y\n"})
    (repo.root / b"caf\xe9.txt".decode("utf-8", "surrogateescape")).write_bytes(b"z\n")
    repo.commit("odd names")
    text = run(repo, "affected", "--base", "main").stdout
    assert '  "caf\\351.txt"\n' in text and '  "new\\nline.txt"\n' in text
    assert "  plain name.txt\n" in text
    check = run(repo, "check", "--base", "main").stdout
    assert '"new\\nline.txt"' in check and "new\nline" not in check


def test_output_into_a_symlink_writes_its_target_and_keeps_the_link(
    acme: GitRepo, tmp_path: Path
) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    real.chmod(0o644)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert run(acme, "graph", "--format", "json", "--output", str(link)).exit_code == 0
    assert link.is_symlink() and json.loads(real.read_text())["schema"] == "guardrails.graph/v1"
    assert real.stat().st_mode & 0o777 == 0o644
    bad = run(acme, "graph", "--output", str(tmp_path / ("x" * 300)))
    assert bad.exit_code == 2 and "cannot write" in bad.stderr and "Traceback" not in bad.stderr


def test_why_explains_teams_changed_nodes_and_depth(acme: GitRepo) -> None:
    acme.write({"services/event_bus/extra.py": "X = 1\n", "services/ranker/extra.py": "Y = 1\n"})
    acme.commit("extra")
    team = run(acme, "affected", "--base", "main", "--why", "team:ranking").stdout
    assert "teams are never traversed" in team
    changed = run(acme, "affected", "--base", "main", "--why", "service:event-bus").stdout
    assert "changed by this change itself" in changed
    far = run(
        acme, "affected", "--base", "main", "--depth", "1", "--why", "service:export-pipeline"
    ).stdout
    assert "not within 1 hop(s)" in far
    pic = run(
        acme, "affected", "--base", "main", "--why", "service:growth-app", "--format", "mermaid"
    ).stdout
    chains = json.loads(
        run(
            acme, "affected", "--base", "main", "--why", "service:growth-app", "--format", "json"
        ).stdout
    )["chains"]
    assert len(chains) == 2 and pic.count("-->") == sum(len(c["path"]) - 1 for c in chains)


def test_the_console_script_keeps_exit_codes_0_1_2(acme: GitRepo) -> None:
    import subprocess
    import sys

    guardrails = [sys.executable, "-m", "guardrails"]
    usage = subprocess.run([*guardrails, "nope"], cwd=acme.root, capture_output=True, text=True)
    assert usage.returncode == 2
    version = subprocess.run(
        [*guardrails, "--version"], cwd=acme.root, capture_output=True, text=True
    )
    assert version.returncode == 0 and "0.1.0" in version.stdout
    # a reader that is gone before we write (`| true`) is not an internal error
    proc = subprocess.Popen(
        [*guardrails, "graph", "--format", "json"],
        cwd=acme.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and stderr == ""


def test_an_unreadable_config_is_one_problem_not_a_crowd(acme: GitRepo) -> None:
    cfg = acme.root / "guardrails.yaml"
    cfg.write_bytes(cfg.read_bytes() + b"# caf\xe9\n")
    result = run(acme, "validate")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "not valid UTF-8" in errors[0]
