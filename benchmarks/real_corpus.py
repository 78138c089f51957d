"""Build the real corpus: pinned PyPI sdists unpacked into git repositories with change ranges.

Nothing here is committed: sdists and repositories live under ``benchmarks/.work/real/``
(gitignored), are downloaded once with ``pip download`` and rebuilt only when missing.
Everything generated from them is a pure function of the sdist's files, so two machines get
the same repository, the same ``guardrails.yaml``, the same CODEOWNERS and the same commits
(fixed author, committer and dates).

Branches of each repository (every one a single commit on top of ``main``):

- ``main``: the sdist's files, a generated ``guardrails.yaml`` (about 100 services with two
  path patterns each, partitioning the package's directories) and a ~150-line CODEOWNERS;
- ``touch10``: 10 Python files each gain a small function and lose a line of a docstring;
- ``reformat``: ~400 Python files with their single-quoted strings rewritten to double
  quotes, token by token (what a formatter does: no behaviour changes);
- ``removed``: one public top-level function that another module imports is deleted.
"""

from __future__ import annotations

import ast
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# GUARDRAILS_BENCH_WORK moves it (two runs side by side must not share a repository).
WORK = Path(
    os.environ.get("GUARDRAILS_BENCH_WORK") or Path(__file__).resolve().parent / ".work" / "real"
)
BUILD_VERSION = "4"  # bump when the generated repository changes


@dataclass(frozen=True)
class Project:
    name: str  # short name: the repository directory
    requirement: str  # pinned, for `pip download`
    archive_prefix: str  # the sdist's file name up to the version
    source_root: str  # where the top package lives, relative to the repository
    package: str  # the top package grimp builds
    services: int = 100  # how many services to cut the package into


PROJECTS = {
    # A flat application package: 1,200 Python files, 40 AWS service providers.
    "localstack": Project(
        "localstack",
        "localstack-core==2026.3.0",
        "localstack_core-2026.3.0",
        "localstack-core",
        "localstack",
    ),
    # A different shape: a framework package plus a test tree as large as the package, and
    # many non-Python files (templates, translations): 10,000 files, 2,800 of them Python.
    "django": Project("django", "django==5.2.8", "django-5.2.8", "", "django"),
}

ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_AUTHOR_DATE": "@1700000000 +0000",
    "GIT_COMMITTER_DATE": "@1700000000 +0000",
}


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(ENV)
    return env


def git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", *args], cwd=repo, env=git_env(), check=True, capture_output=True, input=stdin
    ).stdout


def sdist(project: Project) -> Path:
    """The pinned sdist, downloaded once into the work dir."""
    where = WORK / "sdists"
    found = sorted(where.glob(f"{project.archive_prefix}.tar.gz")) if where.exists() else []
    if found:
        return found[0]
    where.mkdir(parents=True, exist_ok=True)
    print(f"downloading {project.requirement} (once) ...", file=sys.stderr)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            project.requirement,
            "-d",
            str(where),
        ],
        check=True,
    )
    found = sorted(where.glob(f"{project.archive_prefix}.tar.gz"))
    if not found:
        raise SystemExit(f"pip download gave no {project.archive_prefix}.tar.gz in {where}")
    return found[0]


def _unpack(archive: Path, dest: Path, prefix: str) -> None:
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            name = member.name
            if not name.startswith(prefix + "/") or not member.isfile():
                continue
            rel = name[len(prefix) + 1 :]
            if not rel or rel.startswith(".git/") or rel == ".git":
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(member)
            assert src is not None
            target.write_bytes(src.read())


def _partition(py_files: list[str], top: str, want: int) -> list[tuple[str, bool]]:
    """Cut the package into about ``want`` services: (directory, recursive) pairs.

    Start with the whole package and keep splitting the directory with the most Python
    files into its subdirectories (its own files become a non-recursive service), so each
    file belongs to exactly one service, as a real catalog requires.
    """
    counts: Counter[str] = Counter()
    for p in py_files:
        parts = p.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            counts["/".join(parts[:i])] += 1
    children: dict[str, set[str]] = {}
    direct: Counter[str] = Counter()
    for p in py_files:
        parts = p.split("/")[:-1]
        direct["/".join(parts)] += 1
        for i in range(1, len(parts)):
            children.setdefault("/".join(parts[:i]), set()).add("/".join(parts[: i + 1]))
    recursive = {top}
    flat: set[str] = set()
    while len(recursive) + len(flat) < want:
        splittable = [d for d in recursive if children.get(d)]
        if not splittable:
            break
        biggest = max(splittable, key=lambda d: (counts[d], d))
        recursive.remove(biggest)
        recursive.update(children[biggest])
        if direct[biggest]:
            flat.add(biggest)
    return sorted([(d, True) for d in recursive] + [(d, False) for d in flat])


