"""The house rules, enforced on the package's own source.

The layering itself (stages in pipeline order: the core never imports the CLI, the commands
or the reporters; only ``git/run.py`` runs programs and nothing starts a process pool)
is an import-linter contract in ``pyproject.toml``, run by ``make lint`` and by the test
below. What stays here is what import-linter cannot see: only ``forkpool.py`` forks, and what
every invocation *loads* first stays light, since the pre-commit hook pays for it on every
commit.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import guardrails
from tests.cli_run import run_listing_modules
from tests.gitrepo import GitRepo

PACKAGE = Path(guardrails.__file__).parent
HEAVY = ("networkx", "libcst", "yaml", "pathspec")


def test_the_import_linter_contract_holds() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint_imports is None:
        pytest.skip("import-linter is not installed (`make lint` installs the dev extra)")
    out = subprocess.run(
        [lint_imports, "--no-cache"],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_only_the_fork_pool_forks() -> None:
    """A fork copies one thread and every open pipe: forkpool.py checks for other threads,
    reaps its children and keeps them from flushing this process's buffers."""
    import re

    # A call of fork or forkpty however it is reached (os.fork, posix.fork, a bare name from
    # `from os import fork`), or an import of either by name.
    fork = re.compile(r"\bfork(?:pty)?\s*\(|\bimport\s+(?:.*,\s*)?fork(?:pty)?\b")
    forking = sorted(
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if fork.search(p.read_text(encoding="utf-8"))
    )
    assert forking == ["forkpool.py"]


def _loaded_after(code: str, tmp_path: Path) -> list[str]:
    # A fresh interpreter (ours has imported everything already), outside the repository.
    out = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, f"{code}\n---\n{out.stderr}"
    return out.stdout.split()


