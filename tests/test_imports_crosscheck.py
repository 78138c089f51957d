"""Cross-check: on generated multi-package repositories whose imports are known by
construction, the import graph finds exactly the service dependencies that were written —
with services declared, and zero-config (services inferred)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from benchmarks.gen_monorepo import Generated, generate
from guardrails.catalog.infer import infer_services
from guardrails.catalog.model import Catalog, Service
from guardrails.git import Repo
from guardrails.imports import ImportGraph, build_import_graph
from tests.gitrepo import GitRepo

SEEDS = [1, 2, 3, 4]


def _repo(tmp_path: Path, seed: int) -> tuple[Generated, Repo]:
    root = tmp_path / f"mono{seed}"
    gen = generate(
        root, files=120, services=12, seed=seed, fanout=2, cycles=2, cycle_length=5, lines=(2, 12)
    )
    git = GitRepo.create(root)
    git.commit("generated")
    return gen, Repo.open(root)


def _graph(gen: Generated, repo: Repo, services: dict[str, Service]) -> ImportGraph:
    catalog = Catalog(services=services)
    return build_import_graph(
        repo.snapshot("HEAD"),
        catalog,
        cache_dir=repo.git_dir / "guardrails",
        service_of=gen.service_of,
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_declared_services_get_exactly_the_written_dependencies(tmp_path: Path, seed: int) -> None:
    gen, repo = _repo(tmp_path, seed)
    services = {n: Service(n, paths=(f"{d}/**",)) for n, d in gen.services.items()}
    graph = _graph(gen, repo, services)
    assert graph.problems == ()
    assert set(graph.service_edges()) == gen.runtime_edges
    assert set(graph.service_edges(include_type_only=True, include_weak=True)) == (
        gen.runtime_edges | gen.type_only_edges
    )
    assert set(graph.service_edges(include_type_only=False, include_weak=False)) == gen.strong_edges
    # the generator wrote dependency rings: the graph keeps them (no DAG assumption)
    cycles = nx.strongly_connected_components(nx.DiGraph(list(graph.service_edges())))
    assert any(len(c) > 1 for c in cycles)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_zero_config_inference_finds_the_same_services_and_edges(tmp_path: Path, seed: int) -> None:
    gen, repo = _repo(tmp_path, seed)
    inferred = infer_services(repo.snapshot("HEAD"))
    assert {s.name: s.paths for s in inferred} == {n: (f"{d}/**",) for n, d in gen.services.items()}
    graph = _graph(gen, repo, {s.name: s for s in inferred})
    assert set(graph.service_edges()) == gen.runtime_edges
