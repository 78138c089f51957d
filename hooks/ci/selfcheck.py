"""The project's own CI judges its whole history with its own gate.

`guardrails check --base <first commit>` blocks on two kinds of thing: findings (code that
must be fixed or suppressed with a reason) and approval requirements (changes to the gate's
own files need their owners' review). Reviews belong to pull requests, where the GitHub
template passes them in with --approvals; this history has none to pass. So this script
fails on every blocking finding that no approval could waive, on any error (exit 2), and
prints the approvals a pull request would need, without failing on them.

Usage: python hooks/ci/selfcheck.py CHECK_JSON EXIT_CODE
"""

from __future__ import annotations

import json
import sys


def main(path: str, code: int) -> int:
    if code not in (0, 1):
        print(f"self-check: guardrails check exited {code} (an error): failing closed")
        return 2
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    awaiting = {
        u["fingerprint"] for r in doc["requirements"] if not r["satisfied"] for u in r["unblocks"]
    }
    hard = [
        f
        for f in doc["findings"]
        if f["severity"] == "block" and not f.get("suppressed") and f["fingerprint"] not in awaiting
    ]
    for f in hard:
        where = f"{f['path']}:{f['line']}" if f["line"] else f["path"]
        print(f"self-check: {f['rule']} blocks at {where}: {f['message']}")
    for r in doc["requirements"]:
        if not r["satisfied"]:
            print(
                f"self-check: a pull request would need {r['id']} "
                f"({len(r['unblocks'])} finding(s) wait for it)"
            )
    print(f"self-check: decision {doc['decision']}, {len(hard)} finding(s) no approval waives")
    return 1 if hard else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
