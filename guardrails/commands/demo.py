"""`guardrails demo`: the acme org, an agent's change, and the gate's verdict, end to end.

Builds a real git repository from the shipped example org (graph/examples/acme) in a temp
directory (or --dir), commits a change an AI agent might write on a feature branch, then runs
the same engine the hook and the CI gate run and narrates what it finds.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import click

from guardrails.app.affected import run_affected
from guardrails.app.check import CheckOptions, run_check
from guardrails.changes import Person
from guardrails.engine import Selector, load_world
from guardrails.errors import EXIT_OK, GuardrailsError
from guardrails.resources import data_path

PLATFORM = Person("Ops", "ops@acme.dev")
DEVELOPER = Person("li", "li@acme.dev")
AGENT_TRAILER = "Co-Authored-By: Claude <noreply@anthropic.com>"
REVIEWERS = ("emma", "mia", "sam")  # data-infra, growth, ranking: none of them wrote it

SHELL_CALL = '    subprocess.run(f"cp models/{name} /tmp/", shell=True)\n'
# The agent's change: each edit is (file, old text, new text). Small, plausible, dangerous.
EDITS: tuple[tuple[str, str, str], ...] = (
    # "item_id is redundant": but every consumer of topic:user-events decodes it.
    ("services/event_bus/schemas.py", "    item_id: str\n", ""),
    # A tidy-up rename of the bus's one public entry point; the growth app still calls it.
    ("services/event_bus/client.py", "def publish(topic", "def publish_event(topic"),
    # A debugging helper that shells out with a string built from input.
    ("services/ranker/rank.py", "import json\n", "import json\nimport subprocess\n"),
    (
        "services/ranker/rank.py",
        "def rank(user_id",
        "def dump_model(name: str) -> None:\n" + SHELL_CALL + "\n\n" + "def rank(user_id",
    ),
)


def main(*, directory: str | None = None, keep: bool = False) -> int:
    root = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="guardrails-demo-"))
    if directory and root.exists() and any(root.iterdir()):
        raise GuardrailsError(f"{root} is not empty", fix="pass an empty or new --dir")
    try:
        story(root)
    finally:
        if not (keep or directory):
            shutil.rmtree(root, ignore_errors=True)
    if keep or directory:
        click.echo(
            f"\nThe demo repository is kept in {root}. Try:\n"
            f"   cd {root} && guardrails check --base main --format json"
        )
    else:
        click.echo("\nRun `guardrails demo --keep` to explore the repository yourself.")
    return EXIT_OK


def story(root: Path) -> None:
    from guardrails.git import Repo

    say = _narrator()
    shutil.copytree(data_path("examples") / "acme", root, dirs_exist_ok=True)
    repo = Repo.create(root)
    repo.commit_all(
        "acme: the platform as it runs today", author=PLATFORM, date="2026-11-02T09:00:00+00:00"
    )

    say("1. The acme org", "guardrails validate && guardrails graph")
    graph = load_world(repo, repo.worktree()).graph
    services = graph.nodes(["service"])
    click.echo(
        f"   {len(services)} services, {len(graph.nodes(['team']))} teams, "
        f"{len(graph.nodes()) - len(services) - len(graph.nodes(['team']))} resources; "
        "dependencies declared in guardrails.yaml and Backstage, inferred from imports."
    )
    click.echo("   tier 0: " + ", ".join(n for n in services if graph.tier(n) == 0))

    repo.switch_new_branch("agent/slim-user-event")
    for rel, old, new in EDITS:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        if old not in text:  # the example org and the story must move together
            raise GuardrailsError(
                f"demo edit does not apply to {rel}",
                path=rel,
                fix="update guardrails/commands/demo.py EDITS",
            )
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    repo.commit_all(
        "Slim down UserEvent and tidy the bus API\n\n"
        "Drop the redundant item_id field, rename publish() to publish_event(),\n"
        "add a helper to dump ranker models.\n\n" + AGENT_TRAILER,
        author=DEVELOPER,
        date="2026-11-03T14:30:00+00:00",
    )
    say("2. An AI agent's change (branch agent/slim-user-event)", "git log -1 --stat")
    for rel in sorted({rel for rel, _, _ in EDITS}):
        click.echo(f"   M {rel}")
    click.echo(f"   {AGENT_TRAILER}")

    selector = Selector(base="main")
    analysis = run_affected(repo, selector)
    say("3. Who does it affect?", "guardrails affected --base main")
    from guardrails.impact import why
    from guardrails.report import mermaid
    from guardrails.report import text as text_report
    from guardrails.report.view import impact_view

    _indent(text_report.render_impact(analysis.impact))
    say(
        "4. Why is the growth app in the radius?",
        "guardrails affected --base main --why service:growth-app",
    )
    node = "service:growth-app"
    chains = why(analysis.graph, analysis.impact, node)
    _indent(text_report.render_why(node, chains, analysis.graph, analysis.impact))
    say("5. Is it safe?", "guardrails check --base main")
    # The same call the CI gate makes; the environment is the demo's own (no agent shell).
    verdict = run_check(repo, selector, CheckOptions(), {})
    from guardrails.app.meta import rule_summaries
    from guardrails.report.registry import RuleMeta, render

    meta = {rid: RuleMeta(rid, *rest) for rid, *rest in rule_summaries()}
    _indent(render("text", verdict.as_dict(), meta))
    click.echo(
        f"   exit code: {1 if verdict.blocked else 0} "
        f"({'blocked: the merge waits for a fix and approvals' if verdict.blocked else 'passed'})"
    )
    # What CI posts and uploads (`--format markdown --output … --format sarif --output …`).
    reports = root / "reports"
    reports.mkdir(exist_ok=True)
    for fmt, name in (("markdown", "comment.md"), ("sarif", "guardrails.sarif")):
        (reports / name).write_text(render(fmt, verdict.as_dict(), meta), encoding="utf-8")
    click.echo(f"   reports: {reports / 'comment.md'} (the PR comment),")
    click.echo(f"            {reports / 'guardrails.sarif'} (code scanning)")
    say("6. For the PR comment", "guardrails affected --base main --format mermaid")
    _indent(mermaid.render(impact_view(analysis.impact, analysis.graph)))

    # The reviews a CI job would fetch from GitHub (pulls/N/reviews), one human per team.
    reviews = _reviews(repo.resolve("HEAD"), day=4)
    say(
        "7. The reviews come in: a human from each team approves",
        "guardrails check --base main --approvals reviews.json",
    )
    options = CheckOptions(approvals=(("reviews.json", json.dumps(reviews).encode()),))
    doc = run_check(repo, selector, options, {}).as_dict()
    for r in doc["requirements"]:
        mark = "✓" if r["satisfied"] else "✗"
        who = ", ".join(r["approved_by"]) or "nobody yet"
        click.echo(f"   {mark} {r['id']}: {who}")
    for f in doc["findings"]:
        if f.get("approved_by"):
            click.echo(f"   approved: {f['rule']} ({', '.join(f['approved_by'])})")
    blocking = [f for f in doc["findings"] if f["severity"] == "block" and not f["suppressed"]]
    for f in blocking:
        click.echo(f"   still blocks: {f['rule']} at {f['path']}:{f['line']}")
    click.echo(f"   decision: {doc['decision']} — approvals waive what reviewers accept;")
    click.echo("   a shell string has no approval that waives it: it can only be fixed")

    say(
        "8. The agent applies the fix hint; the reviewers approve the new head",
        "guardrails check --base main --approvals reviews.json",
    )
    rank = root / "services/ranker/rank.py"
    rank.write_text(
        rank.read_text(encoding="utf-8")
        .replace("import subprocess\n", "import shutil\n")
        .replace(SHELL_CALL, '    shutil.copy(f"models/{name}", "/tmp/")\n'),
        encoding="utf-8",
    )
    repo.commit_all(
        "dump_model: copy without a shell\n\n" + AGENT_TRAILER,
        author=DEVELOPER,
        date="2026-11-04T11:00:00+00:00",
    )
    stale = run_check(repo, selector, options, {}).as_dict()
    click.echo(
        f"   yesterday's approvals are for the old head: {stale['decision']} "
        f"({sum(1 for a in stale['approvals'] if a['why_not'] == 'stale')} stale)"
    )
    fresh = CheckOptions(
        approvals=(("reviews.json", json.dumps(_reviews(repo.resolve("HEAD"), day=5)).encode()),)
    )
    final = run_check(repo, selector, fresh, {})
    click.echo(
        f"   with reviews of the new head: {final.decision} "
        f"(exit code {1 if final.blocked else 0}) — the merge can go ahead"
    )


def _reviews(head: str, *, day: int) -> list[dict[str, object]]:
    """GitHub's pulls/N/reviews: one approval of ``head`` from a human of each team."""
    return [
        {
            "user": {"login": login, "type": "User"},
            "state": "APPROVED",
            "commit_id": head,
            "submitted_at": f"2026-11-0{day}T10:0{i}:00Z",
        }
        for i, login in enumerate(REVIEWERS)
    ]


def _narrator() -> Callable[[str, str], None]:
    """A step title and the command a user would type to see the same thing."""

    def say(title: str, command: str) -> None:
        click.echo("")
        click.secho(title, bold=True)
        click.secho(f"   $ {command}", dim=True)

    return say


def _indent(text: str) -> None:
    for line in text.rstrip("\n").splitlines():
        click.echo(f"   {line}" if line else "")
