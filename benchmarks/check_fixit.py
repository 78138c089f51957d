"""Benchmark: guardrails' code rules vs Fixit 2 on the same ~50 changed Python files.

    .venv/bin/python -m benchmarks.check_fixit [--files 50] [--fixit PATH] [--seed 7]

Generates a synthetic repository (base and head trees, ~450-line modules, a handful of edits
per file: changed signatures, new functions, removals, new calls), then in one run:

* guardrails: a fresh process builds the ChangeSet in memory (added lines from difflib, as
  git would give them; not timed) and runs every built-in rule with run_rules; we time the
  rule run and the whole process, and read its peak RSS;
* Fixit: ``fixit lint`` with its default rules on the head version of the same files, timed
  as a process (with its own worker pool), peak RSS of its largest process.

Fixit pins ``click<8.2`` and guardrails needs ``click>=8.2``, so Fixit lives in its own
virtualenv: ``python3 -m venv /tmp/fixit-venv && /tmp/fixit-venv/bin/pip install fixit``
and pass ``--fixit /tmp/fixit-venv/bin/fixit`` (default: ``fixit`` next to this Python, then
on PATH). Targets: guardrails >= 10x faster than Fixit and < 300 MiB.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVICES = ("event_bus", "ranker", "feature_store", "growth", "billing")


def _function(rng: random.Random, name: str, extra: str = "") -> list[str]:
    n = rng.randint(2, 4)
    params = ", ".join(f"p{i}" for i in range(n))
    return [
        f"def {name}({params}, *, retries: int = 3{extra}) -> dict[str, object]:",
        f'    """Handle {name}."""',
        "    result: dict[str, object] = {}",
        "    for attempt in range(retries):",
        "        try:",
        f"            value = transform(p0, attempt, label={name!r})",
        "        except ValueError as exc:",
        "            log.warning('retry %s: %s', attempt, exc)",
        "            continue",
        "        if value is not None and attempt % 2 == 0:",
        "            result[str(attempt)] = [v * 2 for v in value if v]",
        "        else:",
        "            result.setdefault('misses', []).append({'attempt': attempt, 'p1': p1})",
        "    return result",
        "",
        "",
    ]


def _class(rng: random.Random, name: str) -> list[str]:
    return [
        "@dataclass(frozen=True)",
        f"class {name}:",
        "    id: str",
        "    count: int = 0",
        "    tags: tuple[str, ...] = ()",
        "",
        "    def total(self, factor: float = 1.0) -> float:",
        "        return sum(len(t) for t in self.tags) * factor + self.count",
        "",
        "    def render(self) -> str:",
        "        return f'{self.id}:{self.count}:{\",\".join(self.tags)}'",
        "",
        "",
    ]


def module(rng: random.Random, index: int, head: bool) -> str:
    out = [
        f'"""Generated module {index}."""',
        "from __future__ import annotations",
        "",
        "import logging",
        "import subprocess",
        "from dataclasses import dataclass",
        "",
        "import requests",
        "",
        "log = logging.getLogger(__name__)",
        f"TIMEOUT = {rng.randint(1, 30)}",
        "",
        "",
        "def transform(x, attempt, label=''):",
        "    return [x, attempt, len(label)]",
        "",
        "",
    ]
    for j in range(24):
        # One generator per function, so a removal does not reshuffle the rest of the file.
        rng = random.Random(f"{index}-{j}")
        name = f"handle_{index}_{j}"
        if head and j == 3:
            continue  # removed by the change
        if head and j == 5:
            out += _function(rng, name, extra=", key: str")  # new required parameter
        elif head and j == 7:
            body = _function(rng, name)
            body.insert(13, "        subprocess.run(f'echo {attempt}', shell=True)")
            body.insert(14, "        requests.get('http://svc/health')")
            out += body
        else:
            out += _function(rng, name)
        if j % 6 == 0:
            out += _class(rng, f"Record{index}_{j}")
    if head:
        out += _function(rng, f"added_{index}")
    return "\n".join(out) + "\n"


def generate(root: Path, files: int, seed: int) -> list[str]:
    paths = []
    for i in range(files):
        rel = f"services/{SERVICES[i % len(SERVICES)]}/mod_{i:03d}.py"
        for side, head in (("base", False), ("head", True)):
            p = root / side / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(module(random.Random(seed * 1000 + i), i, head), encoding="utf-8")
        paths.append(rel)
    return paths


def _ranges(numbers: list[int]) -> tuple[object, ...]:
    from guardrails.changes import LineRange

    out: list[LineRange] = []
    for n in sorted(numbers):
        if out and out[-1].end == n - 1:
            out[-1] = LineRange(out[-1].start, n)
        else:
            out.append(LineRange(n, n))
    return tuple(out)


def worker(root: Path, paths: list[str], all_new: bool) -> None:
    """Child process: build the ChangeSet (untimed), run all rules (timed), print JSON."""
    from guardrails.changes import ADDED, MODIFIED, ChangeSet, FileChange
    from guardrails.rules.base import RuleContext
    from guardrails.rules.registry import all_rules
    from guardrails.rules.run import run_rules

    changes = []
    for rel in paths:
        old: bytes | None = (root / "base" / rel).read_bytes()
        new = (root / "head" / rel).read_bytes()
        if all_new:  # worst case: every file is new, every line is added
            every = _ranges(list(range(1, new.count(b"\n") + 2)))
            changes.append(FileChange(ADDED, None, rel, added_lines=every, new_data=new))
            continue
        assert old is not None
        added_lines: list[int] = []
        removed_lines: list[int] = []
        sm = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag in ("replace", "insert"):
                added_lines.extend(range(j1 + 1, j2 + 1))
            if tag in ("replace", "delete"):
                removed_lines.extend(range(i1 + 1, i2 + 1))
        changes.append(
            FileChange(
                MODIFIED,
                rel,
                rel,
                added_lines=_ranges(added_lines),
                removed_lines=_ranges(removed_lines),
                old_data=old,
                new_data=new,
            )
        )
    rules = all_rules()

    class Modules:
        def module_of(self, path: str) -> str | None:
            return path.removesuffix(".py").replace("/", ".")

        def importers_of(self, module: str) -> tuple[()]:
            return ()

        def imports_of(self, path: str) -> tuple[()]:
            return ()

    ctx = RuleContext(
        ChangeSet("range", "0" * 40, "1" * 40, tuple(changes)),
        service_of=lambda p: p.split("/")[1] if p.startswith("services/") else None,
        imports=Modules(),
    )
    start = time.perf_counter()
    findings = run_rules(ctx, rules)
    seconds = time.perf_counter() - start
    by_rule: dict[str, int] = {}
    for f in findings:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    print(
        json.dumps(
            {
                "rules_seconds": seconds,
                "findings": len(findings),
                "by_rule": dict(sorted(by_rule.items())),
                "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def make_repo(root: Path, paths: list[str]) -> Path:
    """base/ committed on main, head/ on a branch: the range `guardrails check` reads."""
    repo = root / "repo"
    shutil.copytree(root / "base", repo)
    lines = [
        "version: 1",
        "teams: {" + ", ".join(f"t-{s}: {{members: [m{s}]}}" for s in SERVICES) + "}",
        "services:",
    ]
    lines += [f"  {s}: {{owner: t-{s}, paths: ['services/{s}/**']}}" for s in SERVICES]
    (repo / "guardrails.yaml").write_text("\n".join(lines) + "\n")
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
        "GIT_AUTHOR_DATE": "@1700000000 +0000",
        "GIT_COMMITTER_DATE": "@1700000000 +0000",
    }

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    git("switch", "-q", "-c", "change")
    for rel in paths:
        shutil.copy(root / "head" / rel, repo / rel)
    git("add", "-A")
    git("commit", "-q", "-m", "head")
    return repo


def measure(cmd: list[str], cwd: Path) -> dict[str, object]:
    """Run ``cmd`` through a fresh Python so RUSAGE_CHILDREN is this command's alone."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "wall = time.perf_counter() - t\n"
        "print(json.dumps({'wall': wall, 'rc': p.returncode, 'stdout': p.stdout[-4000:],"
        " 'stderr': p.stderr[-2000:],"
        " 'maxrss_mib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *cmd], cwd=cwd, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def find_fixit(explicit: str | None) -> str:
    candidates = (
        [explicit]
        if explicit
        else [str(Path(sys.executable).with_name("fixit")), shutil.which("fixit")]
    )
    for c in candidates:
        if c and Path(c).exists():
            # Absolute: the peer runs with the corpus tree as its working directory.
            return str(Path(c).resolve()) if os.sep in c else c
    raise SystemExit(
        "fixit not found: install it in its own venv and pass --fixit PATH (see module docstring)"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fixit")
    ap.add_argument(
        "--repeat", type=int, default=2, help="runs of each tool; the fastest counts (default 2)"
    )
    ap.add_argument(
        "--added", action="store_true", help="worst case: the files are new (every line added)"
    )
    ap.add_argument("--worker", nargs=2, metavar=("ROOT", "PATHS_JSON"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(Path(args.worker[0]), json.loads(args.worker[1]), args.added)
        return 0
    fixit = find_fixit(args.fixit)
    repo_root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="guardrails-check-bench-") as tmp:
        root = Path(tmp)
        paths = generate(root, args.files, args.seed)
        lines = sum(len((root / "head" / p).read_text().splitlines()) for p in paths)
        worker_cmd = [sys.executable, "-m", "benchmarks.check_fixit", "--worker", str(root)]
        if args.added:
            worker_cmd.insert(3, "--added")
        worker_cmd.append(json.dumps(paths))
        version = str(measure([fixit, "--version"], root)["stdout"]).strip()
        # The whole command on a real git range: interpreter start, git, catalog, import
        # inference (cold: empty cache; warm: the cache the first run wrote), rules, report.
        repo = make_repo(root, paths) if not args.added else None
        cli_cmd = [
            sys.executable,
            "-m",
            "guardrails",
            "check",
            "-C",
            str(repo),
            "--base",
            "main",
            "--format",
            "json",
        ]
        cli_runs: list[dict[str, object]] = []
        ours_runs, theirs_runs = [], []
        for _ in range(args.repeat):  # interleaved, so a busy spell hits both tools alike
            if repo is not None:
                run = measure(cli_cmd, repo_root)
                if run["rc"] not in (0, 1):
                    raise SystemExit(f"guardrails check failed ({run['rc']}):\n{run['stderr']}")
                cli_runs.append(run)
            run = measure(worker_cmd, repo_root)
            if run["rc"] != 0:
                raise SystemExit(f"guardrails worker failed:\n{run['stderr']}")
            ours_runs.append(run)
            run = measure([fixit, "lint", *paths], root / "head")
            if run["rc"] not in (0, 1):
                raise SystemExit(f"fixit failed ({run['rc']}):\n{run['stderr']}")
            theirs_runs.append(run)
        ours = min(ours_runs, key=lambda r: float(r["wall"]))  # type: ignore[arg-type]
        theirs = min(theirs_runs, key=lambda r: float(r["wall"]))  # type: ignore[arg-type]
        detail = json.loads(str(ours["stdout"]).strip().splitlines()[-1])
        all_walls = (
            f"all runs: guardrails {[round(float(r['wall']), 2) for r in ours_runs]} s, "  # type: ignore[arg-type]
            f"fixit {[round(float(r['wall']), 1) for r in theirs_runs]} s"  # type: ignore[arg-type]
        )
    ratio_proc = float(theirs["wall"]) / float(ours["wall"])  # type: ignore[arg-type]
    ratio_rules = float(theirs["wall"]) / float(detail["rules_seconds"])
    print(
        f"files: {len(paths)} changed modules, {lines} head lines, "
        f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}"
    )
    print(
        f"guardrails rules:   {detail['rules_seconds']:.2f} s in-process, "
        f"{ours['wall']:.2f} s as a process, "
        f"peak {ours['maxrss_mib']:.0f} MiB, {detail['findings']} findings {detail['by_rule']}"
    )
    print(
        f"{version}: {theirs['wall']:.2f} s as a process (its own worker pool), "
        f"peak {theirs['maxrss_mib']:.0f} MiB (largest process)"
    )
    print(
        f"ratio: {ratio_proc:.1f}x faster process to process, "
        f"{ratio_rules:.1f}x counting only the rule run"
    )
    if cli_runs:
        cold, warm = cli_runs[0], min(cli_runs[1:] or cli_runs, key=lambda r: float(r["wall"]))  # type: ignore[arg-type]
        print(
            f"`guardrails check --base main` on the git range (whole command): "
            f"cold cache {float(cold['wall']):.2f} s, warm {float(warm['wall']):.2f} s, "  # type: ignore[arg-type]
            f"peak {float(warm['maxrss_mib']):.0f} MiB; "  # type: ignore[arg-type]
            f"{float(theirs['wall']) / float(warm['wall']):.1f}x faster than Fixit warm, "  # type: ignore[arg-type]
            f"{float(theirs['wall']) / float(cold['wall']):.1f}x cold"  # type: ignore[arg-type]
        )
    ok = ratio_proc >= 10 and float(ours["maxrss_mib"]) < 300  # type: ignore[arg-type]
    print(all_walls)
    print("targets (>= 10x, < 300 MiB):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
