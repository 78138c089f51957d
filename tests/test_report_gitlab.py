"""GitLab Code Quality: exact issues, unique stable fingerprints, severities mapped."""

from __future__ import annotations

import json

from guardrails.report import gitlab
from tests import checkdocs, golden


def test_gitlab_golden() -> None:
    golden.check("small.gitlab.json", gitlab.render(checkdocs.small(), checkdocs.META))


def test_issues_severities_and_suppressed_left_out() -> None:
    issues = json.loads(gitlab.render(checkdocs.small(), checkdocs.META))
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        (
            "data.schema-break",
            "blocker",
            {"path": "services/event_bus/schemas.py", "lines": {"begin": 9}},
        ),
        ("flags.default-flip", "major", {"path": "config/flags.json", "lines": {"begin": 4}}),
        (
            "safety.swallowed-exception",
            "major",
            {"path": "services/event_bus/client.py", "lines": {"begin": 22}},
        ),
    ]
    assert issues[0]["fingerprint"] == "a1" * 8
    assert issues[0]["categories"] == ["Compatibility"]


def test_fingerprints_are_unique_and_survive_line_shifts() -> None:
    doc = checkdocs.small()
    twin = dict(doc["findings"][0], line=30)
    doc["findings"].insert(1, twin)  # the same message twice in one file
    first = [i["fingerprint"] for i in json.loads(gitlab.render(doc, checkdocs.META))]
    assert len(set(first)) == len(first)
    for f in doc["findings"]:
        f["line"] += 7
    assert [i["fingerprint"] for i in json.loads(gitlab.render(doc, checkdocs.META))] == first