def test_only_the_console_script_tunes_the_garbage_collector(tmp_path: Path) -> None:
    # Importing guardrails (a library user, the tests) leaves the collector alone; a run of
    # the console script freezes what its imports made and collects less often.
    code = (
        "import atexit, gc, sys\n"
        "before = (gc.get_threshold(), gc.get_freeze_count())\n"
        "import guardrails.cli\n"
        "assert (gc.get_threshold(), gc.get_freeze_count()) == before\n"
        "atexit.register(lambda: print(gc.get_threshold() == (50_000, *before[0][1:]),"
        " gc.get_freeze_count() > 1000))\n"
        "sys.argv = ['guardrails', '--version']\n"
        "guardrails.cli.main()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "True True"


@pytest.mark.parametrize("module", ["guardrails", "guardrails.cli", "guardrails.errors"])
def test_entry_modules_load_nothing_heavy_even_indirectly(module: str, tmp_path: Path) -> None:
    loaded = _loaded_after(f"import {module}", tmp_path)
    assert module in loaded
    heavy = sorted({m.split(".")[0] for m in loaded} & set(HEAVY))
    assert not heavy, f"import {module} loads {', '.join(heavy)}"


def test_loading_every_rule_does_not_load_libcst_or_yaml(tmp_path: Path) -> None:
    # `check --staged` runs on every commit and loads every rule; libcst alone costs
    # 200-350 ms, so it is loaded only when a changed Python segment is really parsed, and
    # PyYAML (~12 ms) only when a rollout, flag or config file is.
    code = (
        "import guardrails.rules.registry as r\n"
        "rules = r.all_rules()\n"
        "assert rules, 'no rules loaded'"
    )
    loaded = _loaded_after(code, tmp_path)
    assert "guardrails.rules.safety_shell" in loaded and "guardrails.semantic.kinds" in loaded
    assert "libcst" not in loaded, "loading the rules loads libcst: " + ", ".join(
        m for m in loaded if m.startswith("guardrails.semantic")
    )
    # Nor the semantic diff: its record types cost ~15 ms to create, for a change to a Python
    # file only (the rule modules import them for annotations alone).
    semantic = sorted(
        m for m in loaded if m.startswith("guardrails.semantic") or m == "guardrails.cache.diffs"
    )
    assert semantic == [
        "guardrails.semantic",
        "guardrails.semantic.kinds",
        "guardrails.semantic.python_files",
    ], semantic
    assert "yaml" not in loaded, "loading the rules loads yaml: " + ", ".join(
        m for m in loaded if m.startswith(("guardrails.semantic", "guardrails.catalog"))
    )


def test_libcst_is_loaded_once_python_is_really_parsed(tmp_path: Path) -> None:
    # The other half of the contract: ordinary code is read by the stdlib parser alone, and
    # the deferred import still happens when a segment needs libcst (syntax newer than the
    # running Python that ast cannot read even with 3.12 type parameters blanked: a `**P`
    # before another parameter is no function's parameter list, see _type_params).
    code = (
        "from guardrails.changes import FileChange, LineRange\n"
        "from guardrails.semantic.python import diff_python\n"
        "assert 'libcst' not in sys.modules\n"
        "change = FileChange('M', 'm.py', 'm.py', added_lines=(LineRange(1, 1),),\n"
        "                    old_data=b'x = 1\\n', new_data=b'x = 2\\n')\n"
        "diff = diff_python(change)\n"
        "assert [c.kind for c in diff.changes] == ['modified'], diff\n"
        "assert 'libcst' not in sys.modules\n"
        "change = FileChange('M', 'm.py', 'm.py', added_lines=(LineRange(1, 2),),\n"
        "                    old_data=b'def f(x): pass\\n',\n"
        "                    new_data=b'def f[**P, T](x: T, y: int) -> T:\\n    return x\\n')\n"
        "diff = diff_python(change)\n"
        "assert [c.kind for c in diff.changes] == ['modified'], diff"
    )
    if sys.version_info >= (3, 12):
        pytest.skip("type parameters are ordinary syntax here")
    assert "libcst" in _loaded_after(code, tmp_path)


# What the pre-commit hook must not load when the commit changes no Python file: the
# semantic diff (its record types, its cache, the parsers) and what only reads it (the secret
# patterns), the config and pack loaders with PyYAML, which a warm cache makes unnecessary,
# and pathspec (acme's `deploy/**/rollout.yaml` cannot match README.md: no regex is needed
# to say so), and pickle (only the fork pool sends anything pickled). Each costs start-up
# time on every commit.
NOT_FOR_PROSE = (
    "guardrails.semantic.facts",
    "guardrails.semantic.python",
    "guardrails.cache.diffs",
    "guardrails.imports.build",
    "guardrails.catalog.load",
    "guardrails.policy.load",
    "guardrails.rules._secrets",
    "yaml",
    "libcst",
    "pathspec",
    "pickle",
)


def _hook_run(repo: GitRepo, loaded: Path, *args: str) -> tuple[int, dict[str, object]]:
    """`guardrails ARGS` (default: `check --staged --format json`, as the hook runs it) in a
    fresh interpreter that writes the modules it ended with to ``loaded``."""
    out, _ = run_listing_modules(
        repo.root, loaded, *(args or ("check", "--staged", "--format", "json"))
    )
    assert out.returncode in (0, 1), out.stderr
    return out.returncode, json.loads(out.stdout)


@pytest.mark.slow
def test_the_hook_on_a_change_without_python_loads_no_python_analysis(
    repo: GitRepo, tmp_path: Path
) -> None:
    shutil.copytree(PACKAGE.parent / "graph" / "examples" / "acme", repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    loaded = tmp_path / "modules.txt"
    # The first run fills the cache (it reads guardrails.yaml with PyYAML); the second is the
    # hook on the next commit, which finds catalog, claims and packs remembered.
    repo.write({"README.md": "# acme\n\nfirst edit\n"})
    repo.git("add", "README.md")
    assert _hook_run(repo, loaded)[0] == 0
    assert "yaml" in loaded.read_text().split(), "the first run did not read the config"
    repo.write({"README.md": "# acme\n\nsecond edit\n"})
    repo.git("add", "README.md")
    code, doc = _hook_run(repo, loaded)
    assert code == 0 and doc["decision"] == "pass", doc
    assert [f["path"] for f in doc["impact"]["files"]] == ["README.md"]  # type: ignore[index]
    modules = set(loaded.read_text().split())
    assert "guardrails.rules.safety_shell" in modules  # every rule ran
    assert (
        sorted(m for m in modules if m in NOT_FOR_PROSE or m.split(".")[0] in NOT_FOR_PROSE) == []
    )


@pytest.mark.slow
def test_graph_loads_no_change_records(repo: GitRepo, tmp_path: Path) -> None:
    # `graph` draws the working tree: no change, so neither the blast radius (its records,
    # `affected`'s command module) nor anything of the semantic diff. A first run: nothing
    # is remembered, so the world is loaded.
    shutil.copytree(PACKAGE.parent / "graph" / "examples" / "acme", repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    loaded = tmp_path / "modules.txt"
    code, doc = _hook_run(repo, loaded, "graph", "--format", "json")
    assert code == 0 and "service:event-bus" in {n["id"] for n in doc["nodes"]}  # type: ignore[attr-defined]
    modules = set(loaded.read_text().split())
    assert "guardrails.engine" in modules
    unwanted = ("guardrails.impact", "guardrails.commands.affected", "guardrails.semantic.facts")
    assert sorted(modules.intersection(unwanted)) == []
