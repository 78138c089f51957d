"""Precision: run the gate zero-config over a clone's recent merged commits.

    python -m benchmarks precision CLONE [CLONE...] [--commits 50] [--out DIR] [--jobs 1]

For each clone (a local git repository with a work tree; nothing here fetches), takes the
last N first-parent commits of HEAD and runs, as a human author and with no guardrails.yaml,
``guardrails check --base C^ --head C --format json --author-kind human``. Prints one line per
commit with a finding, then counts of findings per rule and severity, and writes every
finding to ``DIR/<repo>.jsonl`` so that each can be read as the project's reviewer would.
Then runs ``guardrails init --stdout`` into a temporary copy of the tree and ``guardrails
validate`` on it, and reports whether the starter config validates.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

GUARDRAILS = [sys.executable, "-m", "guardrails"]


def commits(clone: Path, n: int) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(clone), "log", "--first-parent", f"-n{n}", "--format=%H"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()


def check(clone: Path, sha: str) -> dict[str, Any]:
    proc = subprocess.run(
        [
            *GUARDRAILS,
            "check",
            "-C",
            str(clone),
            "--base",
            f"{sha}^",
            "--head",
            sha,
            "--format",
            "json",
            "--author-kind",
            "human",
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode not in (0, 1):
        return {"sha": sha, "error": proc.stderr.strip()[-400:], "findings": []}
    doc = json.loads(proc.stdout)
    return {
        "sha": sha,
        "decision": doc["decision"],
        "radius": len(doc["impact"].get("affected", [])),
        "findings": [
            {k: f.get(k) for k in ("rule", "severity", "path", "line", "message")}
            for f in doc["findings"]
        ],
    }


def init_validate(clone: Path) -> str:
    """`init --stdout > guardrails.yaml && validate` on a copy of HEAD's tree."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(clone), "worktree", "add", "--detach", "-q", str(work), "HEAD"],
            check=True,
            capture_output=True,
        )
        try:
            init = subprocess.run(
                [*GUARDRAILS, "init", "--stdout", "-C", str(work)], capture_output=True, text=True
            )
            if init.returncode != 0:
                return f"init exit {init.returncode}: {init.stderr.strip()[:300]}"
            (work / "guardrails.yaml").write_text(init.stdout)
            val = subprocess.run(
                [*GUARDRAILS, "validate", "-C", str(work)], capture_output=True, text=True
            )
            tail = (val.stdout + val.stderr).strip().splitlines()[-3:]
            return f"validate exit {val.returncode}: " + " | ".join(tail)
        finally:
            subprocess.run(
                ["git", "-C", str(clone), "worktree", "remove", "--force", str(work)],
                capture_output=True,
            )
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks precision")
    parser.add_argument("clones", nargs="+", type=Path)
    parser.add_argument("--commits", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path("precision-out"))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--no-init", action="store_true")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    total: collections.Counter[tuple[str, str]] = collections.Counter()
    judged = 0
    for clone in args.clones:
        shas = commits(clone, args.commits)
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(check, [clone] * len(shas), shas))
        per: collections.Counter[tuple[str, str]] = collections.Counter()
        with (args.out / f"{clone.name}.jsonl").open("w") as fh:
            for r in results:
                fh.write(json.dumps(r, sort_keys=True) + "\n")
                if r.get("error"):
                    print(f"{clone.name} {r['sha'][:10]} ERROR {r['error']}")
                for f in r["findings"]:
                    per[(f["rule"], f["severity"])] += 1
                    print(
                        f"{clone.name} {r['sha'][:10]} {f['severity']:5} {f['rule']} "
                        f"{f['path']}:{f['line']} {f['message'][:160]}"
                    )
        judged += len(results)
        total.update(per)
        blocked = sum(1 for r in results if r.get("decision") == "block")
        warned = sum(1 for r in results if r.get("decision") == "warn")
        print(f"== {clone.name}: {len(results)} commits, {blocked} block, {warned} warn")
        for (rule, sev), n in sorted(per.items()):
            print(f"   {sev:5} {rule}: {n}")
        if not args.no_init:
            print(f"   init+validate: {init_validate(clone)}")
    print(f"== total: {judged} commits")
    for (rule, sev), n in sorted(total.items()):
        print(f"   {sev:5} {rule}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
