"""Where the policies in force come from: the catalog whose ``policies:`` and ``overrides:``
judge a change (the base's in --base mode, so a change cannot weaken its own gate), its
packs loaded, and the trusted catalog that rules and approvals read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from guardrails.engine import Analysis
from guardrails.errors import Problem
from guardrails.verdict import ConfigFrom, ConfigSource

if TYPE_CHECKING:
    from guardrails.catalog.model import Catalog
    from guardrails.changes import Snapshot
    from guardrails.git import Repo
    from guardrails.policy.load import Source
    from guardrails.policy.model import PolicySet


PolicyFrom = Literal["base", "head"]
Read = Callable[[str], "bytes | None"]  # a repository path -> its content in one revision


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
        ignored = _worktree_differs(repo, change.head, analysis.config_path)
    elif repo is not None and cs.mode == "range" and source == "base":
        ignored = _trees_differ(change.head, change.base, analysis.config_path)
    return catalog, read, ConfigSource(source, rev, tuple(catalog.policies), ignored)


def _worktree_differs(repo: Repo, head: Snapshot, path: str) -> bool:
    """Whether the work tree's ``path`` holds other bytes than ``head``'s. Compared by blob
    id, hashed here: reading the head's blob cost a `git cat-file` on every staged check."""
    on_disk = repo.worktree().read(path)
    listed = head.blob_id(path)
    if listed is None:  # not in the head's listing: nothing to hash against
        return on_disk != head.read(path)
    return on_disk is None or repo.hash_blob(on_disk) != listed


def _trees_differ(head: Snapshot, base: Snapshot, path: str) -> bool:
    """Whether ``path`` holds other bytes in ``head`` than in ``base``: by blob id when both
    list it (same id, same bytes), so neither blob is read."""
    ids = head.blob_id(path), base.blob_id(path)
    if None not in ids:
        return ids[0] != ids[1]
    return head.read(path) != base.read(path)


def load_policy_set(catalog: Catalog, read: Read, *, skip_missing: bool = False) -> PolicySet:
    """The packs ``catalog`` names, loaded, or remembered from a load of the same texts (the
    loader, and PyYAML with it, is imported only when a pack changed)."""
    from guardrails.cache.policies import remembered_policies

    config_path = catalog.config_path or "guardrails.yaml"

    def load(sources: list[Source]) -> PolicySet:
        from guardrails.policy.load import load_policies

        return load_policies(
            catalog.policies,
            read,
            overrides=catalog.overrides,
            config_path=config_path,
            skip_missing=skip_missing,
            sources=sources,
        )

    options = (tuple(catalog.policies), tuple(catalog.overrides), config_path, skip_missing)
    return remembered_policies(options, read, load)


def policy_problems(catalog: Catalog, read: Read) -> list[Problem]:
    """Every problem in the packs ``catalog`` names (for `guardrails validate`)."""
    from guardrails.errors import ConfigError

    try:
        load_policy_set(catalog, read, skip_missing=True)
    except ConfigError as exc:
        return list(exc.problems) or [exc.problem]
    return []


def trusted_catalog(analysis: Analysis, policy: Catalog) -> Catalog:
    """The catalog rules, approvals and requirements read: the guarded head catalog (see
    engine.guarded_catalog) with the teams of the catalog the policies came from winning.
    In --base mode a change cannot add a friend to the team whose approval it needs."""
    from msgspec.structs import replace

    guarded = analysis.guarded
    if policy is analysis.head.catalog:
        return guarded
    return replace(guarded, teams={**guarded.teams, **policy.teams})
