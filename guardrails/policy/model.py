"""Plain records for policy packs. Loaders produce them; :mod:`.evaluate` reads them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import msgspec

if TYPE_CHECKING:
    from guardrails.policy.cel import Expression

Severity = Literal["block", "warn", "info"]
SEVERITIES: tuple[Severity, ...] = ("block", "warn", "info")

# Who must approve: the owners of the nodes a finding reaches (or the whole radius), the owners
# of the changed files/nodes, named teams, or the owner of one node.
AFFECTED_OWNERS = "affected-owners"
CHANGED_OWNERS = "changed-owners"
OWNERS_OF = "owners-of:"


class Approvals(msgspec.Struct, frozen=True):
    """``require.approvals``: ``count`` distinct qualifying approvers from *each* team."""

    sources: tuple[str, ...]  # ("affected-owners",) | ("changed-owners",) | ("team:x", ...) | ...
    count: int = 1
    humans: bool = True
    not_author: bool = True
    # Approved-by/Reviewed-by trailers are claims the committer wrote: a policy may refuse them.
    trailers: bool = True


class Policy(msgspec.Struct, frozen=True):
    id: str
    pack: str  # the pack's reference: "builtin:default", "policies/ranking.yaml", ...
    path: str  # the file it was read from (for errors), as the user knows it
    line: int
    rules: tuple[str, ...] = ()  # rule ids or fnmatch patterns ("safety.*"); () = the change
    when: Expression | None = None
    severity: Severity | None = None
    require: Approvals | None = None
    rationale: str | None = None
    runbook: str | None = None
    forbid_suppression: bool = False
    locked: bool = False

    @property
    def qualified_id(self) -> str:
        return f"{self.pack}/{self.id}"


class Pack(msgspec.Struct, frozen=True):
    name: str
    ref: str  # as written in `policies:`
    path: str
    owner: str | None = None
    affects: tuple[str, ...] = ()  # applies_to.affects: node ids; () = always
    policies: tuple[Policy, ...] = ()


class PolicySet(msgspec.Struct, frozen=True):
    """Every pack in force, in `policies:` order, with the config's overrides applied."""

    packs: tuple[Pack, ...] = ()

    @property
    def policies(self) -> tuple[Policy, ...]:
        return tuple(p for pack in self.packs for p in pack.policies)

    def forbid_suppression(self) -> frozenset[str]:
        """Rule ids (or patterns) no inline comment may suppress."""
        return frozenset(r for p in self.policies if p.forbid_suppression for r in p.rules)
