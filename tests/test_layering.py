"""The house rules of DESIGN §2, enforced on the package's own source.

The core (changes, catalog, graph, impact, rules, semantic, …) never imports the CLI or the
reporters, only ``git.py`` runs git (so only it may import ``subprocess``), and what every
invocation loads first stays light: the pre-commit hook pays for it on every commit.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import guardrails

PACKAGE = Path(guardrails.__file__).parent
HEAVY = ("networkx", "libcst", "yaml", "pathspec")
# Imported by every run (`guardrails …` and `python -m guardrails`) before any command starts.
ENTRY_MODULES = ("guardrails/__init__.py", "guardrails/cli.py", "guardrails/errors.py")


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name: "guardrails.report.text", "subprocess"
    line: int
    module_level: bool  # runs when the importing module is imported (not deferred, not typing)

    def within(self, package: str) -> bool:
        return self.module == package or self.module.startswith(package + ".")


@dataclass(frozen=True)
class Module:
    path: str  # "guardrails/rules/base.py"
    name: str  # "guardrails.rules.base"
    is_package: bool
    imports: tuple[Import, ...]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """Every import in a module, each marked with whether it runs at import time."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self.found: list[Import] = []
        self._deferred = 0  # inside a function body or an `if TYPE_CHECKING:` block

    def _add(self, name: str, node: ast.AST) -> None:
        self.found.append(Import(name, getattr(node, "lineno", 0), self._deferred == 0))

    def _defer(self, nodes: list[ast.stmt] | list[ast.expr] | ast.expr) -> None:
        self._deferred += 1
        for n in nodes if isinstance(nodes, list) else [nodes]:
            self.visit(n)
        self._deferred -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for d in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if d is not None:
                self.visit(d)
        self._defer(node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._defer(node.body)

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self._defer(node.body)
            for n in node.orelse:
                self.visit(n)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            here = self.module.name.split(".")
            if not self.module.is_package:
                here = here[:-1]
            here = here[: len(here) - (node.level - 1)]
            base = ".".join([*here, base] if base else here)
        self._add(base, node)
        for alias in node.names:  # `from guardrails import cli` imports guardrails.cli
            if alias.name != "*":
                self._add(f"{base}.{alias.name}", node)

    def visit_Call(self, node: ast.Call) -> None:
        # importlib.import_module("subprocess") / __import__("subprocess") are imports too.
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if (
            name in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            self._add(node.args[0].value, node)
        self.generic_visit(node)


def _modules() -> list[Module]:
    out = []
    for file in sorted(PACKAGE.rglob("*.py")):
        rel = file.relative_to(PACKAGE.parent)
        parts = list(rel.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        bare = Module(rel.as_posix(), ".".join(parts), is_package, ())
        visitor = _Imports(bare)
        visitor.visit(ast.parse(file.read_text(encoding="utf-8"), filename=str(file)))
        out.append(Module(bare.path, bare.name, is_package, tuple(visitor.found)))
    return out


MODULES = _modules()


def _offences(
    modules: list[Module], bad: tuple[str, ...], *, module_level_only: bool = False
) -> Iterator[str]:
    for m in modules:
        hits: dict[int, str] = {}  # line -> the shortest offending name on it
        for imp in m.imports:
            deferred_is_fine = module_level_only and not imp.module_level
            if deferred_is_fine or not any(imp.within(b) for b in bad):
                continue
            if imp.line not in hits or len(imp.module) < len(hits[imp.line]):
                hits[imp.line] = imp.module
        for line, name in hits.items():
            yield f"{m.path}:{line} imports {name}"


def _is_edge(m: Module) -> bool:
    # The CLI and its commands; __main__ is `python -m guardrails`, a one-line entry to cli;
    # mcp/ is the other entry point (the MCP server agents launch), at the same layer.
    return m.path in ("guardrails/cli.py", "guardrails/__main__.py") or m.path.startswith(
        ("guardrails/commands/", "guardrails/mcp/")
    )


def _is_core(m: Module) -> bool:
    return not _is_edge(m) and not m.path.startswith("guardrails/report/")


def _assert_none(offences: Iterator[str], rule: str) -> None:
    found = sorted(offences)
    assert not found, f"{rule}:\n  " + "\n  ".join(found)


def test_the_walk_sees_the_whole_package() -> None:
    # A test that silently parses nothing cannot fail: pin the modules the rules are about.
    paths = {m.path for m in MODULES}
    assert {"guardrails/cli.py", "guardrails/git.py", "guardrails/errors.py"} <= paths
    assert any(p.startswith("guardrails/commands/") for p in paths)
    assert any(p.startswith("guardrails/report/") for p in paths)
    git = next(m for m in MODULES if m.path == "guardrails/git.py")
    assert any(i.module == "subprocess" and i.module_level for i in git.imports)


def test_only_the_cli_imports_the_cli_and_its_commands() -> None:
    _assert_none(
        _offences(
            [m for m in MODULES if not _is_edge(m)], ("guardrails.cli", "guardrails.commands")
        ),
        "only guardrails/cli.py and guardrails/commands/ may import the CLI layer",
    )


def test_the_core_never_imports_the_reporters() -> None:
    _assert_none(
        _offences([m for m in MODULES if _is_core(m)], ("guardrails.report",)),
        "the core never imports guardrails.report (reporters only read the result)",
    )


def test_only_git_py_runs_processes() -> None:
    _assert_none(
        _offences([m for m in MODULES if m.path != "guardrails/git.py"], ("subprocess",)),
        "only guardrails/git.py may import subprocess (only git.py runs git)",
    )


@pytest.mark.parametrize("path", ENTRY_MODULES)
def test_entry_modules_import_nothing_heavy_at_module_level(path: str) -> None:
    modules = [m for m in MODULES if m.path == path]
    assert modules, f"{path} not found"
    _assert_none(
        _offences(modules, HEAVY, module_level_only=True),
        f"{path} runs on every invocation: import {'/'.join(HEAVY)} inside the function "
        "that needs them",
    )


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


@pytest.mark.parametrize("module", ["guardrails", "guardrails.cli", "guardrails.errors"])
def test_entry_modules_load_nothing_heavy_even_indirectly(module: str, tmp_path: Path) -> None:
    loaded = _loaded_after(f"import {module}", tmp_path)
    assert module in loaded
    heavy = sorted({m.split(".")[0] for m in loaded} & set(HEAVY))
    assert not heavy, f"import {module} loads {', '.join(heavy)}"


def test_loading_every_rule_does_not_load_libcst(tmp_path: Path) -> None:
    # `check --staged` runs on every commit and loads every rule; libcst alone costs
    # 200-350 ms, so it is loaded only when a changed Python segment is really parsed.
    code = (
        "import guardrails.rules.registry as r\n"
        "rules = r.all_rules()\n"
        "assert rules, 'no rules loaded'"
    )
    loaded = _loaded_after(code, tmp_path)
    assert "guardrails.rules.base" in loaded and "guardrails.semantic.python" in loaded
    # Name the loaded modules that import libcst (or the extractor built on it) on import.
    importers = sorted(
        _offences(
            [m for m in MODULES if m.name in loaded],
            ("libcst", "guardrails.semantic._cst"),
            module_level_only=True,
        )
    )
    libcst_loaded = "libcst" in loaded
    assert not libcst_loaded, "loading the rules loads libcst: " + (
        "; ".join(importers) or "through a third-party module"
    )


def test_libcst_is_loaded_once_python_is_really_parsed(tmp_path: Path) -> None:
    # The other half of the contract: the deferred import still happens when it is needed.
    code = (
        "from guardrails.changes import FileChange, LineRange\n"
        "from guardrails.semantic.python import diff_python\n"
        "assert 'libcst' not in sys.modules\n"
        "change = FileChange('M', 'm.py', 'm.py', added_lines=(LineRange(1, 1),),\n"
        "                    old_data=b'x = 1\\n', new_data=b'x = 2\\n')\n"
        "diff = diff_python(change)\n"
        "assert [c.kind for c in diff.changes] == ['modified'], diff"
    )
    assert "libcst" in _loaded_after(code, tmp_path)
