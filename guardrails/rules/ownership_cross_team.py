"""ownership.cross-team: the change edits files another team owns.

Ownership comes from the catalog (a service's owner) and CODEOWNERS; the author's teams from
``teams.<t>.members``. An author in no team is an outsider to every team whose members are
declared. A team with no declared members (zero-config: a CODEOWNERS handle and nothing
else) cannot tell who is in it, so it is not judged here: asking every author of a
zero-config repository to get their own team's approval would be a false alarm on every
commit. Declare ``members`` to turn the rule on for that team. One finding per
owning team, at the first of its files; ``builtin:default`` turns it into a requirement for
that team's approval (``from: changed-owners``), which CODEOWNERS alone cannot express per
team.
"""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.changes import Person
from guardrails.findings import Finding, Related
from guardrails.rules.base import Case, Expect, Rule, RuleContext


class OwnershipCrossTeam(Rule):
    id = "ownership.cross-team"
    default_severity = "warn"
    summary = "files owned by a team other than the author's"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if ctx.author is None or ctx.owners_of_path is None:
            return
        from guardrails.authors import member_logins, members_of

        mine: set[str] = set()
        for person in ctx.author.people:
            mine.update(f"team:{t}" for t in members_of(person, ctx.catalog.teams))
            mine.update(f"user:{login}" for login in member_logins(person, ctx.catalog.teams))
        # Whether the author is someone the catalog knows (a declared member). A CODEOWNERS
        # person is a GitHub login; a commit carries a name and an e-mail. Only a declared
        # member (`login <email>`) ties the two, so only then can the gate tell that the
        # author is not the owner (zero-config esphome: "Clyde Stubbs" is @clydebarrow).
        identified = bool(mine)
        for person in ctx.author.people:
            # A CODEOWNERS person (user:<login>) is the author when the login is theirs.
            local = person.email.split("@", 1)[0].split("+", 1)[-1]
            mine.update(f"user:{n}" for n in (person.name.lower(), local.lower()) if n)
        files: dict[str, list[str]] = {}
        for change in ctx.changes.files:
            owners = ctx.owners_of_path(change.path)
            if not owners or mine & {o.lower() for o in owners}:
                continue  # unowned (ownership.unowned says so), or one of the author's teams
            for owner in owners:
                if _membership_known(owner, ctx, identified):
                    files.setdefault(owner, []).append(change.path)
        who = _who(ctx.author.people)
        for owner, paths in sorted(files.items()):
            paths = sorted(paths)
            more = f" and {len(paths) - 1} more file{'s' if len(paths) > 2 else ''}"
            yield Finding(
                rule=self.id,
                severity=self.default_severity,
                path=paths[0],
                line=None,
                message=f"{who} changes {owner}'s {paths[0]}"
                + (more if len(paths) > 1 else "")
                + f": {owner} must review it",
                fix=f"ask {owner} for a review (their handle is in guardrails.yaml or CODEOWNERS)",
                related=tuple(Related(p, None, owner) for p in paths[1:]),
            )


def _membership_known(owner: str, ctx: RuleContext, identified: bool) -> bool:
    """A team is judged when it lists its members; a person when the author is identified."""
    if not owner.startswith("team:"):
        return identified
    team = ctx.catalog.teams.get(owner[len("team:") :])
    return team is not None and bool(team.members)


def _who(people: tuple[Person, ...]) -> str:
    if not people:
        return "the author (in no team)"
    return ", ".join(p.name or p.email for p in people[:2]) + (" and others" if people[2:] else "")


OwnershipCrossTeam.INVALID = (
    Case(
        "x = 1\n",
        "x = 2\n",
        path="services/event_bus/client.py",
        author="li",
        expect=(Expect(None, "warn", ("team:data-infra must review it",)),),
        note="ranking's li edits data-infra's bus",
    ),
    Case(
        None,
        "x = 1\n",
        path="apps/growth/new.py",
        author="emma",
        expect=(Expect(None, "warn", ("team:growth must review it",)),),
    ),
    Case(
        "x = 1\n",
        "x = 2\n",
        path="services/ranker/rank.py",
        author="zoe",
        expect=(Expect(None, "warn", ("zoe changes team:ranking's",)),),
        note="an author in no team is an outsider to every team",
    ),
)

OwnershipCrossTeam.VALID = (
    Case("x = 1\n", "x = 2\n", path="services/ranker/rank.py", author="li", note="own team"),
    Case("x = 1\n", "x = 2\n", path="notes/todo.txt", author="li", note="unowned file"),
    Case("x = 1\n", "x = 2\n", path="services/event_bus/client.py", note="author unknown"),
    Case(
        "x = 1\n",
        "x = 2\n",
        path="apps/platform/tool.py",
        author="zoe",
        note="team:platform declares no members: nobody can tell whether zoe is in it",
    ),
    Case(
        "x = 1\n",
        "x = 2\n",
        path="tools/sensor.py",
        author="zoe",
        note="owned by the CODEOWNERS person @sam; zoe is no declared member, so whether "
        "zoe is @sam cannot be told (zero-config: a commit has a name, not a login)",
    ),
)
