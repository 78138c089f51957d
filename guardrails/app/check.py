"""`run_check`: a change in, a :class:`~guardrails.verdict.Verdict` out.

    analysis (change, catalogs, blast radius) -> authorship -> policy packs (from the base
    in --base mode) -> rules + suppressions -> approvals -> policies -> requirements -> verdict

Nothing here reads the environment or the clock: the caller passes ``env`` (only the agent
markers are looked at) and, for ``--staged``, the date of the commit being made.

Where the policies come from is :mod:`guardrails.app.policy_source`; what they see of the
change is :mod:`guardrails.app.change_view`. Both are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import msgspec

from guardrails.app.change_view import PathOwners, change_object, head_source
from guardrails.app.policy_source import (
    PolicyFrom,
    Read,
    load_policy_set,
    policy_catalog,
    policy_problems,
    trusted_catalog,
)
from guardrails.engine import Analysis, Selector, World, analyze, read_change
from guardrails.errors import GuardrailsError
from guardrails.verdict import (
    Candidate,
    ConfigSource,
    JudgedFinding,
    Mode,
    RequirementResult,
    Suppressed,
    Verdict,
    decide,
)

if TYPE_CHECKING:
    from guardrails.authors import Authorship
    from guardrails.catalog.model import Catalog
    from guardrails.changes import ChangeSet
    from guardrails.findings import Finding
    from guardrails.git import Change, Repo
    from guardrails.imports.edges import ImportEdge
    from guardrails.policy.approvals import Approval, Review
    from guardrails.policy.model import PolicySet
    from guardrails.suppressions import Suppression

__all__ = [
    "CheckOptions",
    "PathOwners",
    "PolicyFrom",
    "Read",
    "authorship",
    "change_object",
    "head_source",
    "judge",
    "load_policy_set",
    "nothing_staged",
    "policy_catalog",
    "policy_problems",
    "run_check",
    "trusted_catalog",
]


class CheckOptions(msgspec.Struct, frozen=True):
    strict: bool = False
    author_kind: str | None = None  # --author-kind
    config_path: str | None = None
    approvals: tuple[tuple[str, bytes], ...] = ()  # (file name, content) of --approvals
    policy_from: PolicyFrom | None = None  # None: base in --base mode, else the head
    # YYYY-MM-DD that suppression expiries are judged against when there is no head commit
    # (--staged/--patch: the date of the commit being made, which only the caller knows).
    today: str | None = None
    # None: by mode (a --base range enforces approvals). False: a local gate on a range (the
    # pre-push hook), where unmet approvals are reported like --staged's: the CI gate holds.
    enforce_approvals: bool | None = None


def run_check(
    repo: Repo, selector: Selector, options: CheckOptions, env: Mapping[str, str]
) -> Verdict:
    change = read_change(repo, selector)
    if selector.staged:
        # The hook runs on every commit: with nothing staged there is nothing to judge, and
        # no catalog, import graph or pack is read.
        named = options.config_path
        if not change.changes.files and (named is None or change.head.read(named) is not None):
            return nothing_staged(change.changes, options, env)
    warming = _warm_diffs(repo, change)
    interrupted = True
    try:
        analysis = analyze(repo, selector, config_path=options.config_path, change=change)
        verdict = judge(analysis, options, env, repo)
        interrupted = False
        return verdict
    except Exception:
        interrupted = False  # a failure, not an interrupt: the child finishes its writes
        raise
    finally:
        if warming:
            from guardrails.cache.diffs import settle

            # No rule asked, or the run failed: waited for (a few ms; a child killed in the
            # middle of a write would leave its temporary file), unless interrupted.
            settle(cancel=interrupted)


def _warm_diffs(repo: Repo, change: Change) -> bool:
    """The rules' semantic diffs need only the change: a child computes them while the
    catalogs and the import graph load here (:func:`guardrails.cache.diffs.warm`). True
    when there was Python to diff (a change without any never loads the diff modules)."""
    from guardrails.semantic.python_files import MAX_FILE_BYTES, is_python_change

    python = [c for c in change.changes.files if is_python_change(c)]
    if not python:
        return False
    from guardrails.cache import activate
    from guardrails.cache.diffs import warm

    activate(repo.git_dir / "guardrails")
    warm(python, max_bytes=MAX_FILE_BYTES)
    return True


def nothing_staged(changes: ChangeSet, options: CheckOptions, env: Mapping[str, str]) -> Verdict:
    from guardrails.authors import AGENT_ENV_MARKERS, classify
    from guardrails.impact import Impact

    picked = {k: env[k] for k in AGENT_ENV_MARKERS if k in env}
    author = classify(changes, declared=options.author_kind, env=picked)
    impact = Impact(changes.base, None, (), (), (), (), mode="staged")
    enforce = bool(options.enforce_approvals)  # None: a commit not made yet has no reviews
    decision = decide((), (), "staged", strict=options.strict, enforce_approvals=enforce)
    config = ConfigSource("index", changes.base, ())
    return Verdict(
        decision,
        "staged",
        author,
        impact,
        (),
        config=config,
        strict=options.strict,
        enforce_approvals=enforce,
    )


def authorship(analysis: Analysis, declared: str | None, env: Mapping[str, str]) -> Authorship:
    """--author-kind, then GUARDRAILS_AUTHOR_KIND, identities, trailers; shell markers only for
    --staged/--patch. Agent identities come from base and head alike: a change cannot delete
    its own."""
    from guardrails.authors import AGENT_ENV_MARKERS, classify

    picked = {k: env[k] for k in AGENT_ENV_MARKERS if k in env}
    return classify(analysis.change.changes, analysis.guarded.agents, declared=declared, env=picked)


def _mode(analysis: Analysis) -> Mode:
    mode = analysis.change.changes.mode
    if mode not in ("staged", "range", "patch"):
        raise GuardrailsError("check needs --staged, --base REV or --patch FILE")
    return mode  # type: ignore[return-value]


def judge(
    analysis: Analysis,
    options: CheckOptions,
    env: Mapping[str, str],
    repo: Repo | None = None,
    *,
    reviews: Sequence[Review] | None = None,
) -> Verdict:
    cs = analysis.change.changes
    mode = _mode(analysis)
    author = authorship(analysis, options.author_kind, env)
    catalog, read, config = policy_catalog(analysis, options.policy_from, repo)
    if not cs.files and not cs.commits:
        # Nothing to judge (an empty commit, nothing staged): no pack is even read, so the
        # hook stays instant.
        decision = decide((), (), mode, strict=options.strict)
        return Verdict(
            decision,
            mode,
            author,
            analysis.impact,
            (),
            config=config,
            strict=options.strict,
            enforce_approvals=mode == "range"
            if options.enforce_approvals is None
            else options.enforce_approvals,
        )
    policies = load_policy_set(catalog, read)
    today = _today(analysis, options)
    approvals = _approvals(analysis, options, author, reviews, trusted_catalog(analysis, catalog))
    owners = PathOwners(analysis, catalog)
    trusted = trusted_catalog(analysis, catalog)
    kept, held = _findings(analysis, policies, today, author, approvals, owners, trusted)
    return _verdict(
        analysis, mode, author, policies, kept, held, approvals, config, options, owners, trusted
    )


def _today(analysis: Analysis, options: CheckOptions) -> str | None:
    commits = analysis.change.changes.commits
    if commits:
        return commits[-1].committer_date[:10]
    return options.today


def _findings(
    analysis: Analysis,
    policies: PolicySet,
    today: str | None,
    author: Authorship,
    approvals: Sequence[Approval],
    owners: PathOwners,
    trusted: Catalog,
) -> tuple[list[Finding], list[tuple[Finding, Suppression]]]:
    from guardrails.rules.base import EdgeIndex, ImportIndex, NoImports, RuleContext
    from guardrails.rules.change_imports import ChangeImportIndex
    from guardrails.rules.reach import flag_readers_in, tier_reached_in
    from guardrails.rules.run import run_rules_judged

    head, base = analysis.head, analysis.base
    changes = analysis.change.changes

    def service_of(path: str) -> str | None:
        owners = head.filemap.services_of(path)
        if not owners and base is not None:  # a deleted file: its service in the base
            owners = base.filemap.services_of(path)
        return owners[0] if owners else None

    # The import graphs and the dependency graph are built on a rule's first question: a
    # commit that changes no Python file and touches no node never builds them.
    imports: ImportIndex = NoImports()
    if head.infers_imports:
        imports = ChangeImportIndex(
            EdgeIndex(lambda: _edges(head)),
            EdgeIndex(lambda: _edges(base)) if base is not None and base.infers_imports else None,
            changes.paths,
        )
    ctx = RuleContext(
        changes=changes,
        catalog=trusted,
        service_of=service_of,
        imports=imports,
        config_problems=analysis.config_problems,
        config_path=analysis.config_path,
        author=author,
        owners_of_path=owners,
        approvals=approvals,
        tier_reached=tier_reached_in(analysis.graph_of),
        flag_readers=flag_readers_in(analysis.graph_of),
        node_owner=lambda node: analysis.graph.owner(node),
        source=head_source(analysis),
    )
    return run_rules_judged(ctx, locked=policies.forbid_suppression(), today=today)


def _edges(world: World) -> Sequence[ImportEdge]:
    return world.imports.edges if world.imports is not None else ()


def _approvals(
    analysis: Analysis,
    options: CheckOptions,
    author: Authorship,
    reviews: Sequence[Review] | None,
    catalog: Catalog,
) -> tuple[Approval, ...]:
    from guardrails.policy.approvals import judge as judge_reviews
    from guardrails.policy.approvals import parse_approvals, trailer_reviews

    cs = analysis.change.changes
    found = list(reviews or ())
    for name, data in options.approvals:
        found.extend(parse_approvals(data, name))
    found.extend(trailer_reviews(cs.commits, catalog.teams))
    return judge_reviews(
        found,
        head=cs.head if cs.mode == "range" else None,
        people=author.people,
        agents=catalog.agents,
        teams=catalog.teams,
    )


def _verdict(
    analysis: Analysis,
    mode: Mode,
    author: Authorship,
    policies: PolicySet,
    kept: list[Finding],
    held: list[tuple[Finding, Suppression]],
    approvals: tuple[Approval, ...],
    config: ConfigSource,
    options: CheckOptions,
    owners: PathOwners,
    catalog: Catalog,
) -> Verdict:
    from guardrails.authors import login_is_agent
    from guardrails.policy.approvals import is_person
    from guardrails.policy.evaluate import PolicyFacts, apply_policies, satisfy

    facts = PolicyFacts(
        impact=analysis.impact,
        catalog=catalog,
        change=change_object(analysis, author, owners),
        approvals=approvals,
        owners_of_path=owners,
        owner_of_node=lambda node: analysis.graph.owner(node) if node in analysis.graph else None,
    )
    suppressions = {id(f): s for f, s in held}
    everything = [*kept, *(f for f, _ in held)]
    judged, requirements = apply_policies(policies, everything, facts)
    statuses = satisfy(
        requirements,
        approvals,
        catalog,
        is_author=lambda login: is_person(login, author.people, catalog.teams),
        is_agent=lambda login: login_is_agent(login, catalog.agents),
    )
    findings = []
    for original, j in zip(everything, judged, strict=True):
        s = suppressions.get(id(original))
        waits = [statuses[r] for r in j.requirements]
        f = j.finding
        approved_by: tuple[str, ...] = ()
        waiting = False
        if waits and all(st.satisfied for st in waits):
            from msgspec.structs import replace

            approved_by = tuple(sorted({u for st in waits for u in st.approved_by}, key=str.lower))
            if f.severity == "block":
                f = replace(f, severity="warn")
        elif waits:
            waiting = True
        findings.append(
            JudgedFinding(
                f,
                approved_by,
                Suppressed(s.reason or "", s.until, s.path, s.line) if s is not None else None,
                waiting,
            )
        )
    results = []
    for rid, st in sorted(statuses.items()):
        req = st.requirement
        rule = req.policy.require
        assert rule is not None
        results.append(
            RequirementResult(
                id=rid,
                policy=req.policy.id,
                sources=req.sources,
                count=rule.count,
                humans=rule.humans,
                not_author=rule.not_author,
                satisfied=st.satisfied,
                approved_by=st.approved_by,
                candidates=tuple(Candidate(login, handle) for login, handle in st.candidates),
                unblocks=req.unblocks,
                reason=req.reason,
                rationale=req.policy.rationale,
                runbook=req.policy.runbook,
            )
        )
    ordered = tuple(sorted(findings, key=JudgedFinding.sort_key))
    reqs = tuple(results)
    enforce = mode == "range" if options.enforce_approvals is None else options.enforce_approvals
    return Verdict(
        decide(ordered, reqs, mode, strict=options.strict, enforce_approvals=enforce),
        mode,
        author,
        analysis.impact,
        ordered,
        reqs,
        approvals,
        config,
        options.strict,
        enforce,
    )
