"""Benchmark: the import graph of a synthetic monorepo, guardrails against grimp.

    python -m benchmarks imports [--files 5000] [--services 300] [--repeat 3] [--keep DIR]

Generates the monorepo (benchmarks/gen_monorepo.py: 5,000 files, 300 services, fan-out
about 3, three 20-service cycles) in a temp dir and commits it, then measures, each run in a
fresh subprocess so caches in memory and peak RSS start clean:

- guardrails cold: ``build_import_graph`` on the HEAD commit with an empty cache dir
- guardrails warm: the same with the cache the cold run left
- guardrails one-file change: one file edited and committed, warm cache (must parse 1 file)
- grimp cold / warm: ``grimp.build_graph`` over the same packages, empty / filled cache_dir

Times are the build call only (interpreter start and imports excluded for both), medians
of ``--repeat`` runs; peak memory is the child's ``ru_maxrss``. Prints the ratios against
the targets of issue 3: warm <= 1.5x grimp warm, cold <= 3x grimp cold, peak <= 300 MiB.
Needs the ``bench`` extra (``pip install -e '.[bench]'``) for grimp.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_WARM, TARGET_COLD, TARGET_MIB = 1.5, 3.0, 300.0


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _child_guardrails(root: Path, cache: Path, services: dict[str, str]) -> dict[str, object]:
    from guardrails.catalog.model import Catalog, Service
    from guardrails.git import Repo
    from guardrails.imports import build_import_graph

    catalog = Catalog(services={n: Service(n, paths=(f"{d}/**",)) for n, d in services.items()})
    by_dir = {d: n for n, d in services.items()}

    def service_of(path: str) -> str | None:
        parts = path.split("/", 2)
        return by_dir.get("/".join(parts[:2])) if len(parts) > 2 else None

    start = time.perf_counter()
    graph = build_import_graph(
        Repo.open(root).snapshot("HEAD"), catalog, cache_dir=cache, service_of=service_of
    )
    seconds = time.perf_counter() - start
    stats = graph.stats
    assert stats is not None
    return {
        "seconds": seconds,
        "peak_mib": _peak_mib(),
        "edges": len(graph.edges),
        "service_edges": len(graph.service_edges()),
        "parsed": stats.parsed,
        "files": stats.files,
        "problems": len(graph.problems),
    }


def _child_grimp(roots: list[str], packages: list[str], cache: Path) -> dict[str, object]:
    sys.path[:0] = roots
    import grimp

    start = time.perf_counter()
    graph = grimp.build_graph(*packages, cache_dir=str(cache))
    seconds = time.perf_counter() - start
    imports = sum(len(graph.find_modules_directly_imported_by(m)) for m in graph.modules)
    return {
        "seconds": seconds,
        "peak_mib": _peak_mib(),
        "modules": len(graph.modules),
        "imports": imports,
    }


def _run_child(spec: dict[str, object]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.imports_bench", "--child", json.dumps(spec)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _git(root: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.com",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.com",
        }
    )
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def _median(runs: list[dict[str, object]], key: str) -> float:
    return statistics.median(float(r[key]) for r in runs)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks imports")
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--services", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="generate here and keep it (default: a temp dir)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        spec = json.loads(args.child)
        if spec["tool"] == "guardrails":
            result = _child_guardrails(Path(spec["root"]), Path(spec["cache"]), spec["services"])
        else:
            result = _child_grimp(spec["roots"], spec["packages"], Path(spec["cache"]))
        print(json.dumps(result))
        return 0

    from benchmarks.gen_monorepo import generate

    try:
        import grimp  # noqa: F401
    except ImportError:
        print("grimp is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="guardrails-bench-imports-"))
    root = work / "repo"
    try:
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        gen = generate(root, files=args.files, services=args.services, seed=args.seed)
        _git(root, "init", "-q", "-b", "main")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "generated")
        print(
            f"generated {gen.files} files ({gen.lines:,} lines, {len(gen.services)} services, "
            f"{len(gen.runtime_edges)} service edges by construction) "
            f"in {time.perf_counter() - started:.1f} s; python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs"
        )
        ours = {"tool": "guardrails", "root": str(root), "services": gen.services}
        theirs = {
            "tool": "grimp",
            "roots": sorted(str(root / r) for r in gen.source_roots),
            "packages": sorted(gen.packages.values()),
        }
        results: dict[str, list[dict[str, object]]] = {
            k: [] for k in ("g_cold", "g_warm", "t_cold", "t_warm")
        }
        for i in range(args.repeat):
            for tool, spec, key in (("guardrails", ours, "g"), ("grimp", theirs, "t")):
                cache = work / f"cache-{tool}-{i}"
                shutil.rmtree(cache, ignore_errors=True)
                results[f"{key}_cold"].append(_run_child({**spec, "cache": str(cache)}))
                results[f"{key}_warm"].append(_run_child({**spec, "cache": str(cache)}))
        # a one-file change on a warm cache
        changed = next(p for p in sorted(root.rglob("*.py")) if p.name != "__init__.py")
        changed.write_text(changed.read_text() + "\nimport json as _json_again\n")
        _git(root, "commit", "-q", "-am", "one file")
        one = _run_child({**ours, "cache": str(work / "cache-guardrails-0")})

        g_cold, g_warm = (
            _median(results["g_cold"], "seconds"),
            _median(results["g_warm"], "seconds"),
        )
        t_cold, t_warm = (
            _median(results["t_cold"], "seconds"),
            _median(results["t_warm"], "seconds"),
        )
        g_peak = max(float(r["peak_mib"]) for k in ("g_cold", "g_warm") for r in results[k])  # type: ignore[arg-type]
        t_peak = max(float(r["peak_mib"]) for k in ("t_cold", "t_warm") for r in results[k])  # type: ignore[arg-type]
        first = results["g_cold"][0]
        print(
            f"guardrails: {first['edges']} file edges, {first['service_edges']} service edges, "
            f"{first['problems']} problems; grimp: {results['t_cold'][0]['modules']} modules, "
            f"{results['t_cold'][0]['imports']} module imports"
        )
        print(f"{'':22}{'guardrails':>12}{'grimp':>10}{'ratio':>8}{'target':>9}")
        rows = [
            ("cold build (s)", g_cold, t_cold, TARGET_COLD),
            ("warm build (s)", g_warm, t_warm, TARGET_WARM),
        ]
        ok = True
        for label, g, t, target in rows:
            ratio = g / t
            ok &= ratio <= target
            print(f"{label:22}{g:12.3f}{t:10.3f}{ratio:8.2f}{'<= ' + str(target) + 'x':>9}")
        print(
            f"{'peak RSS (MiB)':22}{g_peak:12.1f}{t_peak:10.1f}{g_peak / t_peak:8.2f}{'<= 300':>9}"
        )
        ok &= g_peak <= TARGET_MIB
        print(
            f"one-file change, warm: {float(one['seconds']):.3f} s, "  # type: ignore[arg-type]
            f"parsed {one['parsed']} of {one['files']} files"
        )
        ok &= one["parsed"] == 1
        print(
            f"(medians of {args.repeat} runs, each in a fresh process; targets "
            f"{'met' if ok else 'NOT met'})"
        )
        return 0 if ok else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
