"""GitLab Code Quality: the JSON array GitLab shows in the merge request widget and diff.

Each issue needs a fingerprint unique in the report: the finding's own (rule, path and
message; never the line, so an issue stays the same issue when code moves), with the
occurrence number mixed in when one message repeats in a file. Code Quality has no notion
of a suppressed issue, so suppressed findings are left out (the SARIF report keeps them).
"""

from __future__ import annotations

import hashlib
from typing import Any

from guardrails.report import checkdoc as cd
from guardrails.report import json_text

# GitLab's severities: info, minor, major, critical, blocker.
SEVERITY = {"block": "blocker", "warn": "major", "info": "info"}
CATEGORY = {
    "safety": "Security",
    "api": "Compatibility",
    "data": "Compatibility",
    "flags": "Bug Risk",
    "rollout": "Bug Risk",
    "graph": "Style",
    "ownership": "Clarity",
    "guardrails": "Clarity",
    "parse": "Bug Risk",
}


def render(doc: cd.Doc, meta: cd.Meta) -> str:
    seen: dict[str, int] = {}
    issues: list[dict[str, Any]] = []
    for f in cd.findings(doc):
        if cd.is_suppressed(f):
            continue
        base = str(f.get("fingerprint") or "")
        n = seen.get(base, 0)
        seen[base] = n + 1
        fingerprint = base if n == 0 else hashlib.sha256(f"{base}\0{n}".encode()).hexdigest()[:16]
        rule = str(f["rule"])
        body = [cd.rule_description(rule, meta)]
        if f.get("fix"):
            body.append(f"Fix: {f['fix']}")
        if f.get("rationale"):
            body.append(f"Why: {f['rationale']}")
        if f.get("runbook"):
            body.append(f"Runbook: {f['runbook']}")
        if f.get("approved_by"):
            body.append("Approved by " + ", ".join(str(x) for x in f["approved_by"]))
        issues.append(
            {
                "type": "issue",
                "check_name": rule,
                "description": f"{rule}: {f.get('message')}",
                "content": {"body": "\n\n".join(body)},
                "categories": [CATEGORY.get(rule.split(".", 1)[0], "Bug Risk")],
                "severity": SEVERITY.get(str(f.get("severity")), "minor"),
                "fingerprint": fingerprint,
                "location": {"path": f["path"], "lines": {"begin": int(f.get("line") or 1)}},
            }
        )
    return json_text.dumps(issues) + "\n"
