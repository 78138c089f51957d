"""`guardrails init --agent-skill`: an Agent Skills SKILL.md with this repository's facts."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner

from guardrails.cli import cli
from tests.gitrepo import GitRepo

ACME = Path(__file__).resolve().parent.parent / "graph" / "examples" / "acme"


def _front_matter(text: str) -> dict[str, str]:
    assert text.startswith("---\n")
    head, _, _ = text[4:].partition("\n---\n")
    data: dict[str, str] = yaml.safe_load(head)
    return data


def test_agent_skill_is_written_for_both_agents(repo: GitRepo) -> None:
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    result = CliRunner().invoke(cli, ["init", "--agent-skill", "-C", str(repo.root)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "wrote .agents/skills/guardrails/SKILL.md\nwrote .claude/skills/guardrails/SKILL.md\n"
    )
    text = (repo.root / ".agents/skills/guardrails/SKILL.md").read_text(encoding="utf-8")
    assert (repo.root / ".claude/skills/guardrails/SKILL.md").read_text(encoding="utf-8") == text
    meta = _front_matter(text)
    assert sorted(meta) == ["description", "name"]
    assert meta["name"] == "guardrails"  # the spec: lowercase, hyphens, matches the folder
    assert 0 < len(meta["description"]) <= 1024
    assert "git diff HEAD | guardrails check --patch - --author-kind agent" in text
    assert "- `service:event-bus`: tier 0, owned by `team:data-infra`" in text
    assert "- `service:feature-store`: tier 1, owned by `team:ranking`" in text
    assert "service:growth-app" not in text  # tier 2: not listed as critical
    assert "| `team:ranking` | @acme/ranking | li, sam |" in text
    assert "- `builtin:default`" in text
    # the config is left alone
    assert (repo.root / "guardrails.yaml").read_text() == (ACME / "guardrails.yaml").read_text()


def test_agent_skill_refuses_to_overwrite_an_edited_skill(repo: GitRepo) -> None:
    repo.write({"a.py": "x = 1\n"})
    repo.commit("a")
    edited = repo.root / ".claude/skills/guardrails/SKILL.md"
    edited.parent.mkdir(parents=True)
    edited.write_text("ours\n")
    result = CliRunner().invoke(cli, ["init", "--agent-skill", "-C", str(repo.root)])
    assert result.exit_code == 2
    assert "guardrails: error: .claude/skills/guardrails/SKILL.md: already exists" in result.output
    assert edited.read_text() == "ours\n"
    assert not (repo.root / ".agents/skills/guardrails/SKILL.md").exists()
    forced = CliRunner().invoke(cli, ["init", "--agent-skill", "--force", "-C", str(repo.root)])
    assert forced.exit_code == 0
    assert "no `guardrails.yaml`" in edited.read_text()
