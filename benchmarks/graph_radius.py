"""Benchmark: catalog load, graph build and blast-radius queries at 10,000 services.

    python -m benchmarks graph [--services 10000] [--edges 100000] [--queries 200]

Generates a synthetic guardrails.yaml (seeded, so every run sees the same catalog), then
prints, each in this process on this machine:
  - load: parse + validate guardrails.yaml (the hand-written validator over the YAML tree)
  - build: the dependency graph (plain dicts + adjacency indexes) with evidence on every edge
  - query: `blast_radius` for random single-service changes (median, p95, max), and the
    median radius size so the query time can be read against the work done.
Targets (issue 2): load < 2 s, median query < 50 ms.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path


def generate(n_services: int, n_edges: int, seed: int = 7) -> str:
    """A layered org, like real platforms: services depend mostly on lower-numbered ones,
    with dependencies skewed towards the shared core (everyone uses the event bus), and 1 %
    back edges to a nearby service so that cycles exist, as they do between neighbouring
    services, without fusing the whole org into one cycle. Changing a core service reaches
    most of the org; changing an edge service reaches a few."""
    rng = random.Random(seed)
    teams = [f"team-{i}" for i in range(max(1, n_services // 50))]
    deps: dict[int, set[int]] = {i: set() for i in range(n_services)}
    made = 0
    while made < n_edges:
        a = rng.randrange(1, n_services)
        if rng.random() < 0.01:
            b = min(n_services - 1, a + rng.randrange(1, 50))  # back edge: a local cycle
        else:
            b = int(a * rng.random() ** 3)  # a lower-numbered service, skewed to the core
        if a != b and b not in deps[a]:
            deps[a].add(b)
            made += 1
    lines = ["version: 1", "teams:"]
    lines += [f"  {t}: {{members: [{t}-lead]}}" for t in teams]
    lines.append("services:")
    for i in range(n_services):
        lines.append(f"  svc-{i}:")
        lines.append(f"    owner: {teams[i % len(teams)]}")
        lines.append(f"    tier: {min(3, i // max(1, n_services // 4))}")
        lines.append(f'    paths: ["services/svc_{i}/**"]')
        if deps[i]:
            lines.append("    depends_on: [" + ", ".join(f"svc-{j}" for j in sorted(deps[i])) + "]")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks graph")
    ap.add_argument("--services", type=int, default=10_000)
    ap.add_argument("--edges", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args(argv)

    from guardrails.catalog.load import load_catalog
    from guardrails.graph import DependencyGraph
    from guardrails.impact import Touch, blast_radius

    text = generate(args.services, args.edges)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "guardrails.yaml").write_text(text)
        snapshot = _FileSnapshot(root)
        t0 = time.perf_counter()
        catalog = load_catalog(snapshot)
        t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = DependencyGraph.build(catalog)
    t_build = time.perf_counter() - t0

    from guardrails.catalog.paths import ServicePathIndex

    files = [f"services/svc_{i % args.services}/pkg/mod_{i}.py" for i in range(args.services * 10)]
    t0 = time.perf_counter()
    ServicePathIndex(catalog).map_paths(files)
    t_map = time.perf_counter() - t0

    rng = random.Random(11)
    names = sorted(catalog.services)
    times, sizes = [], []
    for _ in range(args.queries):
        node = f"service:{rng.choice(names)}"
        t0 = time.perf_counter()
        impact = blast_radius(graph, Touch({node: ("f.py",)}))
        times.append(time.perf_counter() - t0)
        sizes.append(len(impact.affected))
    times.sort()
    worst = []
    for _ in range(20):  # the core service: nearly the whole org is in its radius
        t0 = time.perf_counter()
        core = blast_radius(graph, Touch({"service:svc-0": ("f.py",)}))
        worst.append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    edges = sum(1 for _ in graph.edges(ownership=False))
    print(
        f"catalog: {len(catalog.services):,} services, {edges:,} dependency edges, "
        f"{len(text) / 1e6:.1f} MB of YAML"
    )
    print(f"load (parse + validate guardrails.yaml): {t_load:8.3f} s   target < 2 s")
    print(f"build (graph + adjacency indexes):       {t_build:8.3f} s")
    print(f"map {len(files):,} files to services:     {t_map:8.3f} s")
    print(f"blast radius, {args.queries} single-service changes:")
    print(f"  median {statistics.median(times) * 1e3:7.2f} ms   target < 50 ms")
    print(f"  p95    {times[int(len(times) * 0.95) - 1] * 1e3:7.2f} ms")
    print(f"  max    {times[-1] * 1e3:7.2f} ms")
    print(f"  radius median {statistics.median(sizes):,.0f} nodes, max {max(sizes):,}")
    print(
        f"worst case, the core service ({len(core.affected):,} affected nodes): "
        f"median {statistics.median(worst) * 1e3:.1f} ms of 20"
    )
    print(f"peak RSS: {peak:,.0f} MiB")
    return 0


class _FileSnapshot:
    """The directory as a Snapshot (the benchmark measures loading, not git)."""

    label = "worktree"

    def __init__(self, root: Path) -> None:
        self.root = root

    def paths(self) -> list[str]:
        return sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()
        )

    def read(self, path: str) -> bytes | None:
        p = self.root / path
        return p.read_bytes() if p.is_file() else None

    def read_many(self, paths: list[str]) -> dict[str, bytes]:
        return {p: d for p in paths if (d := self.read(p)) is not None}

    def blob_id(self, path: str) -> str | None:
        return None


if __name__ == "__main__":
    sys.exit(main())