def _service_name(directory: str, top: str) -> str:
    rel = directory[len(top) :].strip("/") if directory.startswith(top) else directory
    name = (rel or "root").replace("/", "-").replace("_", "-").lower()
    return name


def generate_catalog(files: list[str], project: Project) -> tuple[str, str]:
    """``guardrails.yaml`` and ``CODEOWNERS`` text for the repository's files."""
    top = f"{project.source_root}/{project.package}".strip("/")
    py = [f for f in files if f.endswith(".py") and f.startswith(top + "/")]
    parts = _partition(py, top, project.services)
    teams = [f"team-{i:02d}" for i in range(20)]
    yaml = [
        "# Generated by benchmarks/real_corpus.py from the sdist's directory tree.",
        "version: 1",
        "teams:",
    ]
    yaml += [
        f"  {t}: {{members: ['{t} <{t}@example.com>'], handles: ['@corp/{t}']}}" for t in teams
    ]
    yaml.append("services:")
    codeowners = [
        "# Generated by benchmarks/real_corpus.py: later lines win, as in GitHub's CODEOWNERS.",
        "* @corp/team-00",
        "*.md @corp/docs-writers",
        "*.rst @corp/docs-writers",
        "*.json @corp/team-01",
        "*.yml @corp/team-02",
        "*.yaml @corp/team-02",
        "/docs/ @corp/docs-writers",
        "/scripts/ @corp/team-03 @release-manager",
        "/bin/ @corp/team-03",
        "/tests/ @corp/team-04",
        "**/migrations/ @corp/team-05 @dba-oncall",
        "**/templates/**/*.html @corp/team-06",
        "**/locale/**/*.po @corp/translators",
    ]
    used: set[str] = set()
    for i, (directory, rec) in enumerate(parts):
        name = _service_name(directory, top) + ("" if rec else "-core")
        while name in used:
            name += "-x"
        used.add(name)
        team = teams[i % len(teams)]
        pats = (
            [f"{directory}/**", f"{directory}/**/*.pyi"]
            if rec
            else [
                f"{directory}/*.py",
                f"{directory}/*.pyi",
            ]
        )
        owner = "" if i % 5 == 4 else f"owner: {team}, "  # every 5th from CODEOWNERS
        tier = f"tier: {i % 3}, " if i % 7 == 0 else ""
        yaml.append(f"  {name}: {{{owner}{tier}paths: [{', '.join(repr(p) for p in pats)}]}}")
        codeowners.append(f"/{directory}/ @corp/{team}")
    roots = f", roots: ['{project.source_root}']" if project.source_root else ""
    yaml += ["ownership: {codeowners: true}", f"inference: {{python_imports: true{roots}}}"]
    # Deeper directories get a second owner, as real CODEOWNERS files do for hot spots.
    subdirs = sorted({"/".join(p.split("/")[:-1]) for p in py} - {d for d, _ in parts})
    step = max(1, len(subdirs) // max(1, 150 - len(codeowners)))
    for j, d in enumerate(subdirs[::step]):
        if len(codeowners) >= 150:
            break
        codeowners.append(f"/{d}/ @corp/{teams[(j * 7) % len(teams)]} @corp/{teams[j % 20]}")
    return "\n".join(yaml) + "\n", "\n".join(codeowners) + "\n"


def _requoted(source: bytes, old: str = "'", new: str = '"') -> bytes | None:
    """Strings quoted with ``old`` rewritten with ``new`` (when that needs no escaping).

    A formatter's quote normalisation: every touched line changes, no behaviour does.
    """
    try:
        text = source.decode("utf-8")
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (UnicodeDecodeError, tokenize.TokenError, SyntaxError):
        return None
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []
    for tok in tokens:
        if tok.type != tokenize.STRING or tok.start[0] != tok.end[0]:
            continue
        s = tok.string
        prefix_len = len(s) - len(s.lstrip("rbuRBUfF"))
        prefix, body = s[:prefix_len], s[prefix_len:]
        if body.startswith(old * 3) or not body.startswith(old) or new in body or "\\" in body:
            continue
        edits.append((tok.start[0], tok.start[1], tok.end[1], f"{prefix}{new}{body[1:-1]}{new}"))
    if not edits:
        return None
    for row, start, end, new in reversed(edits):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[end:]
    out = "".join(lines).encode("utf-8")
    try:
        if ast.dump(ast.parse(out)) != ast.dump(ast.parse(source)):
            return None  # never a behaviour change
    except (SyntaxError, ValueError):
        return None
    return out


def _removable_function(repo: Path, py: list[str]) -> tuple[str, str, int, int] | None:
    """(path, name, first line, last line) of a public function another module imports."""
    imported: Counter[tuple[str, str]] = Counter()
    for p in py:
        try:
            tree = ast.parse((repo / p).read_bytes())
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    imported[(node.module, alias.name)] += 1
    for p in py:
        module = p.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        for root in ("localstack-core/",):
            if p.startswith(root):
                module = module[len(root) :].lstrip(".")
        try:
            tree = ast.parse((repo / p).read_bytes())
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.FunctionDef)
                and not node.name.startswith("_")
                and imported[(module, node.name)] >= 2
                and node.end_lineno is not None
            ):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                return p, node.name, first, node.end_lineno
    return None


