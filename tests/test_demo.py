"""`guardrails demo` tells its story from the shipped example org, and cleans up after itself."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from guardrails.cli import cli


def test_demo_runs_the_story_and_blocks_the_agents_change(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--dir", str(target)])
    assert result.exit_code == 0, result.stdout + result.stderr
    out = result.stdout
    for step in (
        "1. The acme org",
        "2. An AI agent's change",
        "3. Who does it affect?",
        "4. Why is the growth app in the radius?",
        "5. Is it safe?",
        "6. For the PR comment",
        "7. The reviews come in",
        "8. The agent applies the fix hint",
    ):
        assert step in out
    assert "✗ block  api.breaking-change  services/event_bus/client.py:11" in out
    assert "✗ block  data.schema-break  services/event_bus/schemas.py:12" in out
    assert "✗ block  safety.shell  services/ranker/rank.py:20" in out
    assert "exit code: 1 (blocked" in out
    assert "import at services/growth_app/app.py:7" in out
    # Step 7: one human per team approves the head; only the shell string still blocks.
    assert "   ✓ default.schema-break#ranking: sam\n" in out
    assert "   approved: data.schema-break (sam)\n" in out
    assert "   still blocks: safety.shell at services/ranker/rank.py:20\n" in out
    assert out.count("still blocks:") == 1 and "✗ default." not in out.split("7. The")[1]
    step7 = out.split("7. The")[1].split("8. The")[0]
    assert max(len(line) for line in step7.splitlines()) <= 80
    assert (target / ".git").is_dir() and (target / "guardrails.yaml").is_file()
    # The reports CI would post and upload, written where the story says.
    comment = (target / "reports" / "comment.md").read_text(encoding="utf-8")
    assert comment.startswith("<!-- guardrails:report -->") and "safety.shell" in comment
    assert '"version": "2.1.0"' in (target / "reports" / "guardrails.sarif").read_text()
    # Step 8: the fix lands; approvals of the old head are stale; fresh ones let it merge.
    step8 = out.split("8. The agent applies the fix hint")[1]
    assert "yesterday's approvals are for the old head: block (3 stale)" in step8
    assert "with reviews of the new head: warn (exit code 0)" in step8


def test_demo_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("mine")
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code == 2 and "not empty" in result.stderr
    assert (tmp_path / "x").read_text() == "mine"
