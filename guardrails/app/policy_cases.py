"""`guardrails policies test [DIR]`: fixture cases for packs, like `opa test` or `semgrep --test`.

A case is a directory:

    before/          the repository at the base (guardrails.yaml, packs, code); a missing
                     guardrails.yaml means zero-config
    after/           files the change adds or rewrites (on top of before/), or
    after.yaml       the same as data, ``{path: content}`` (``null`` deletes the file): the
                     code a case adds is usually what the gate flags, and kept as data it
                     is not flagged in the repository that holds the case
    case.yaml        optional: {author: "li <li@acme.dev>", trailers: [...], delete: [paths],
                     message: "..."}
    approvals.json   optional: any --approvals form; the commit "HEAD" stands for the head
    expected.yaml    {decision, findings: [{rule, path, severity, ...}], requirements:
                     [{id, satisfied, ...}]}; only the keys written are compared, and lists
                     compare as sorted lists

Each case becomes a real git repository in a temporary directory (base commit on ``main``,
the change on a branch) and is checked with :func:`guardrails.app.check.run_check`, exactly as
CI would check it.
"""

from __future__ import annotations

import difflib
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec
import yaml

from guardrails.changes import Person
from guardrails.errors import GuardrailsError

CASE_FILES = ("expected.yaml",)
BASE_DATE = "2026-11-02T09:00:00+00:00"
HEAD_DATE = "2026-11-03T14:30:00+00:00"
DEFAULT_AUTHOR = "Test Author <author@example.com>"


class CaseResult(msgspec.Struct, frozen=True):
    name: str
    ok: bool
    diff: str = ""  # unified diff of expected vs got (YAML), when it failed


def find_cases(root: Path) -> list[Path]:
    """Every directory under ``root`` (itself included) that holds an expected.yaml."""
    if not root.is_dir():
        raise GuardrailsError(
            f"{root} is not a directory", fix="pass a directory of cases (each with expected.yaml)"
        )
    return sorted(p.parent for p in root.rglob("expected.yaml"))


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise GuardrailsError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            path=str(path),
            line=mark.line + 1 if mark is not None else None,
            fix="fix the YAML",
        ) from None


def _person(text: str) -> Person:
    name, _, rest = text.partition("<")
    return Person(name.strip(), rest.rstrip(">").strip())


def run_case(case: Path, work: Path) -> CaseResult:
    from guardrails.app.check import CheckOptions, run_check
    from guardrails.engine import Selector
    from guardrails.git import Repo

    spec: Mapping[str, Any] = {}
    if (case / "case.yaml").is_file():
        spec = _yaml(case / "case.yaml") or {}
    expected = _yaml(case / "expected.yaml") or {}
    root = work / case.name
    before = case / "before"
    # shutil.copy, not copy2: a copied mtime could equal the base file's, and git would take
    # a same-sized edit for no change at all.
    if before.is_dir():
        shutil.copytree(before, root, copy_function=shutil.copy)
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "guardrails.yaml").exists() and not before.is_dir():
        (root / "guardrails.yaml").write_text("version: 1\n", encoding="utf-8")
    repo = Repo.create(root)
    (root / ".keep").touch()
    repo.commit_all("base", author=Person("Base", "base@example.com"), date=BASE_DATE)
    repo.switch_new_branch("change")
    if (case / "after").is_dir():
        shutil.copytree(case / "after", root, dirs_exist_ok=True, copy_function=shutil.copy)
    if (case / "after.yaml").is_file():
        for rel, content in (_yaml(case / "after.yaml") or {}).items():
            target = root / str(rel)
            if content is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(str(content), encoding="utf-8")
    for rel in spec.get("delete", ()):
        (root / rel).unlink()
    message = str(spec.get("message", "the change"))
    trailers = [str(t) for t in spec.get("trailers", ())]
    if trailers:
        message += "\n\n" + "\n".join(trailers)
    head = repo.commit_all(
        message, author=_person(str(spec.get("author", DEFAULT_AUTHOR))), date=HEAD_DATE
    )
    approvals: tuple[tuple[str, bytes], ...] = ()
    if (case / "approvals.json").is_file():
        text = (case / "approvals.json").read_text(encoding="utf-8").replace('"HEAD"', f'"{head}"')
        approvals = ((str(case / "approvals.json"), text.encode()),)
    verdict = run_check(repo, Selector(base="main"), CheckOptions(approvals=approvals), {})
    got = summary(verdict.as_dict(), expected)
    want = _normalise(expected)
    if got == want:
        return CaseResult(case.name, True)
    diff = difflib.unified_diff(
        _dump(want).splitlines(), _dump(got).splitlines(), "expected", "got", lineterm=""
    )
    return CaseResult(case.name, False, "\n".join(diff))


def _normalise(doc: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("decision", "findings", "requirements", "author"):
        if key not in doc:
            continue
        value = doc[key]
        if isinstance(value, list):
            value = sorted(value, key=lambda item: json.dumps(item, sort_keys=True))
        out[key] = value
    return out


def summary(doc: Mapping[str, Any], expected: Mapping[str, Any]) -> dict[str, Any]:
    """``doc`` cut down to what ``expected`` names (its keys, and its items' keys)."""
    out: dict[str, Any] = {}
    if "decision" in expected:
        out["decision"] = doc["decision"]
    if "author" in expected:
        out["author"] = doc["author"]["kind"]
    for key in ("findings", "requirements"):
        if key not in expected:
            continue
        keys = sorted({k for item in expected[key] or () for k in item}) or (
            ["rule", "path", "severity"] if key == "findings" else ["id", "satisfied"]
        )
        items = [
            {k: item.get(k) for k in keys}
            for item in doc[key]
            if key != "findings" or item.get("suppressed") is None
        ]
        out[key] = sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return out


def _dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=True, default_flow_style=False)


def run_cases(cases: Sequence[Path]) -> Iterator[CaseResult]:
    with tempfile.TemporaryDirectory(prefix="guardrails-policy-test-") as tmp:
        for case in cases:
            yield run_case(case, Path(tmp))
