"""How the console script leaves: at once (``os._exit``, no interpreter shutdown) once its
output is flushed, unless something waits for the shutdown: a profiler writing its data,
an atexit callback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _repo(repo: GitRepo) -> GitRepo:
    repo.write({"a/__init__.py": "", "a/m.py": "import b\n", "b/__init__.py": ""})
    repo.commit("init")
    return repo


def test_the_output_is_whole_and_the_code_is_kept(repo: GitRepo) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "guardrails", "graph", "--format", "json"],
        cwd=_repo(repo).root,
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["schema"] == "guardrails.graph/v1"
    bad = subprocess.run(
        [sys.executable, "-m", "guardrails", "graph", "--focus", "service:nope"],
        cwd=repo.root,
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "unknown node" in bad.stderr


def test_a_profiler_still_writes_its_data(repo: GitRepo, tmp_path: Path) -> None:
    profile = tmp_path / "graph.prof"
    out = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "guardrails", "graph"],
        cwd=_repo(repo).root,
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    import pstats

    assert pstats.Stats(str(profile)).total_calls > 0


def test_an_atexit_callback_still_runs(repo: GitRepo) -> None:
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('callback ran', file=sys.stderr))\n"
        "sys.argv = ['guardrails', 'graph']\n"
        "from guardrails.cli import main\n"
        "main()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=_repo(repo).root, env=ENV, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr.splitlines()[-1] == "callback ran"
    assert out.stdout.startswith("Graph:")


def test_a_lost_stdout_keeps_the_code_on_either_way_out(repo: GitRepo) -> None:
    """`> /dev/full`: the report cannot be written, which is an error (exit 2), whether the
    script leaves at once or through the interpreter (an atexit callback waits for it),
    whose own final flush would fail again and exit 120."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    _repo(repo)
    plain = (
        "import sys\nsys.argv = ['guardrails', 'graph']\nfrom guardrails.cli import main\nmain()\n"
    )
    waited = "import atexit\natexit.register(lambda: None)\n" + plain
    codes = []
    for code in (plain, waited):
        with open("/dev/full", "w") as full:
            out = subprocess.run(
                [sys.executable, "-c", code],
                cwd=repo.root,
                env=ENV,
                stdout=full,
                stderr=subprocess.PIPE,
            )
        codes.append(out.returncode)
    assert codes == [2, 2]
