"""`guardrails check`: the gate. Exit 0 pass/warn, 1 blocked, 2 error (fail closed).

Options -> :func:`guardrails.app.check.run_check` -> reporters -> exit code. Several
``--format F --output FILE`` pairs make several reports from one run; when every format goes
to a file, the text verdict still goes to the terminal.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from guardrails.app.check import CheckOptions, PolicyFrom, run_check
from guardrails.cache import open_repo
from guardrails.commands.output import emit
from guardrails.engine import Selector
from guardrails.errors import EXIT_BLOCKED, EXIT_OK, GuardrailsError

if TYPE_CHECKING:
    from guardrails.report.registry import RuleMeta


def _reports(pairs: Sequence[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """The reports to write, as (format, file or None for stdout) in command-line order."""
    pairs = list(pairs) or [("text", None)]
    if sum(1 for _, out in pairs if out is None) > 1:
        raise GuardrailsError(
            "only one report can go to stdout",
            fix="pair each --format with an --output FILE (one may be left to stdout)",
        )
    if all(out is not None for _, out in pairs):
        pairs.append(("text", None))  # the verdict is always shown to whoever ran the gate
    return pairs


def main(
    *,
    staged: bool = False,
    base: str | None = None,
    head: str | None = None,
    patch: IO[bytes] | None = None,
    config: str | None = None,
    repo: str = ".",
    reports: Sequence[tuple[str, str | None]] = (),
    strict: bool = False,
    author_kind: str | None = None,
    approvals: Sequence[str] = (),
    policy_from: PolicyFrom | None = None,
    enforce_approvals: bool | None = None,
) -> int:
    selector = Selector.from_options(
        staged=staged,
        base=base,
        head=head,
        allow_paths=False,
        patch=patch.read() if patch is not None else None,
    )
    targets = _reports(reports)
    options = CheckOptions(
        strict=strict,
        author_kind=author_kind,
        config_path=config,
        approvals=tuple((name, _read(name)) for name in approvals),
        policy_from=policy_from,
        enforce_approvals=enforce_approvals,
        # --staged: the commit being made is dated now (the core never reads the clock).
        today=datetime.datetime.now(datetime.UTC).date().isoformat(),
    )
    verdict = run_check(open_repo(repo), selector, options, dict(os.environ))
    from guardrails.report.registry import LazyRuleMeta, render

    doc = verdict.as_dict()
    meta = LazyRuleMeta(rule_meta)
    for name, target in targets:
        emit(render(name, doc, meta), target)
    if any(name == "github" for name, _ in targets):
        # GitHub's job summary: the documented $GITHUB_STEP_SUMMARY file, appended to.
        from guardrails.report.github import append_step_summary

        append_step_summary(doc, meta, os.environ)
    return EXIT_BLOCKED if verdict.blocked else EXIT_OK


def rule_meta() -> list[RuleMeta]:
    from guardrails.app.meta import rule_summaries
    from guardrails.report.registry import RuleMeta

    return [RuleMeta(*row) for row in rule_summaries()]


def _read(name: str) -> bytes:
    try:
        with open(name, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise GuardrailsError(
            f"--approvals: cannot read {name}: {exc.strerror or exc}",
            fix="pass the reviews JSON your CI fetched (GitHub, GitLab, or the simple list)",
        ) from exc
