"""Who wrote the change: a human, an AI agent, or both — with the evidence for the verdict.

A pure function of plain data: :func:`classify` reads a :class:`~guardrails.changes.ChangeSet`,
the configured agent identities and an environment mapping *the caller* chose (the CLI passes
only :data:`AGENT_ENV_MARKERS`), never ``os.environ`` itself.

None of the evidence is authenticated: trailers and emails can be stripped or forged. So every
fact found is kept in the output, ranked, and the verdict says which facts it rests on
(DESIGN §7; the markers are listed in ``reference/agent-identities.md``).

Ranking (``AuthorEvidence.strength``, 0 is the strongest; evidence is sorted by it):

== ================================= =====================================================
0  ``flag``                          ``--author-kind agent|human``
1  ``env:GUARDRAILS_AUTHOR_KIND``    the same, from the environment
2  ``config:agents.emails|names``    an author/committer matching ``agents:`` in the config
3  ``email``, ``bot-login``          a known agent email; a ``*[bot]`` name or app email
4  ``name-marker``                   Aider's `` (aider)`` name suffix
5  ``trailer:<Key>``                 ``Co-authored-by`` / ``Assisted-by`` naming an agent
6  ``message-marker``,               ``Generated with [Claude Code]``, ``aider:`` subject,
   ``trailer:Claude-Session``        Claude Code's session trailer
7  ``env:CLAUDECODE``                an agent's shell marker (``--staged``/``--patch`` only)
8  ``author``, ``identity``          a human: a commit, or the staged git identity, with no
                                     agent marker at all
== ================================= =====================================================

A commit is *agent-authored* when its author or committer is an agent (ranks 2-4) and
*agent-assisted* when a trailer or its message names one (ranks 5-6). The change is ``agent``
when every commit is either, ``human`` when none is, ``mixed`` otherwise; a declared kind
(flag, then env) overrides that, and the rest of the evidence is still reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from types import MappingProxyType
from typing import Any, Literal

import msgspec

from guardrails.catalog.model import AgentIdentities, Team
from guardrails.changes import ChangeSet, Commit, Person, Trailer
from guardrails.errors import GuardrailsError

AuthorKind = Literal["human", "agent", "mixed"]
AGENT: Literal["agent"] = "agent"
HUMAN: Literal["human"] = "human"
MIXED: Literal["mixed"] = "mixed"
KINDS = (AGENT, HUMAN)

CLAUDE_CODE = "Claude Code"
COPILOT = "GitHub Copilot"
CODEX = "OpenAI Codex"
DEVIN = "Devin"
CURSOR = "Cursor"
AIDER = "Aider"

KIND_ENV = "GUARDRAILS_AUTHOR_KIND"
# Shell markers agents set for the commands they run, mapped to the agent. Only documented
# ones: a guessed variable would turn a human's shell into an "agent" one.
_ENV_AGENTS: Mapping[str, str] = MappingProxyType({"CLAUDECODE": CLAUDE_CODE})
# Every environment variable classify() looks at: the CLI passes exactly these.
AGENT_ENV_MARKERS: tuple[str, ...] = (KIND_ENV, *_ENV_AGENTS)
_ENV_OFF = frozenset({"", "0", "false", "no", "off"})

RANK: Mapping[str, int] = MappingProxyType(
    {
        "flag": 0,
        "env:" + KIND_ENV: 1,
        "config:agents.emails": 2,
        "config:agents.names": 2,
        "email": 3,
        "bot-login": 3,
        "name-marker": 4,
        "trailer:Co-authored-by": 5,
        "trailer:Assisted-by": 5,
        "message-marker": 6,
        "trailer:Claude-Session": 6,
        **{"env:" + name: 7 for name in _ENV_AGENTS},
        "author": 8,
        "identity": 8,
    }
)
_IDENTITY_SOURCES = frozenset(
    {"config:agents.emails", "config:agents.names", "email", "bot-login", "name-marker"}
)

# Known agent emails (compared lower-cased). Copilot's has no "[bot]": it is a user noreply.
_AGENT_EMAILS: Mapping[str, str] = MappingProxyType(
    {
        "noreply@anthropic.com": CLAUDE_CODE,
        "198982749+copilot@users.noreply.github.com": COPILOT,
        "noreply@openai.com": CODEX,
        "cursoragent@cursor.com": CURSOR,
        "aider@aider.chat": AIDER,
        "noreply@aider.chat": AIDER,
    }
)
# How agents and their GitHub apps spell themselves (bot slugs, Assisted-by names), after
# _alias_key(): lower-case, no spaces, dashes, dots or underscores.
_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "claude": CLAUDE_CODE,
        "claudecode": CLAUDE_CODE,
        "anthropic": CLAUDE_CODE,
        "copilot": COPILOT,
        "githubcopilot": COPILOT,
        "copilotsweagent": COPILOT,
        "codex": CODEX,
        "openaicodex": CODEX,
        "chatgptcodexconnector": CODEX,
        "devin": DEVIN,
        "devinai": DEVIN,
        "devinaiintegration": DEVIN,
        "cursor": CURSOR,
        "cursoragent": CURSOR,
        "aider": AIDER,
    }
)
# The platform, not a person: GitHub commits web edits and squash merges as itself.
_PLATFORM_EMAILS = frozenset({"noreply@github.com"})

_ALIAS_NOISE = re.compile(r"[\s_.\-]+")
_BOT_NAME = re.compile(r"^(.+)\[bot\]$", re.IGNORECASE)
# <id>+<slug>[bot]@users.noreply.github.com, and older <slug>[bot]@... forms.
_BOT_EMAIL = re.compile(r"^(?:\d+\+)?([^@+]+)\[bot\]@", re.IGNORECASE)
_AIDER_SUFFIX = " (aider)"
_AIDER_SUBJECT = "aider: "
_GENERATED = re.compile(r"Generated with \[(Claude Code|Devin)\]")
_GENERATED_AGENTS: Mapping[str, str] = MappingProxyType(
    {"Claude Code": CLAUDE_CODE, "Devin": DEVIN}
)
_NAME_EMAIL = re.compile(r"^(.*?)\s*<([^<>]*)>\s*$")
# The kernel's Assisted-by: AGENT_NAME:MODEL_VERSION [TOOL...] (not a URL's "https://").
_AGENT_MODEL = re.compile(r"^([A-Za-z0-9][\w.\-]*)\s*:(?!//)\s*\S")
_FIRST_WORD = re.compile(r"^[\w.\-]+")
_GITHUB_NOREPLY = "@users.noreply.github.com"

_CO_AUTHORED = "co-authored-by"
_ASSISTED = "assisted-by"
_CLAUDE_SESSION = "claude-session"
_TRAILER_SOURCES: Mapping[str, str] = MappingProxyType(
    {
        _CO_AUTHORED: "trailer:Co-authored-by",
        _ASSISTED: "trailer:Assisted-by",
        _CLAUDE_SESSION: "trailer:Claude-Session",
    }
)

_NO_AGENTS = AgentIdentities()
_NO_ENV: Mapping[str, str] = MappingProxyType({})


class AuthorEvidence(msgspec.Struct, frozen=True):
    """One fact about who wrote the change. ``strength`` is its rank: 0 is the strongest."""

    kind: str  # "agent" | "human"
    source: str  # a key of RANK
    agent: str | None  # "Claude Code", ..., a bot or configured identity's name, or None
    detail: str  # what was seen, e.g. "commit 1a2b3c4d: Co-Authored-By: Claude <...>"
    commit: str | None  # full sha, None for flag / env / the staged identity
    strength: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "agent": self.agent,
            "detail": self.detail,
            "commit": self.commit,
            "strength": self.strength,
        }


class Authorship(msgspec.Struct, frozen=True):
    kind: AuthorKind
    evidence: tuple[AuthorEvidence, ...]  # strongest first
    # Every human author, committer and co-author seen: none of them may approve as "not the
    # author". Sorted by email, then name.
    people: tuple[Person, ...] = ()
    agents: tuple[str, ...] = ()  # agent names seen, sorted

    def as_dict(self) -> dict[str, Any]:
        """The ``author`` object of ``guardrails.check/v1`` JSON."""
        return {"kind": self.kind, "evidence": [e.as_dict() for e in self.evidence]}


def classify(
    changes: ChangeSet,
    agents: AgentIdentities = _NO_AGENTS,
    *,
    declared: str | None = None,
    env: Mapping[str, str] = _NO_ENV,
) -> Authorship:
    """Human, agent or mixed, with every piece of evidence found (see the module docstring).

    ``declared`` is ``--author-kind``; ``env`` holds the caller's pick of the environment
    (normally ``AGENT_ENV_MARKERS``). Raises :class:`GuardrailsError` for an invalid kind.
    """
    declared_kind = _declared_kind(declared)
    env_kind = _env_kind(env.get(KIND_ENV))
    found = _Found(changes.commits)
    if declared_kind:
        found.add(declared_kind, "flag", None, f"--author-kind {declared_kind}", None)
    if env_kind:
        found.add(env_kind, "env:" + KIND_ENV, None, f"{KIND_ENV}={env[KIND_ENV]}", None)

    agent_commits = 0
    for commit in changes.commits:
        agent_commits += _classify_commit(commit, agents, found)

    staged_agent = False
    if changes.mode in ("staged", "patch"):
        staged_agent = _classify_staged(changes.committer, agents, env, found)

    kind: AuthorKind | None = _as_kind(declared_kind or env_kind)
    if kind is None and changes.commits:
        kind = (
            MIXED if 0 < agent_commits < len(changes.commits) else AGENT if agent_commits else HUMAN
        )
    elif kind is None:
        kind = AGENT if staged_agent else HUMAN
    return found.result(kind)


def members_of(person: Person, teams: Mapping[str, Team]) -> tuple[str, ...]:
    """The teams ``person`` belongs to (DESIGN §10 "Identity"), sorted.

    A member matches when its email equals the person's, or when the person's email local part
    or name equals its login; all case-insensitive. In a GitHub user noreply address
    (``<id>+<login>@users.noreply.github.com``) the local part is the login.
    """
    return tuple(sorted({team for team, _ in _memberships(person, teams)}))


def member_logins(person: Person, teams: Mapping[str, Team]) -> tuple[str, ...]:
    """The declared logins ``person`` is (matched as in :func:`members_of`), sorted."""
    return tuple(sorted({login for _, login in _memberships(person, teams)}))


def _memberships(person: Person, teams: Mapping[str, Team]) -> list[tuple[str, str]]:
    email = person.email.strip().lower()
    local = email.rsplit("@", 1)[0] if "@" in email else ""
    if email.endswith(_GITHUB_NOREPLY):
        local = local.split("+", 1)[-1]
    name = person.name.strip().lower()
    found = []
    for team_name, team in teams.items():
        for member in team.members:
            login = member.login.lower()
            if (
                (member.email is not None and email and member.email.lower() == email)
                or (local and local == login)
                or (name and name == login)
            ):
                found.append((team_name, login))
                break
    return found


# --- internals -------------------------------------------------------------------------------


class _Found:
    """Evidence, agents and people collected so far; dedupes and sorts at the end."""

    def __init__(self, commits: Sequence[Commit]) -> None:
        self._order = {c.sha: i for i, c in enumerate(commits)}
        self._evidence: dict[tuple[str, str | None, str], AuthorEvidence] = {}
        self._people: set[Person] = set()
        self._agents: set[str] = set()

    def add(
        self, kind: str, source: str, agent: str | None, detail: str, commit: str | None
    ) -> None:
        ev = AuthorEvidence(kind, source, agent, detail, commit, RANK[source])
        self._evidence.setdefault((source, commit, detail), ev)
        if agent:
            self._agents.add(agent)

    def person(self, person: Person) -> None:
        if person.email.strip().lower() not in _PLATFORM_EMAILS:
            self._people.add(person)

    def _key(self, ev: AuthorEvidence) -> tuple[int, int, str, str]:
        order = -1 if ev.commit is None else self._order.get(ev.commit, -1)
        return (ev.strength, order, ev.detail, ev.source)

    def result(self, kind: AuthorKind) -> Authorship:
        return Authorship(
            kind=kind,
            evidence=tuple(sorted(self._evidence.values(), key=self._key)),
            people=tuple(sorted(self._people, key=lambda p: (p.email.lower(), p.name, p.email))),
            agents=tuple(sorted(self._agents)),
        )


def _as_kind(value: str | None) -> AuthorKind | None:
    return AGENT if value == AGENT else HUMAN if value == HUMAN else None


def _declared_kind(value: str | None) -> str | None:
    if value is None:
        return None
    kind = value.strip().lower()
    if kind not in KINDS:
        raise GuardrailsError(
            f"--author-kind must be 'agent' or 'human', not {value!r}",
            fix="pass --author-kind agent or --author-kind human",
        )
    return kind


def _env_kind(value: str | None) -> str | None:
    if value is None or not value.strip():  # an empty variable is an unset one
        return None
    kind = value.strip().lower()
    if kind not in KINDS:
        raise GuardrailsError(
            f"{KIND_ENV} must be 'agent' or 'human', not {value!r}",
            fix=f"export {KIND_ENV}=agent (or human), or unset it",
        )
    return kind


def _alias(name: str) -> str | None:
    return _ALIASES.get(_ALIAS_NOISE.sub("", name.lower()))


def _bot_slug(person: Person) -> str | None:
    m = _BOT_NAME.match(person.name.strip()) or _BOT_EMAIL.match(person.email.strip())
    return m[1] if m else None


def _identity_facts(person: Person, agents: AgentIdentities) -> list[tuple[str, str, str]]:
    """(source, agent name, note) for each way ``person`` is an agent; empty for a human."""
    email, name = person.email.strip().lower(), person.name.strip()
    known = _AGENT_EMAILS.get(email)
    slug = _bot_slug(person)
    bot = (_alias(slug) or f"{slug}[bot]") if slug else None
    aider = name.lower().endswith(_AIDER_SUFFIX)
    label = known or bot or (AIDER if aider else None) or name or email
    facts: list[tuple[str, str, str]] = []
    pattern = next((p for p in agents.emails if email and fnmatchcase(email, p.lower())), None)
    if pattern is not None:
        facts.append(("config:agents.emails", label, f"matches agents.emails '{pattern}'"))
    pattern = next((p for p in agents.names if name and fnmatchcase(name.lower(), p.lower())), None)
    if pattern is not None:
        facts.append(("config:agents.names", label, f"matches agents.names '{pattern}'"))
    if known:
        facts.append(("email", known, ""))
    if bot:
        facts.append(("bot-login", bot, ""))
    if aider:
        facts.append(("name-marker", AIDER, ""))
    return facts


def _identity(
    person: Person, role: str, commit: str | None, agents: AgentIdentities, found: _Found
) -> bool:
    """Record ``person`` as agent evidence or as a human; True when it is an agent."""
    facts = _identity_facts(person, agents)
    where = f"commit {commit[:8]}: {role}" if commit else role
    for source, agent, note in facts:
        detail = f"{where} {person}" + (f" {note}" if note else "")
        found.add(AGENT, source, agent, detail, commit)
    if not facts or [s for s, _, _ in facts] == ["name-marker"]:
        # Aider commits under the human's own email with " (aider)" appended: that human is
        # an author too.
        name = person.name
        if name.lower().endswith(_AIDER_SUFFIX):
            name = name[: -len(_AIDER_SUFFIX)]
        found.person(Person(name, person.email))
    return bool(facts)


def _trailer_agent(trailer: Trailer, agents: AgentIdentities, found: _Found) -> str | None:
    """The agent a Co-authored-by / Assisted-by trailer names, or None (a person: recorded)."""
    value = trailer.value.strip()
    m = _NAME_EMAIL.match(value)
    if m:
        person = Person(m[1], m[2].strip())
        facts = _identity_facts(person, agents)
        if facts:
            return facts[0][1]
        found.person(person)
        return None
    if trailer.key.lower() == _ASSISTED:
        m = _AGENT_MODEL.match(value)
        if m:  # the kernel convention is for tools only: always an agent
            return _alias(m[1]) or m[1]
        word = _FIRST_WORD.match(value)
        return _alias(word[0]) if word else None
    if value:  # "Co-authored-by: raj", no email: still a person
        found.person(Person(value, ""))
    return None


def _classify_commit(commit: Commit, agents: AgentIdentities, found: _Found) -> bool:
    """Collect one commit's evidence; True when it is agent-authored or agent-assisted."""
    short = commit.sha[:8]
    is_agent = _identity(commit.author, "author", commit.sha, agents, found)
    if commit.committer != commit.author:
        is_agent = _identity(commit.committer, "committer", commit.sha, agents, found) or is_agent
    for trailer in commit.trailers:
        key = trailer.key.lower()
        source = _TRAILER_SOURCES.get(key)
        if source is None:
            continue
        detail = f"commit {short}: {trailer.key}: {trailer.value}"
        agent = CLAUDE_CODE if key == _CLAUDE_SESSION else _trailer_agent(trailer, agents, found)
        if agent:
            found.add(AGENT, source, agent, detail, commit.sha)
            is_agent = True
    for m in _GENERATED.finditer(commit.message):
        found.add(
            AGENT, "message-marker", _GENERATED_AGENTS[m[1]], f"commit {short}: {m[0]}", commit.sha
        )
        is_agent = True
    if commit.subject.startswith(_AIDER_SUBJECT):
        detail = f"commit {short}: subject starts with '{_AIDER_SUBJECT}'"
        found.add(AGENT, "message-marker", AIDER, detail, commit.sha)
        is_agent = True
    if not is_agent:
        detail = f"commit {short}: author {commit.author}, no agent marker"
        found.add(HUMAN, "author", None, detail, commit.sha)
    return is_agent


def _classify_staged(
    committer: Person | None, agents: AgentIdentities, env: Mapping[str, str], found: _Found
) -> bool:
    """--staged / --patch: the identity that will commit, and the agent shell markers."""
    is_agent = False
    if committer is not None:
        is_agent = _identity(committer, "git identity", None, agents, found)
    for name, agent in _ENV_AGENTS.items():
        value = env.get(name)
        if value is not None and value.strip().lower() not in _ENV_OFF:
            found.add(AGENT, "env:" + name, agent, f"{name}={value}", None)
            is_agent = True
    if not is_agent and committer is not None:
        found.add(HUMAN, "identity", None, f"git identity {committer}, no agent marker", None)
    return is_agent


def login_is_agent(login: str, agents: AgentIdentities = _NO_AGENTS) -> bool:
    """Whether a reviewer's login is an AI agent or a bot: a known agent (``copilot``,
    ``claude``, ...), a ``*[bot]`` app, or a configured ``agents.names`` pattern."""
    return bool(_identity_facts(Person(login, ""), agents)) or _alias(login) is not None