@dataclass(frozen=True)
class Corpus:
    project: Project
    repo: Path
    py_files: int
    files: int
    services: int
    codeowners_lines: int
    touched: tuple[str, ...]  # the 10 files of touch10
    reformatted: tuple[str, ...]  # the files of reformat
    removed: str  # "path:name" of the removed function

    @property
    def grimp_root(self) -> Path:
        return self.repo / self.project.source_root if self.project.source_root else self.repo


def build(project: Project) -> Corpus:
    """The corpus repository, built once (kept until BUILD_VERSION or the sdist changes)."""
    repo = WORK / project.name
    stamp = repo / ".git" / "bench-corpus"
    archive = sdist(project)
    if not (stamp.exists() and stamp.read_text().split("\n")[0] == BUILD_VERSION):
        shutil.rmtree(repo, ignore_errors=True)
        repo.mkdir(parents=True)
        _unpack(archive, repo, project.archive_prefix)
        for ignore in repo.rglob(".gitignore"):
            ignore.unlink()  # commit every file the sdist ships
        files = sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file())
        config, codeowners = generate_catalog(files, project)
        (repo / "guardrails.yaml").write_text(config)
        (repo / "CODEOWNERS").write_text(codeowners)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"{project.requirement} from its sdist")
        py = sorted(
            f
            for f in git(repo, "ls-files").decode().splitlines()
            if f.endswith(".py") and f.startswith(project.source_root)
        )
        lines = [BUILD_VERSION]
        # touch10: every len/10-th module that has a docstring to shorten.
        candidates = [p for p in py if not p.endswith("__init__.py")]
        touched = [candidates[(i * len(candidates)) // 10 + 1] for i in range(10)]
        git(repo, "switch", "-q", "-c", "touch10")
        for i, p in enumerate(touched):
            path = repo / p
            path.write_bytes(
                path.read_bytes()
                + f"\n\ndef bench_probe_{i}(value: int) -> int:\n    return value + {i}\n".encode()
            )
        git(repo, "commit", "-q", "-am", "touch 10 files")
        lines.append("touched " + " ".join(touched))
        git(repo, "switch", "-q", "main")
        # reformat: the first 400 modules (sorted) whose quotes change.
        git(repo, "switch", "-q", "-c", "reformat")
        done = []
        for p in py:
            data = (repo / p).read_bytes()
            # Single quotes to double where the project uses single ones; a project that a
            # formatter already normalised (django) gets the opposite setting.
            new = _requoted(data) or _requoted(data, '"', "'")
            if new is not None:
                (repo / p).write_bytes(new)
                done.append(p)
                if len(done) == 400:
                    break
        git(repo, "commit", "-q", "-am", "reformat: normalise string quotes")
        lines.append("reformatted " + " ".join(done))
        git(repo, "switch", "-q", "main")
        # removed: a public function two modules import.
        git(repo, "switch", "-q", "-c", "removed")
        found = _removable_function(repo, py)
        if found is None:
            raise SystemExit(f"{project.name}: no imported public function to remove")
        path, name, first, last = found
        src = (repo / path).read_bytes().splitlines(keepends=True)
        (repo / path).write_bytes(b"".join(src[: first - 1] + src[last:]))
        git(repo, "commit", "-q", "-am", f"remove {name}")
        lines.append(f"removed {path}:{name}")
        git(repo, "switch", "-q", "main")
        git(repo, "gc", "-q")
        stamp.write_text("\n".join(lines) + "\n")
    meta = dict(line.split(" ", 1) for line in stamp.read_text().splitlines()[1:])
    files = git(repo, "ls-files").decode().splitlines()
    config = (repo / "guardrails.yaml").read_text()
    return Corpus(
        project,
        repo,
        py_files=sum(f.endswith(".py") for f in files),
        files=len(files),
        services=config.split("services:", 1)[1].count("paths:"),
        codeowners_lines=len((repo / "CODEOWNERS").read_text().splitlines()),
        touched=tuple(meta["touched"].split()),
        reformatted=tuple(meta["reformatted"].split()),
        removed=meta["removed"],
    )


if __name__ == "__main__":
    for p in PROJECTS.values():
        print(build(p))
