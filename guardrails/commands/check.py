"""`guardrails check`: the gate. Exit 0 pass/warn, 1 blocked, 2 error (fail closed)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING

from guardrails.commands.output import emit
from guardrails.engine import Analysis, Selector, analyze, open_repo
from guardrails.errors import EXIT_BLOCKED, EXIT_OK, Problem
from guardrails.findings import Finding
from guardrails.verdict import Verdict

if TYPE_CHECKING:
    from guardrails.authors import Authorship

CONFIG_INVALID = "guardrails.config-invalid"


def main(
    *,
    staged: bool = False,
    base: str | None = None,
    head: str | None = None,
    patch: IO[bytes] | None = None,
    config: str | None = None,
    repo: str = ".",
    fmt: str = "text",
    output: str | None = None,
    strict: bool = False,
    author_kind: str | None = None,
) -> int:
    selector = Selector.from_options(
        staged=staged,
        base=base,
        head=head,
        allow_paths=False,
        patch=patch.read() if patch is not None else None,
    )
    analysis = analyze(open_repo(repo), selector, config_path=config)
    verdict = Verdict.of(
        analysis.impact,
        findings(analysis),
        strict=strict,
        author=authorship(analysis, author_kind).as_dict(),
    )
    emit(render(verdict, fmt), output)
    return EXIT_BLOCKED if verdict.blocked else EXIT_OK


def authorship(analysis: Analysis, declared: str | None = None) -> Authorship:
    """DESIGN §7: --author-kind, then GUARDRAILS_AUTHOR_KIND, configured and known agent
    identities, trailers; CLAUDECODE-style shell markers only for --staged/--patch (the
    environment of the commit being made). These are the only variables read. Configured
    agent identities come from base and head alike: a change cannot delete its own."""
    from guardrails.authors import AGENT_ENV_MARKERS, classify

    env = {k: os.environ[k] for k in AGENT_ENV_MARKERS if k in os.environ}
    return classify(analysis.change.changes, analysis.guarded.agents, declared=declared, env=env)


def findings(analysis: Analysis) -> list[Finding]:
    from guardrails.rules.base import EdgeIndex, ImportIndex, NoImports, RuleContext
    from guardrails.rules.change_imports import ChangeImportIndex
    from guardrails.rules.run import run_rules

    head, base = analysis.head, analysis.base
    changes = analysis.change.changes

    def service_of(path: str) -> str | None:
        owners = head.filemap.services_of(path)
        if not owners and base is not None:  # a deleted file: its service in the base
            owners = base.filemap.services_of(path)
        return owners[0] if owners else None

    imports: ImportIndex = NoImports()
    if head.imports is not None:
        base_edges = base.imports.edges if base is not None and base.imports is not None else None
        imports = ChangeImportIndex(
            EdgeIndex(head.imports.edges),
            EdgeIndex(base_edges) if base_edges is not None else None,
            changes.paths,
        )
    ctx = RuleContext(
        changes=changes,
        catalog=analysis.guarded,
        service_of=service_of,
        imports=imports,
        source=head_source(analysis),
    )
    return [*run_rules(ctx), *config_invalid(analysis.config_problems, analysis.config_path)]


def head_source(analysis: Analysis) -> Callable[[str], str | None]:
    """Head text of a file, for rules that read which names an importer uses (issue 9)."""
    from guardrails.changes import decode, is_binary

    snapshot = analysis.head.snapshot

    def read(path: str) -> str | None:
        data = snapshot.read(path)
        return None if data is None or is_binary(data) else decode(data)

    return read


def config_invalid(problems: Sequence[Problem], config: str) -> list[Finding]:
    """DESIGN §10: in CI mode a head config that does not validate is a blocking finding.

    One finding per located problem; a failure with no location still blocks, at the config
    file, so an invalid head config can never pass.
    """
    located = [p for p in problems if p.severity == "error" and p.path]
    if not located and problems:
        located = [Problem(problems[0].message, path=config, fix=problems[0].fix)]
    return [
        Finding(
            rule=CONFIG_INVALID,
            severity="block",
            path=p.path or config,
            line=p.line,
            message=f"the change leaves the configuration invalid: {p.message}",
            fix=p.fix or "run `guardrails validate` on the branch and fix what it lists",
        )
        for p in located
    ]


def render(verdict: Verdict, fmt: str) -> str:
    if fmt == "json":
        from guardrails.report import json_out

        return json_out.dumps(verdict.as_dict())
    from guardrails.report import text

    return text.render_check(verdict)
