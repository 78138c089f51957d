"""`guardrails init --agent-skill`: a SKILL.md that teaches coding agents this repository's gate.

The Agent Skills format (a folder holding ``SKILL.md``: YAML front matter with ``name`` and
``description``, then Markdown instructions) is what Claude Code reads from
``.claude/skills/`` and Codex from ``.agents/skills/``; the same file goes to both. Beyond the
generic workflow (check the diff before committing, fix what blocks, ask the named owners),
it carries what this repository's catalog knows: the critical services and who owns them,
and each team's handle — the institutional knowledge an agent otherwise lacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
import msgspec

from guardrails.errors import EXIT_OK, GuardrailsError

NAME = "guardrails"
TARGETS = (".agents/skills", ".claude/skills")  # Codex and the cross-client path; Claude Code


class TeamFacts(msgspec.Struct, frozen=True):
    id: str
    handles: tuple[str, ...]
    members: tuple[str, ...]


class ServiceFacts(msgspec.Struct, frozen=True):
    id: str
    owner: str | None
    tier: int


class RepoFacts(msgspec.Struct, frozen=True):
    teams: tuple[TeamFacts, ...]
    services: tuple[ServiceFacts, ...]  # sorted by (tier, id)
    policies: tuple[str, ...]
    zero_config: bool


HEAD = """\
---
name: guardrails
description: >-
  This repository's merge gate. Use before committing or opening a pull request, when a
  change touches shared services, schemas, flags, rollouts or the guardrails config, and
  when a guardrails hook or CI check fails: it shows who a change affects, whether it is
  safe, and who must approve it.
---

# The guardrails gate

Every commit and pull request here passes `guardrails`: a pre-commit hook judges the staged
change, CI judges the whole branch and blocks the merge until the findings are fixed and the
required people have approved. Check your change the same way before you commit.

## Before every commit

1. Check the change you are about to commit:

   ```sh
   git diff HEAD | guardrails check --patch - --author-kind agent
   ```

   Exit 0 is pass or warn, 1 is blocked, 2 is an error in the input (read the one-line
   message: it names the file, the line and the fix). For machine-readable output add
   `--format json`: `decision`, `findings` (each with `rule`, `path`, `line`, `message`, `fix`)
   and `requirements` (approvals still needed).
2. Fix every finding whose severity is `block`: its `fix` says how. Do not silence a rule with
   a `# guardrails: ignore[rule] -- reason` comment unless the user asked for it; a reason is
   mandatory and reviewers see every suppression.
3. When a requirement is unmet, the change needs a human approval you cannot give: tell the
   user who must approve (the handles below and in `requirements[].candidates`) and what it
   unblocks. Never try to satisfy it with an approval trailer or a bot account; they do not
   count.
4. To see who a change reaches before you make it: `guardrails affected PATH...` (the blast
   radius, each node with the chain that explains it) and `guardrails affected PATH...
   --why service:NAME`.

If the `guardrails` MCP server is configured, its tools do the same without a shell:
`check_patch` (your diff), `affected`, `why` and `owners`.

## Never

- Edit `guardrails.yaml`, policy packs, CODEOWNERS, the pre-commit config or the CI workflow
  to make a check pass: a change to the gate's own files needs its owners' approval.
- Skip the hook (`--no-verify`) to get a blocked change in: CI judges it again.
"""


def render(facts: RepoFacts) -> str:
    out = [HEAD]
    critical = [s for s in facts.services if s.tier <= 1]
    if critical:
        out.append("## What is critical here\n")
        out.append("Tier 0 is the most critical. A change that reaches these is judged hardest:\n")
        out.extend(
            f"- `{s.id}`: tier {s.tier}, owned by `{s.owner or 'no team'}`" for s in critical
        )
        out.append("")
    if facts.teams:
        out.append("## Who to ask\n")
        out.append("| Team | Handle | Members |")
        out.append("|---|---|---|")
        for t in facts.teams:
            out.append(
                f"| `{t.id}` | {', '.join(t.handles) or '—'} | {', '.join(t.members) or '—'} |"
            )
        out.append("")
    out.append("## Policies in force\n")
    out.extend(f"- `{p}`" for p in facts.policies)
    if facts.zero_config:
        out.append(
            "\nThis repository has no `guardrails.yaml`: services and owners are inferred from"
            " the code and CODEOWNERS."
        )
    out.append(
        "\n`guardrails policies list` shows every policy and what it requires;"
        " `guardrails validate` checks the config.\n"
    )
    return "\n".join(out)


def facts_of(repo: str) -> RepoFacts:
    from guardrails.cache import open_repo
    from guardrails.engine import load_catalog_for

    git = open_repo(repo)
    catalog = load_catalog_for(git.worktree())
    teams = tuple(
        TeamFacts(t.id, tuple(t.handles), tuple(sorted(m.login for m in t.members)))
        for t in sorted(catalog.teams.values(), key=lambda t: t.id)
    )
    services = tuple(
        sorted(
            (
                ServiceFacts(s.id, f"team:{s.owner}" if s.owner else None, s.tier)
                for s in catalog.services.values()
            ),
            key=lambda s: (s.tier, s.id),
        )
    )
    return RepoFacts(teams, services, tuple(catalog.policies), catalog.config_path is None)


def write(repo: str = ".", *, force: bool = False, targets: Sequence[str] = TARGETS) -> int:
    from guardrails.cache import open_repo

    root = open_repo(repo).root
    text = render(facts_of(repo))
    paths = [root / t / NAME / "SKILL.md" for t in targets]
    for p in paths:
        if p.exists() and not force and p.read_text(encoding="utf-8") != text:
            raise GuardrailsError(
                "already exists",
                path=str(p.relative_to(root)),
                fix="keep it, or rerun with --force to overwrite it",
            )
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        click.echo(f"wrote {Path(p).relative_to(root)}")
    return EXIT_OK
