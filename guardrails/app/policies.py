"""`guardrails policies`: the packs in force for the working tree, and their fixture cases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from guardrails.errors import GuardrailsError

if TYPE_CHECKING:
    from guardrails.app.policy_cases import CaseResult
    from guardrails.git import Repo
    from guardrails.policy.model import Policy, PolicySet


def policies_in_force(repo: Repo, config_path: str | None = None) -> PolicySet:
    from guardrails.app.check import load_policy_set
    from guardrails.engine import load_catalog_for

    snapshot = repo.worktree()
    catalog = load_catalog_for(snapshot, config_path)
    return load_policy_set(catalog, snapshot.read)


def find_policy(policies: PolicySet, wanted: str) -> Policy:
    for p in policies.policies:
        if wanted in (p.id, p.qualified_id):
            return p
    from guardrails.catalog.yamltree import suggest

    hint = suggest(wanted, [p.id for p in policies.policies])
    raise GuardrailsError(
        f"no policy '{wanted}' in the packs in force",
        fix=f"did you mean '{hint}'?" if hint else "`guardrails policies list` shows them all",
    )


def describe_requirement(policy: Policy) -> str:
    """``1 human approval per team from affected-owners``, or "" with no requirement."""
    req = policy.require
    if req is None:
        return ""
    human = "human " if req.humans else ""
    plural = "s" if req.count != 1 else ""
    return f"{req.count} {human}approval{plural} per team from {', '.join(req.sources)}"


def builtin_cases() -> Path:
    from guardrails.policy.load import builtin_dir

    return builtin_dir() / "tests"


def test_cases(directory: str | None) -> Iterator[CaseResult]:
    from guardrails.app.policy_cases import find_cases, run_cases

    root = Path(directory) if directory else builtin_cases()
    cases = find_cases(root)
    if not cases:
        raise GuardrailsError(
            f"no cases under {root}", fix="a case is a directory with an expected.yaml"
        )
    return run_cases(cases)
