"""The PR comment: marker, verdict, blockers, approvers, the capped picture, findings."""

from __future__ import annotations

import re

from guardrails.report import markdown
from tests import checkdocs, golden


def test_markdown_golden() -> None:
    golden.check("small.md", markdown.render(checkdocs.small(), checkdocs.META))


def test_passing_golden() -> None:
    golden.check("passing.md", markdown.render(checkdocs.passing(), checkdocs.META))


def test_marker_first_and_blockers_name_who_unblocks() -> None:
    text = markdown.render(checkdocs.small(), checkdocs.META)
    assert text.splitlines()[0] == markdown.MARKER == "<!-- guardrails:report -->"
    assert "— needs an approval from @acme/data-infra" in text
    assert (
        "| ⏳ | @acme/data-infra (emma, raj) | 1 of data-infra, human, not the author | — | <code>data.schema-break</code> <code>services/event&#95;bus/schemas.py:9</code> |"
        in text
    )
    assert "Not counted: acme-bot (agent)" in text
    # untrusted text cannot open tags, code spans or table cells
    assert (
        "&#96;except Exception: pass&#96; hides &lt;every&gt; failure &#124; of publish()" in text
    )


def _chart(text: str) -> str:
    m = re.search(r"```mermaid\n(.*?)```", text, re.S)
    assert m is not None
    return m.group(1)


def test_a_large_radius_is_capped_and_summarised() -> None:
    doc = checkdocs.radius(300)
    text = markdown.render(doc, checkdocs.META)
    chart = _chart(text)
    boxes = re.findall(r'^\s+n\d+\["', chart, re.M)
    assert len(boxes) == markdown.MAX_NODES
    assert len(chart) < markdown.MERMAID_TEXT_LIMIT
    assert len(text) <= markdown.LIMIT
    assert "The picture shows 60 of 302 nodes" in text
    assert (
        "Not drawn: data-infra 48, most critical tier 0; growth 48, most critical tier 0; platform 49, most critical tier 0; ranking 49, most critical tier 0; search 48, most critical tier 0."
        in text
    )
    # every drawn affected node's chain is drawn: each box but the changed ones has an edge out
    ids = set(re.findall(r"^\s+(n\d+)\[", chart, re.M))
    sources = set(re.findall(r"^\s+(n\d+) --> n\d+$", chart, re.M))
    changed = set(re.search(r"class (\S+) changed", chart).group(1).split(","))  # type: ignore[union-attr]
    assert ids - changed == sources


def test_awkward_names_are_escaped_in_the_chart() -> None:
    text = markdown.render(
        checkdocs.radius(len(checkdocs.AWKWARD), names=checkdocs.AWKWARD), checkdocs.META
    )
    chart = _chart(text)
    assert 'n6["service:say #34;hi#34;<br/>tier 0"]' in chart
    assert "service:c#35;-api" in chart and "topic:événements-été" in chart
    for line in chart.splitlines():
        inner = re.findall(r'\["(.*)"\]', line)
        assert all('"' not in s and "[" not in s for s in inner), line


def test_many_findings_fit_in_one_comment() -> None:
    doc = checkdocs.many_findings(2000)
    text = markdown.render(doc, checkdocs.META)
    assert len(text) <= markdown.LIMIT
    m = re.search(r"… and (\d+) more findings, not shown", text)
    assert m is not None
    assert text.count("<details>") + int(m.group(1)) == 2000


def test_a_long_message_is_clipped_where_it_is_only_mentioned() -> None:
    doc = checkdocs.small()
    doc["findings"][0]["message"] = "x" * 1000
    doc["requirements"] = []
    text = markdown.render(doc, checkdocs.META)
    assert (
        f"<code>services/event&#95;bus/schemas.py:9</code>: {'x' * 299}… — to be fixed (see its fix under Findings)"
        in text
    )
    assert f"— {'x' * 1000}</summary>" in text
