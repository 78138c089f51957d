"""`run_check`: a change in, a :class:`~guardrails.verdict.Verdict` out.

    analysis (change, catalogs, blast radius) -> authorship -> policy packs (from the base
    in --base mode) -> rules + suppressions -> approvals -> policies -> requirements -> verdict

Nothing here reads the environment or the clock: the caller passes ``env`` (only the agent
markers are looked at) and, for ``--staged``, the date of the commit being made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from guardrails.engine import Analysis, Selector, analyze
from guardrails.errors import GuardrailsError, Problem
from guardrails.filemap import glob_match
from guardrails.verdict import (
    Candidate,
    ConfigFrom,
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
    from guardrails.git import Repo
    from guardrails.policy.approvals import Approval, Review
    from guardrails.policy.load import PolicySet
    from guardrails.suppressions import Suppression

PolicyFrom = Literal["base", "head"]
Read = Callable[[str], "bytes | None"]  # a repository path -> its content in one revision


@dataclass(frozen=True)
class CheckOptions:
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
    if selector.staged:
        # The hook runs on every commit: with nothing staged there is nothing to judge, and
        # no catalog, import graph or pack is read (one `git diff-index`).
        change = repo.read_staged()
        named = options.config_path
        if not change.changes.files and (named is None or change.head.read(named) is not None):
            return nothing_staged(change.changes, options, env)
    analysis = analyze(repo, selector, config_path=options.config_path)
    return judge(analysis, options, env, repo)


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


def policy_catalog(
    analysis: Analysis, policy_from: PolicyFrom | None, repo: Repo | None
) -> tuple[Catalog, Read, ConfigSource]:
    """The catalog whose `policies:` and `overrides:` are in force, a reader of its revision,
    and where that was."""
    cs = analysis.change.changes
    change = analysis.change
    source: ConfigFrom
    if cs.mode == "range" and (policy_from or "base") == "base":
        catalog = analysis.base_catalog or analysis.head.catalog
        read, source, rev = change.base.read, "base", cs.base
    elif cs.mode == "range":
        catalog, read, source, rev = analysis.head.catalog, change.head.read, "head", cs.head
    else:
        if policy_from == "base":
            # HEAD's config judges what is staged (or the patch), as CI would judge it.
            from guardrails.engine import load_catalog_for

            catalog = analysis.base_catalog or load_catalog_for(
                change.base,
                None if analysis.config_path == "guardrails.yaml" else analysis.config_path,
                required=False,
            )
            read, source, rev = change.base.read, "base", cs.base
        else:
            catalog, read = analysis.head.catalog, change.head.read
            source = "index" if cs.mode == "staged" else "head"
            rev = cs.base
    ignored = False
    if repo is not None and cs.mode in ("staged", "patch"):
        # The working tree's guardrails.yaml is never what judges a staged change: say so
        # when it differs, since that is where the user just typed.
        worktree = repo.worktree()
        ignored = worktree.read(analysis.config_path) != change.head.read(analysis.config_path)
    elif repo is not None and cs.mode == "range" and source == "base":
        ignored = change.head.read(analysis.config_path) != change.base.read(analysis.config_path)
    return catalog, read, ConfigSource(source, rev, tuple(catalog.policies), ignored)


def load_policy_set(catalog: Catalog, read: Read, *, skip_missing: bool = False) -> PolicySet:
    from guardrails.policy.load import load_policies

    return load_policies(
        catalog.policies,
        read,
        overrides=catalog.overrides,
        config_path=catalog.config_path or "guardrails.yaml",
        skip_missing=skip_missing,
    )


def policy_problems(catalog: Catalog, read: Read) -> list[Problem]:
    """Every problem in the packs ``catalog`` names (for `guardrails validate`)."""
    from guardrails.errors import ConfigError

    try:
        load_policy_set(catalog, read, skip_missing=True)
    except ConfigError as exc:
        return list(exc.problems) or [exc.problem]
    return []


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


def trusted_catalog(analysis: Analysis, policy: Catalog) -> Catalog:
    """The catalog rules, approvals and requirements read: the guarded head catalog (see
    engine.guarded_catalog) with the teams of the catalog the policies came from winning.
    In --base mode a change cannot add a friend to the team whose approval it needs."""
    from dataclasses import replace

    guarded = analysis.guarded
    if policy is analysis.head.catalog:
        return guarded
    return replace(guarded, teams={**guarded.teams, **policy.teams})


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
        catalog=trusted,
        service_of=service_of,
        imports=imports,
        config_problems=analysis.config_problems,
        config_path=analysis.config_path,
        author=author,
        owners_of_path=owners,
        approvals=approvals,
        tier_reached=tier_reached_in(analysis.graph),
        flag_readers=flag_readers_in(analysis.graph),
        node_owner=analysis.graph.owner,
        source=head_source(analysis),
    )
    return run_rules_judged(ctx, locked=policies.forbid_suppression(), today=today)


def head_source(analysis: Analysis) -> Callable[[str], str | None]:
    """Head text of a file, for rules that read which names an importer really uses."""
    from guardrails.changes import decode, is_binary

    snapshot = analysis.head.snapshot

    def read(path: str) -> str | None:
        data = snapshot.read(path)
        return None if data is None or is_binary(data) else decode(data)

    return read


class PathOwners:
    """team:/user: owners of a path: its services' owners and its CODEOWNERS owners (a
    CODEOWNERS person in no team is ``user:<login>``). The trusted catalog (the base's in
    --base mode: a change cannot hand its own files to a friendlier team) answers first,
    then the head's (a file in a service only the head declares), then the base world's (a
    deleted file). Built once per check, so each CODEOWNERS file is indexed once."""

    def __init__(self, analysis: Analysis, trusted: Catalog | None = None) -> None:
        from guardrails.catalog.codeowners import CodeOwnersIndex
        from guardrails.catalog.paths import ServicePathIndex

        sources: list[tuple[Catalog, Callable[[str], Sequence[str]]]] = []
        if trusted is not None and trusted is not analysis.head.catalog:
            sources.append((trusted, ServicePathIndex(trusted).services_for))
        for world in (analysis.head, analysis.base):
            if world is not None:
                sources.append((world.catalog, world.filemap.services_of))
        self._sources = [
            (
                catalog,
                services_of,
                CodeOwnersIndex(catalog.codeowners, catalog.teams)
                if catalog.codeowners_enabled and catalog.codeowners
                else None,
            )
            for catalog, services_of in sources
        ]
        self._cache: dict[str, tuple[str, ...]] = {}
        # A file also belongs to the nodes it touches beyond path patterns (DESIGN §10): a
        # rollout file to the service its `service:` names, a flag file to its flags' owners.
        self._claimed: dict[str, set[str]] = {}
        for touched in analysis.impact.files:
            owners = {o for n in touched.nodes if (o := analysis.graph.owner(n))}
            if owners:
                self._claimed[touched.path] = owners

    def __call__(self, path: str) -> tuple[str, ...]:
        known = self._cache.get(path)
        if known is not None:
            return known
        out: set[str] = set(self._claimed.get(path, ()))
        for catalog, services_of, index in self._sources:
            source = next((s for s in catalog.flags if glob_match(s.path, path)), None)
            if source is not None and source.owner:  # `flags: [{..., owner: ranking}]`
                out.add(f"team:{source.owner}")
            for name in services_of(path):
                svc = catalog.services.get(name)
                if svc is not None and svc.owner:
                    out.add(f"team:{svc.owner}")
            for owner in index.owners(path) if index is not None else ():
                teams = index.teams_for_owner(owner) if index is not None else ()
                out.update(f"team:{t}" for t in teams)
                if not teams:
                    out.add("user:" + owner.removeprefix("@"))
            if out:
                break
        self._cache[path] = tuple(sorted(out))
        return self._cache[path]


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


def change_object(analysis: Analysis, author: Authorship, owners: PathOwners) -> dict[str, Any]:
    """The CEL ``change`` variable (docs/policies.md lists its fields)."""
    cs = analysis.change.changes
    impact = analysis.impact
    nodes_of: dict[str, list[str]] = {}
    for node in impact.changed:
        for path in node.files:
            nodes_of.setdefault(path, []).append(node.id)
    trailers = [{"key": t.key, "value": t.value} for c in cs.commits for t in c.trailers]
    return {
        "mode": {"range": "base"}.get(cs.mode, cs.mode),
        "author": {
            "kind": author.kind,
            "evidence": [e.as_dict() for e in author.evidence],
            "agents": list(author.agents),
        },
        "is_agent": author.kind != "human",
        "files": [
            {
                "path": f.path,
                "old_path": f.old_path or "",
                "status": f.status,
                "nodes": sorted(nodes_of.get(f.path, [])),
                "owners": list(owners(f.path)),
            }
            for f in cs.files
        ],
        "services": sorted(n.id for n in impact.changed if n.id.startswith("service:")),
        "commits": [
            {
                "sha": c.sha,
                "author": {"name": c.author.name, "email": c.author.email},
                "committer": {"name": c.committer.name, "email": c.committer.email},
                "message": c.message,
                "trailers": [{"key": t.key, "value": t.value} for t in c.trailers],
            }
            for c in cs.commits
        ],
        "trailers": trailers,
    }


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
            from dataclasses import replace

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
