"""Who approved what: review payloads and trailers -> one judged approval per user and source.

Accepted as the APIs return them (a CI job pipes them in unchanged):

- GitHub ``GET /repos/{o}/{r}/pulls/{n}/reviews``: an array, oldest first; several pages may
  be concatenated (``[...][...]``, as ``cat page1 page2`` writes them, or one merged array);
- GitLab ``GET /projects/:id/merge_requests/:iid/approvals``: an object with ``approved_by``
  and ``sha`` (the MR head those approvals are for);
- the simple form ``[{"user": "li", "state": "APPROVED", "commit": "<sha>"}]``;
- ``Approved-by:`` / ``Reviewed-by:`` trailers of the change's commits (claims, not proof:
  the output names the source of every approval).

Rules (see docs/policies.md): the latest state of each user counts; ``CHANGES_REQUESTED`` and
``DISMISSED`` cancel an earlier approval, ``COMMENTED`` and ``PENDING`` do not; an approval for
another commit than the head is stale; bots (``user.type == "Bot"``, ``*[bot]``) and agents
never satisfy ``humans``; authors, committers and co-authors never satisfy ``not_author``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import msgspec

from guardrails.catalog.model import AgentIdentities, Team
from guardrails.changes import Commit, Person
from guardrails.errors import GuardrailsError

Source = Literal["github", "gitlab", "file", "trailer"]
WhyNot = Literal["stale", "author", "bot", "agent", "cancelled"]

APPROVED = "APPROVED"
CANCELLING = frozenset({"CHANGES_REQUESTED", "DISMISSED"})
NEUTRAL = frozenset({"COMMENTED", "PENDING"})
STATES = frozenset({APPROVED, *CANCELLING, *NEUTRAL})
APPROVAL_TRAILERS = ("approved-by", "reviewed-by")
_NAME_EMAIL = re.compile(r"^(.*?)\s*<([^<>]*)>\s*$")
_GITHUB_NOREPLY = "@users.noreply.github.com"


class Review(msgspec.Struct, frozen=True):
    """One review event as read, before judging."""

    user: str
    state: str
    commit: str | None
    source: Source
    bot: bool = False
    order: tuple[str, int] = ("", 0)  # (submitted_at, position): a user's latest wins


class Approval(msgspec.Struct, frozen=True):
    """A user's final word from one source, judged against the change."""

    user: str
    state: str
    commit: str | None
    source: Source
    bot: bool
    agent: bool
    author: bool
    stale: bool

    @property
    def approves(self) -> bool:
        """Approved the head commit (whoever they are)."""
        return self.state == APPROVED and not self.stale

    @property
    def why_not(self) -> WhyNot | None:
        if self.state != APPROVED:
            return "cancelled"
        if self.stale:
            return "stale"
        if self.bot:
            return "bot"
        if self.agent:
            return "agent"
        if self.author:
            return "author"
        return None

    def qualifies(self, *, humans: bool, not_author: bool) -> bool:
        return (
            self.approves
            and not (humans and (self.bot or self.agent))
            and not (not_author and self.author)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "state": self.state,
            "commit": self.commit,
            "source": self.source,
            "counted": self.why_not is None,
            "why_not": self.why_not,
        }


def _bad(name: str, message: str, fix: str, line: int | None = None) -> GuardrailsError:
    return GuardrailsError(f"--approvals: {message}", path=name, line=line, fix=fix)


_FIX = (
    "pass the GitHub reviews JSON, the GitLab approvals JSON, or "
    '[{"user": "li", "state": "APPROVED", "commit": "<sha>"}]'
)


def _documents(text: str, name: str) -> list[Any]:
    """Every JSON value in ``text`` (concatenated pages are several arrays)."""
    decoder = json.JSONDecoder()
    docs: list[Any] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            break
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise _bad(
                name, f"not valid JSON: {exc.msg} (column {exc.colno})", _FIX, exc.lineno
            ) from None
        docs.append(doc)
    if not docs:
        raise _bad(name, "the file is empty", _FIX, 1)
    return docs


