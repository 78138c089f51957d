"""GitHub workflow commands: ranked by impact, inside GitHub's annotation caps."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from guardrails.report import github, markdown
from tests import checkdocs, golden

COMMAND = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<msg>.*)$")


def _commands(text: str) -> list[re.Match[str]]:
    return [m for line in text.splitlines() if (m := COMMAND.match(line))]


def test_github_golden() -> None:
    golden.check("small.github.txt", github.render(checkdocs.small(), checkdocs.META))


def test_200_findings_stay_within_the_caps_and_the_most_important_come_first() -> None:
    doc = checkdocs.many_findings(200)
    out = github.render(doc, checkdocs.META)
    cmds = _commands(out)
    kinds = Counter(m.group(1) for m in cmds)
    assert kinds == {"error": 10, "warning": 10, "notice": 10}
    assert len(cmds) <= github.PER_JOB
    errors = [m for m in cmds if m.group(1) == "error"]
    # 67 blocking findings; the tier-0 ones (every 7th: i % 7 == 0 and i % 3 == 0, so
    # i = 0, 21, 42, ...) rank before the others, whatever their path.
    files = [re.search(r"file=([^,]*)", m.group("props")).group(1) for m in errors[:9]]  # type: ignore[union-attr]
    assert files == [f"services/mod_{i:03d}.py" for i in (0, 21, 42, 63, 84, 105, 126, 147, 168)]
    assert (
        errors[9].group("msg")
        == "58 more errors not annotated (GitHub shows 10 per kind): see the job summary or the SARIF report"
    )
    assert "title=guardrails" in errors[9].group("props")
    # messages and properties are escaped the way GitHub's toolkit does
    first = errors[0]
    assert first.group("msg").startswith(
        "finding 000: 50%25 of callers, a,b: c%0Asecond line%0AFix: do the safe thing"
    )
    assert "title=guardrails safety.os-system" in first.group("props")
    assert (
        out.splitlines()[-1]
        == "guardrails: BLOCK — 67 blocking, 67 warnings, 66 info, 0 suppressed"
    )


def test_few_findings_are_all_annotated_and_suppressed_ones_are_not() -> None:
    out = github.render(checkdocs.small(), checkdocs.META)
    cmds = _commands(out)
    assert [m.group(1) for m in cmds] == ["error", "warning", "warning"]
    assert "rebuild index.py" not in out  # suppressed
    assert (
        "Needs approval from @acme/data-infra (agent-authored change reaches tier-0 service%3Aevent-bus)"
        not in out
    )
    assert (
        "%0ANeeds approval from @acme/data-infra (agent-authored change reaches tier-0 service:event-bus)"
        in cmds[0].group("msg")
    )
    assert (
        out.splitlines()[-1]
        == "needs approval: @acme/data-infra (1 of data-infra) — agent-authored change reaches tier-0 service:event-bus"
    )


def test_step_summary_is_appended_when_the_variable_is_set(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n", encoding="utf-8")
    doc = checkdocs.small()
    assert github.append_step_summary(doc, checkdocs.META, {}) is None
    assert github.append_step_summary(
        doc, checkdocs.META, {"GITHUB_STEP_SUMMARY": str(target)}
    ) == str(target)
    assert target.read_text(encoding="utf-8") == "earlier step\n" + markdown.render(
        doc, checkdocs.META
    )


def test_step_summary_stays_under_one_mebibyte() -> None:
    doc = checkdocs.many_findings(3000)
    for f in doc["findings"]:
        f["message"] = "é" * 2000
    text = github.step_summary(doc, checkdocs.META)
    assert len(text.encode("utf-8")) <= github.SUMMARY_LIMIT
    assert len(text) <= markdown.LIMIT
