"""SARIF 2.1.0, for GitHub code scanning and every other SARIF viewer.

One run; the driver lists each rule that has a finding, with the text a reviewer needs
(what it detects, why the policy cares, how to fix it). Results carry
``partialFingerprints`` built from rule, path and message — never the line — so that a
finding keeps its identity when code above it moves and code scanning does not reopen it.
Suppressed findings stay in, with ``suppressions``, as SARIF viewers expect. The blast
radius, the decision and the approval requirements ride along in the run's ``properties``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from guardrails.report import checkdoc as cd
from guardrails.report import json_text

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/acme/guardrails"
FINGERPRINT_KEY = "guardrails/v1"
LEVEL = {"block": "error", "warn": "warning", "info": "note"}


def _uri(path: str) -> str:
    # A relative URI reference: spaces, '#', '%' and non-ASCII must be percent-encoded.
    return quote(path, safe="/")


def _physical(path: str, line: int | None) -> dict[str, Any]:
    loc: dict[str, Any] = {"artifactLocation": {"uri": _uri(path), "uriBaseId": "%SRCROOT%"}}
    if line is not None and line >= 1:
        loc["region"] = {"startLine": line}
    return loc


def _help(rule: str, first: Mapping[str, Any], meta: cd.Meta) -> tuple[str, str]:
    """Plain text and Markdown help: what the rule detects, why, how to fix it."""
    parts: list[tuple[str, str]] = [("", cd.rule_description(rule, meta))]
    if first.get("rationale"):
        parts.append(("Why", str(first["rationale"])))
    if first.get("fix"):
        parts.append(("Fix", str(first["fix"])))
    if first.get("runbook"):
        parts.append(("Runbook", str(first["runbook"])))
    text = "\n\n".join(f"{k}: {v}" if k else v for k, v in parts)
    md = "\n\n".join(f"**{k}:** {v}" if k else v for k, v in parts)
    return text, md


def _rules(doc: cd.Doc, meta: cd.Meta) -> list[dict[str, Any]]:
    first: dict[str, Mapping[str, Any]] = {}
    for f in cd.findings(doc):
        first.setdefault(str(f["rule"]), f)
    out = []
    for rule in sorted(first):
        f = first[rule]
        text, md = _help(rule, f, meta)
        m = meta.get(rule)
        default = m.default_severity if m is not None else str(f.get("severity", "warn"))
        entry: dict[str, Any] = {
            "id": rule,
            "shortDescription": {"text": cd.rule_summary(rule, meta)},
            "fullDescription": {"text": cd.rule_description(rule, meta)},
            "help": {"text": text, "markdown": md},
            "defaultConfiguration": {"level": LEVEL.get(default, "warning")},
            "properties": {"tags": [rule.split(".", 1)[0]]},
        }
        if rule.startswith("safety."):
            # GitHub code scanning ranks security alerts by this score (with the tag).
            entry["properties"] = {
                "tags": ["safety", "security"],
                "security-severity": "8.0" if default == "block" else "5.0",
            }
        if cd.is_url(f.get("runbook")):
            entry["helpUri"] = str(f["runbook"])
        out.append(entry)
    return out


def _result(f: Mapping[str, Any], index: Mapping[str, int]) -> dict[str, Any]:
    text = str(f.get("message") or "")
    if f.get("fix"):
        text += f" Fix: {f['fix']}"
    res: dict[str, Any] = {
        "ruleId": f["rule"],
        "ruleIndex": index[str(f["rule"])],
        "level": LEVEL.get(str(f.get("severity")), "warning"),
        "message": {"text": text},
        "locations": [{"physicalLocation": _physical(str(f["path"]), f.get("line"))}],
        "partialFingerprints": {FINGERPRINT_KEY: str(f.get("fingerprint") or "")},
    }
    related = [
        {
            "id": i,
            "physicalLocation": _physical(str(r["path"]), r.get("line")),
            "message": {"text": str(r.get("node") or r["path"])},
        }
        for i, r in enumerate(f.get("related") or [])
        if r.get("path")
    ]
    if related:
        res["relatedLocations"] = related
    sup = f.get("suppressed")
    if sup:
        entry: dict[str, Any] = {
            "kind": "inSource",
            "status": "accepted",
            "justification": str(sup.get("reason") or ""),
        }
        if sup.get("path"):
            entry["location"] = {"physicalLocation": _physical(str(sup["path"]), sup.get("line"))}
        if sup.get("until"):
            entry["properties"] = {"until": str(sup["until"])}
        res["suppressions"] = [entry]
    props = {
        k: f[k]
        for k in ("severity", "policy", "rationale", "runbook", "fix", "approved_by")
        if f.get(k) not in (None, [], "")
    }
    if props:
        res["properties"] = props
    return res


def render(doc: cd.Doc, meta: cd.Meta) -> str:
    rules = _rules(doc, meta)
    index = {r["id"]: i for i, r in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {"name": "guardrails", "informationUri": INFORMATION_URI, "rules": rules}
        },
        "results": [_result(f, index) for f in cd.findings(doc)],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "decision": doc.get("decision"),
            "mode": doc.get("mode"),
            "author": doc.get("author"),
            "blastRadius": cd.impact(doc),
            "requirements": cd.requirements(doc),
            "approvals": list(doc.get("approvals") or []),
        },
    }
    out = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json_text.dumps(out) + "\n"