def parse_approvals(data: bytes, name: str) -> tuple[Review, ...]:
    """Reviews from an ``--approvals`` file; a bad file is one located GuardrailsError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad(name, "the file is not UTF-8 text", _FIX) from None
    out: list[Review] = []
    for doc in _documents(text, name):
        if isinstance(doc, dict):
            out.extend(_gitlab(doc, name, len(out)))
        elif isinstance(doc, list):
            for item in doc:
                review = _item(item, name, len(out))
                if review is not None:
                    out.append(review)
        else:
            raise _bad(name, f"expected a list or an object, not {type(doc).__name__}", _FIX)
    return tuple(out)


def _gitlab(doc: Mapping[str, Any], name: str, start: int) -> list[Review]:
    if "approved_by" not in doc or not isinstance(doc["approved_by"], list):
        raise _bad(name, "an object must be GitLab's approvals JSON, with `approved_by`", _FIX)
    sha = doc.get("sha")
    out = []
    for i, entry in enumerate(doc["approved_by"]):
        user = entry.get("user") if isinstance(entry, dict) else None
        login = user.get("username") if isinstance(user, dict) else None
        if not isinstance(login, str) or not login:
            raise _bad(name, f"approved_by[{i}] has no user.username", _FIX)
        bot = login.lower().endswith("[bot]") or bool(user.get("bot"))  # type: ignore[union-attr]
        when = entry.get("approved_at") or ""
        out.append(
            Review(
                login,
                APPROVED,
                sha if isinstance(sha, str) else None,
                "gitlab",
                bot,
                (str(when), start + i),
            )
        )
    return out


def _item(item: Any, name: str, index: int) -> Review | None:
    if not isinstance(item, dict):
        raise _bad(name, f"item {index}: expected an object, not {type(item).__name__}", _FIX)
    state = item.get("state")
    if not isinstance(state, str) or state.upper() not in STATES:
        raise _bad(
            name,
            f"item {index}: state {state!r} is not one of {', '.join(sorted(STATES))}",
            _FIX,
        )
    if item.get("user") is None and "commit_id" in item:
        return None  # GitHub's review by a deleted account ("ghost"): nobody to count
    if isinstance(item.get("user"), dict):  # GitHub
        user = item["user"]
        login = user.get("login")
        if not isinstance(login, str) or not login:
            raise _bad(name, f"item {index}: user.login is missing", _FIX)
        bot = user.get("type") == "Bot" or login.lower().endswith("[bot]")
        commit = item.get("commit_id")
        when = item.get("submitted_at") or ""
        return Review(
            login,
            state.upper(),
            commit if isinstance(commit, str) else None,
            "github",
            bot,
            (str(when), index),
        )
    login = item.get("user")
    if not isinstance(login, str) or not login.strip():
        raise _bad(name, f"item {index}: `user` must be a login string or GitHub's user", _FIX)
    commit = item.get("commit")
    return Review(
        login.strip(),
        state.upper(),
        commit if isinstance(commit, str) else None,
        "file",
        login.lower().endswith("[bot]"),
        ("", index),
    )


def login_of(person: Person, teams: Mapping[str, Team]) -> str:
    """The login a commit identity stands for: a member with that email, the GitHub noreply
    login, or the email's local part."""
    email = person.email.strip().lower()
    for team in teams.values():
        for m in team.members:
            if m.email and m.email.lower() == email:
                return m.login
    local = email.rsplit("@", 1)[0] if "@" in email else ""
    if email.endswith(_GITHUB_NOREPLY):
        local = local.split("+", 1)[-1]
    return local or person.name.strip()


def trailer_reviews(commits: Sequence[Commit], teams: Mapping[str, Team]) -> tuple[Review, ...]:
    """``Approved-by:`` / ``Reviewed-by:`` trailers, each as an approval of its commit."""
    out = []
    for i, commit in enumerate(commits):
        for t in commit.trailers:
            if t.key.lower() not in APPROVAL_TRAILERS:
                continue
            m = _NAME_EMAIL.match(t.value.strip())
            person = Person(m[1], m[2]) if m else Person(t.value.strip(), "")
            out.append(
                Review(
                    login_of(person, teams),
                    APPROVED,
                    commit.sha,
                    "trailer",
                    False,
                    (commit.committer_date, i),
                )
            )
    return tuple(out)


def is_person(login: str, people: Iterable[Person], teams: Mapping[str, Team]) -> bool:
    """Whether ``login`` is one of ``people`` (authors, committers, co-authors)."""
    want = login.strip().lower()
    emails = {
        m.email.lower()
        for t in teams.values()
        for m in t.members
        if m.login.lower() == want and m.email
    }
    for p in people:
        email = p.email.strip().lower()
        if email in emails or p.name.strip().lower() == want:
            return True
        if login_of(p, {}).lower() == want:
            return True
    return False


def judge(
    reviews: Iterable[Review],
    *,
    head: str | None,
    people: Sequence[Person],
    agents: AgentIdentities,
    teams: Mapping[str, Team],
) -> tuple[Approval, ...]:
    """The latest review of each (user, source), judged; sorted by (user, source).

    ``head`` is the commit under review (None for --staged/--patch: nothing can be stale).
    """
    from guardrails.authors import login_is_agent

    latest: dict[tuple[str, str], Review] = {}
    for r in sorted(reviews, key=lambda r: r.order):
        if r.state in NEUTRAL:
            continue  # a comment neither approves nor cancels
        latest[(r.user.lower(), r.source)] = r
    out = [
        Approval(
            user=r.user,
            state=r.state,
            commit=r.commit,
            source=r.source,
            bot=r.bot,
            agent=login_is_agent(r.user, agents),
            author=is_person(r.user, people, teams),
            stale=head is not None and r.commit is not None and r.commit != head,
        )
        for r in latest.values()
    ]
    return tuple(sorted(out, key=lambda a: (a.user.lower(), a.source)))
