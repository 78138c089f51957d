"""Authorship: every agent marker in reference/agent-identities.md, as data, plus look-alikes.

Each case is a list of commits (author, committer, message) whose trailers are parsed the way
git parses them (guardrails.git.parse_trailers), and the exact verdict: kind, agents, people
and every piece of evidence in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from guardrails.authors import AGENT_ENV_MARKERS, RANK, AuthorEvidence, classify, members_of
from guardrails.catalog.model import AgentIdentities, Member, Team
from guardrails.changes import ChangeSet, Commit, Person
from guardrails.errors import GuardrailsError
from guardrails.git import Repo, parse_trailers
from tests.gitrepo import GitRepo

EMMA = "Emma Stone <emma@acme.dev>"
RAJ = "Raj <raj@acme.dev>"
CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"
C1, C2, C3, C4 = "11111111", "22222222", "33333333", "44444444"  # short shas of commits 1..4
CONFIG = AgentIdentities(emails=("*@Agents.Acme.dev",), names=("acme-bot*",))


def person(text: str) -> Person:
    name, _, email = text.partition(" <")
    return Person(name, email.rstrip(">"))


def message(subject: str, *paragraphs: str, trailers: tuple[str, ...] = ()) -> str:
    parts = [subject, *paragraphs]
    if trailers:
        parts.append("\n".join(trailers))
    return "\n\n".join(parts)


def commit(n: int, author: str, msg: str, committer: str | None = None) -> Commit:
    return Commit(
        sha=str(n) * 40,
        parents=(str(n - 1) * 40,),
        author=person(author),
        author_date="2023-11-14T22:14:20+00:00",
        committer=person(committer or author),
        committer_date="2023-11-14T22:14:20+00:00",
        message=msg,
        trailers=parse_trailers(msg + "\n"),
    )


def commit_range(*commits: tuple[str, ...]) -> ChangeSet:
    """(author, message[, committer]) per commit, oldest first; shas are 111..., 222..., ..."""
    built = tuple(
        commit(i, c[0], c[1], c[2] if len(c) > 2 else None) for i, c in enumerate(commits, start=1)
    )
    return ChangeSet("range", "0" * 40, built[-1].sha, (), built)


def staged(committer: str | None, mode: str = "staged") -> ChangeSet:
    return ChangeSet(mode, "0" * 40, None, (), committer=person(committer) if committer else None)


@dataclass(frozen=True)
class Case:
    id: str
    changes: ChangeSet
    kind: str
    agents: tuple[str, ...]
    # (kind, source, agent, detail), strongest first
    evidence: tuple[tuple[str, str, str | None, str], ...]
    people: tuple[str, ...] = ()
    config: AgentIdentities = AgentIdentities()
    declared: str | None = None
    env: dict[str, str] = field(default_factory=dict)


def human(short: str, author: str) -> tuple[str, str, None, str]:
    return ("human", "author", None, f"commit {short}: author {author}, no agent marker")


CASES = [
    # --- Claude Code ---
    Case(
        "claude-trailer",
        commit_range((EMMA, message("Add cache", trailers=(CLAUDE,)))),
        "agent",
        ("Claude Code",),
        (("agent", "trailer:Co-authored-by", "Claude Code", f"commit {C1}: {CLAUDE}"),),
        people=(EMMA,),
    ),
    Case(
        "claude-model-name-session-and-pr-line",
        commit_range(
            (
                EMMA,
                message(
                    "Add cache",
                    "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
                    trailers=(
                        "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>",
                        "Claude-Session: https://claude.ai/code/session_01AbC",
                    ),
                ),
            )
        ),
        "agent",
        ("Claude Code",),
        (
            (
                "agent",
                "trailer:Co-authored-by",
                "Claude Code",
                f"commit {C1}: Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>",
            ),
            (
                "agent",
                "trailer:Claude-Session",
                "Claude Code",
                f"commit {C1}: Claude-Session: https://claude.ai/code/session_01AbC",
            ),
            (
                "agent",
                "message-marker",
                "Claude Code",
                f"commit {C1}: Generated with [Claude Code]",
            ),
        ),
        people=(EMMA,),
    ),
    Case(
        "claude-github-app",
        commit_range(
            ("claude[bot] <209825114+claude[bot]@users.noreply.github.com>", "Fix flaky test")
        ),
        "agent",
        ("Claude Code",),
        (
            (
                "agent",
                "bot-login",
                "Claude Code",
                f"commit {C1}: author claude[bot] <209825114+claude[bot]@users.noreply.github.com>",
            ),
        ),
    ),
    # --- GitHub Copilot coding agent: the email has no [bot]; the human who started it is a
    # co-author; GitHub itself commits web edits and is nobody.
    Case(
        "copilot-agent",
        commit_range(
            (
                "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
                message("Add retries", trailers=(f"Co-authored-by: {RAJ}",)),
                "GitHub <noreply@github.com>",
            )
        ),
        "agent",
        ("GitHub Copilot",),
        (
            (
                "agent",
                "bot-login",
                "GitHub Copilot",
                f"commit {C1}: author copilot-swe-agent[bot] "
                "<198982749+Copilot@users.noreply.github.com>",
            ),
            (
                "agent",
                "email",
                "GitHub Copilot",
                f"commit {C1}: author copilot-swe-agent[bot] "
                "<198982749+Copilot@users.noreply.github.com>",
            ),
        ),
        people=(RAJ,),
    ),
    Case(
        "copilot-email-alone-no-bot-suffix",
        commit_range(("Copilot <198982749+Copilot@users.noreply.github.com>", "Bump deps")),
        "agent",
        ("GitHub Copilot",),
        (
            (
                "agent",
                "email",
                "GitHub Copilot",
                f"commit {C1}: author Copilot <198982749+Copilot@users.noreply.github.com>",
            ),
        ),
    ),
    # --- OpenAI Codex ---
    Case(
        "codex-trailer-and-app",
        commit_range(
            (RAJ, message("Port parser", trailers=("Co-authored-by: Codex <noreply@openai.com>",))),
            (
                "chatgpt-codex-connector[bot] "
                "<199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
                "Address review",
            ),
        ),
        "agent",
        ("OpenAI Codex",),
        (
            (
                "agent",
                "bot-login",
                "OpenAI Codex",
                f"commit {C2}: author chatgpt-codex-connector[bot] "
                "<199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
            ),
            (
                "agent",
                "trailer:Co-authored-by",
                "OpenAI Codex",
                f"commit {C1}: Co-authored-by: Codex <noreply@openai.com>",
            ),
        ),
        people=(RAJ,),
    ),
    # --- Devin ---
    Case(
        "devin",
        commit_range(
            (
                RAJ,
                message(
                    "Migrate config",
                    "Generated with [Devin](https://devin.ai)",
                    trailers=(
                        "Co-Authored-By: Devin "
                        "<158243242+devin-ai-integration[bot]@users.noreply.github.com>",
                    ),
                ),
            )
        ),
        "agent",
        ("Devin",),
        (
            (
                "agent",
                "trailer:Co-authored-by",
                "Devin",
                f"commit {C1}: Co-Authored-By: Devin "
                "<158243242+devin-ai-integration[bot]@users.noreply.github.com>",
            ),
            ("agent", "message-marker", "Devin", f"commit {C1}: Generated with [Devin]"),
        ),
        people=(RAJ,),
    ),
    # --- Cursor: the identity (rank 3) sorts before the trailer (rank 5) of an older commit.
    Case(
        "cursor-trailer-and-cloud-agent",
        commit_range(
            (
                EMMA,
                message(
                    "Tune ranker", trailers=("Co-authored-by: Cursor <cursoragent@cursor.com>",)
                ),
            ),
            ("Cursor Agent <cursoragent@cursor.com>", "Fix lint"),
        ),
        "agent",
        ("Cursor",),
        (
            (
                "agent",
                "email",
                "Cursor",
                f"commit {C2}: author Cursor Agent <cursoragent@cursor.com>",
            ),
            (
                "agent",
                "trailer:Co-authored-by",
                "Cursor",
                f"commit {C1}: Co-authored-by: Cursor <cursoragent@cursor.com>",
            ),
        ),
        people=(EMMA,),
    ),
    # --- Aider: the human's own email with " (aider)" appended; that human is an author.
    Case(
        "aider-suffix-prefix-and-trailers",
        commit_range(
            ("Raj (aider) <raj@acme.dev>", "aider: Fix the parser"),
            (RAJ, "Refactor loader", "Raj (aider) <raj@acme.dev>"),
            (
                EMMA,
                message(
                    "Add test",
                    trailers=("Co-authored-by: aider (openai/gpt-4o) <aider@aider.chat>",),
                ),
            ),
            (
                EMMA,
                message(
                    "Old aider", trailers=("Co-authored-by: aider (gpt-4) <noreply@aider.chat>",)
                ),
            ),
        ),
        "agent",
        ("Aider",),
        (
            ("agent", "name-marker", "Aider", f"commit {C1}: author Raj (aider) <raj@acme.dev>"),
            ("agent", "name-marker", "Aider", f"commit {C2}: committer Raj (aider) <raj@acme.dev>"),
            (
                "agent",
                "trailer:Co-authored-by",
                "Aider",
                f"commit {C3}: Co-authored-by: aider (openai/gpt-4o) <aider@aider.chat>",
            ),
            (
                "agent",
                "trailer:Co-authored-by",
                "Aider",
                f"commit {C4}: Co-authored-by: aider (gpt-4) <noreply@aider.chat>",
            ),
            ("agent", "message-marker", "Aider", f"commit {C1}: subject starts with 'aider: '"),
        ),
        people=(EMMA, RAJ),
    ),
    # --- Linux kernel convention: AGENT:MODEL is always an agent, known or not.
    Case(
        "kernel-assisted-by",
        commit_range(
            (
                RAJ,
                message(
                    "mm: fix leak",
                    trailers=(
                        "Assisted-by: claude-code:claude-opus-4 [ruff]",
                        f"Signed-off-by: {RAJ}",
                    ),
                ),
            ),
            (RAJ, message("mm: tidy", trailers=("assisted-by: gemini-cli:gemini-2.5-pro",))),
        ),
        "agent",
        ("Claude Code", "gemini-cli"),
        (
            (
                "agent",
                "trailer:Assisted-by",
                "Claude Code",
                f"commit {C1}: Assisted-by: claude-code:claude-opus-4 [ruff]",
            ),
            (
                "agent",
                "trailer:Assisted-by",
                "gemini-cli",
                f"commit {C2}: assisted-by: gemini-cli:gemini-2.5-pro",
            ),
        ),
        people=(RAJ,),
    ),
    # --- configured identities (fnmatch, case-insensitive), also as a co-author ---
    Case(
        "configured-identities",
        commit_range(
            ("release <release@AGENTS.acme.dev>", "Release 1.2"),
            ("Acme-Bot 2 <bot2@acme.dev>", "Regenerate stubs"),
            (EMMA, message("Fix", trailers=("Co-authored-by: helper <helper@agents.acme.dev>",))),
        ),
        "agent",
        ("Acme-Bot 2", "helper", "release"),
        (
            (
                "agent",
                "config:agents.emails",
                "release",
                f"commit {C1}: author release <release@AGENTS.acme.dev> "
                "matches agents.emails '*@Agents.Acme.dev'",
            ),
            (
                "agent",
                "config:agents.names",
                "Acme-Bot 2",
                f"commit {C2}: author Acme-Bot 2 <bot2@acme.dev> matches agents.names 'acme-bot*'",
            ),
            (
                "agent",
                "trailer:Co-authored-by",
                "helper",
                f"commit {C3}: Co-authored-by: helper <helper@agents.acme.dev>",
            ),
        ),
        people=(EMMA,),
        config=CONFIG,
    ),
    Case(
        "configured-identities-unset-do-not-match",
        commit_range(("release <release@agents.acme.dev>", "Release 1.2")),
        "human",
        (),
        (human(C1, "release <release@agents.acme.dev>"),),
        people=("release <release@agents.acme.dev>",),
    ),
    Case(
        "unknown-bot-is-an-agent",
        commit_range(
            ("dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>", "Bump x")
        ),
        "agent",
        ("dependabot[bot]",),
        (
            (
                "agent",
                "bot-login",
                "dependabot[bot]",
                f"commit {C1}: author dependabot[bot] "
                "<49699333+dependabot[bot]@users.noreply.github.com>",
            ),
        ),
    ),
    # --- mixed ranges and humans ---
    Case(
        "mixed-range",
        commit_range(
            (EMMA, "Hand-written fix"),
            # the same trailer twice is one piece of evidence
            (RAJ, message("Agent follow-up", trailers=(CLAUDE, CLAUDE))),
            (RAJ, "Hand-written docs", EMMA),
        ),
        "mixed",
        ("Claude Code",),
        (
            ("agent", "trailer:Co-authored-by", "Claude Code", f"commit {C2}: {CLAUDE}"),
            human(C1, EMMA),
            human(C3, RAJ),
        ),
        people=(EMMA, RAJ),
    ),
    Case(
        "human-co-author",
        commit_range(
            (
                EMMA,
                message(
                    "Pair on ranker",
                    trailers=("Co-authored-by: Li Wei <li@acme.dev>", "Co-authored-by: sam"),
                ),
            )
        ),
        "human",
        (),
        (human(C1, EMMA),),
        people=("sam <>", EMMA, "Li Wei <li@acme.dev>"),
    ),
    # Without AGENT:MODEL, a bare Assisted-by counts only when it names a known agent.
    Case(
        "assisted-by-bare-names",
        commit_range(
            (RAJ, message("Fix", trailers=("Assisted-by: Copilot",))),
            (RAJ, message("Fix", trailers=("Assisted-by: a rubber duck",))),
        ),
        "mixed",
        ("GitHub Copilot",),
        (
            (
                "agent",
                "trailer:Assisted-by",
                "GitHub Copilot",
                f"commit {C1}: Assisted-by: Copilot",
            ),
            human(C2, RAJ),
        ),
        people=(RAJ,),
    ),
    Case(
        "assisted-by-a-person-is-a-person",
        commit_range((EMMA, message("Fix", trailers=(f"Assisted-by: {RAJ}",)))),
        "human",
        (),
        (human(C1, EMMA),),
        people=(EMMA, RAJ),
    ),
    # --- look-alikes that must not count ---
    Case(
        "claude-shannon-is-human",
        commit_range(
            (
                "Claude Shannon <claude@shannon.org>",
                message("Entropy", trailers=("Co-authored-by: Claude <claude@anthropic.org>",)),
            )
        ),
        "human",
        (),
        (human(C1, "Claude Shannon <claude@shannon.org>"),),
        people=("Claude <claude@anthropic.org>", "Claude Shannon <claude@shannon.org>"),
    ),
    Case(
        "co-authored-by-in-body-not-trailer-block",
        commit_range(
            (EMMA, message("Fix", CLAUDE, "This last paragraph is prose, so no trailers.")),
            (RAJ, message("Fix", "some prose here\n" + CLAUDE)),
        ),
        "human",
        (),
        (human(C1, EMMA), human(C2, RAJ)),
        people=(EMMA, RAJ),
    ),
    # --- declared kind (flag, then env) overrides but keeps the evidence ---
    Case(
        "declared-human-keeps-agent-evidence",
        commit_range((EMMA, message("Add cache", trailers=(CLAUDE,)))),
        "human",
        ("Claude Code",),
        (
            ("human", "flag", None, "--author-kind human"),
            ("agent", "trailer:Co-authored-by", "Claude Code", f"commit {C1}: {CLAUDE}"),
        ),
        people=(EMMA,),
        declared="human",
    ),
    Case(
        "declared-agent",
        commit_range((EMMA, "Fix")),
        "agent",
        (),
        (("agent", "flag", None, "--author-kind agent"), human(C1, EMMA)),
        people=(EMMA,),
        declared=" Agent ",
    ),
    Case(
        "env-kind-agent",
        commit_range((EMMA, "Fix")),
        "agent",
        (),
        (
            ("agent", "env:GUARDRAILS_AUTHOR_KIND", None, "GUARDRAILS_AUTHOR_KIND=agent"),
            human(C1, EMMA),
        ),
        people=(EMMA,),
        env={"GUARDRAILS_AUTHOR_KIND": "agent"},
    ),
    Case(
        "flag-beats-env",
        commit_range((EMMA, "Fix")),
        "human",
        (),
        (
            ("human", "flag", None, "--author-kind human"),
            ("agent", "env:GUARDRAILS_AUTHOR_KIND", None, "GUARDRAILS_AUTHOR_KIND=agent"),
            human(C1, EMMA),
        ),
        people=(EMMA,),
        declared="human",
        env={"GUARDRAILS_AUTHOR_KIND": "agent"},
    ),
    Case(
        "empty-env-kind-is-unset",
        commit_range((EMMA, "Fix")),
        "human",
        (),
        (human(C1, EMMA),),
        people=(EMMA,),
        env={"GUARDRAILS_AUTHOR_KIND": " "},
    ),
    # CI mode uses the commits only: the runner's shell is not the author's.
    Case(
        "range-ignores-shell-markers",
        commit_range((EMMA, "Fix")),
        "human",
        (),
        (human(C1, EMMA),),
        people=(EMMA,),
        env={"CLAUDECODE": "1"},
    ),
    # --- --staged / --patch: the git identity that will commit, and the agent's shell ---
    Case(
        "staged-claudecode",
        staged(EMMA),
        "agent",
        ("Claude Code",),
        (("agent", "env:CLAUDECODE", "Claude Code", "CLAUDECODE=1"),),
        people=(EMMA,),
        env={"CLAUDECODE": "1"},
    ),
    Case(
        "patch-claudecode",
        staged(EMMA, mode="patch"),
        "agent",
        ("Claude Code",),
        (("agent", "env:CLAUDECODE", "Claude Code", "CLAUDECODE=1"),),
        people=(EMMA,),
        env={"CLAUDECODE": "1"},
    ),
    Case(
        "staged-human",
        staged(EMMA),
        "human",
        (),
        (("human", "identity", None, f"git identity {EMMA}, no agent marker"),),
        people=(EMMA,),
        env={"CLAUDECODE": "0"},
    ),
    Case(
        "staged-agent-identity",
        staged("Cursor Agent <cursoragent@cursor.com>"),
        "agent",
        ("Cursor",),
        (("agent", "email", "Cursor", "git identity Cursor Agent <cursoragent@cursor.com>"),),
    ),
    Case("staged-unknown-identity", staged(None), "human", (), ()),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_classify(case: Case) -> None:
    got = classify(case.changes, case.config, declared=case.declared, env=case.env)
    assert got.kind == case.kind
    assert got.agents == case.agents
    assert [(e.kind, e.source, e.agent, e.detail) for e in got.evidence] == list(case.evidence)
    assert [str(p) for p in got.people] == list(case.people)
    shas = {c.sha[:8]: c.sha for c in case.changes.commits}
    for e in got.evidence:  # commit: the full sha the detail names; strength: its rank
        assert e.commit == (shas[e.detail[7:15]] if e.detail.startswith("commit ") else None)
        assert e.strength == RANK[e.source]


def test_ranking_is_the_documented_one() -> None:
    # DESIGN §7, strongest first: flag, env, configured identities, known emails and bot
    # logins, Aider's name suffix, trailers, message markers, shell markers, then humans.
    ladder = [
        ["flag"],
        ["env:GUARDRAILS_AUTHOR_KIND"],
        ["config:agents.emails", "config:agents.names"],
        ["email", "bot-login"],
        ["name-marker"],
        ["trailer:Co-authored-by", "trailer:Assisted-by"],
        ["message-marker", "trailer:Claude-Session"],
        ["env:CLAUDECODE"],
        ["author", "identity"],
    ]
    assert {s: RANK[s] for s in RANK} == {s: i for i, step in enumerate(ladder) for s in step}


def test_env_markers_are_the_documented_ones() -> None:
    assert AGENT_ENV_MARKERS == ("GUARDRAILS_AUTHOR_KIND", "CLAUDECODE")


def test_as_dict_is_the_check_json_author_object() -> None:
    got = classify(
        commit_range((EMMA, "Fix"), (RAJ, message("More", trailers=(CLAUDE,)))),
        env={"CLAUDECODE": "1"},
    )
    assert got.as_dict() == {
        "kind": "mixed",
        "evidence": [
            {
                "kind": "agent",
                "source": "trailer:Co-authored-by",
                "agent": "Claude Code",
                "detail": f"commit {C2}: {CLAUDE}",
                "commit": "2" * 40,
                "strength": 5,
            },
            {
                "kind": "human",
                "source": "author",
                "agent": None,
                "detail": f"commit {C1}: author {EMMA}, no agent marker",
                "commit": "1" * 40,
                "strength": 8,
            },
        ],
    }
    assert isinstance(got.evidence[0], AuthorEvidence)


@pytest.mark.parametrize(
    ("declared", "env", "message", "fix"),
    [
        (
            "robot",
            {},
            "--author-kind must be 'agent' or 'human', not 'robot'",
            "pass --author-kind agent or --author-kind human",
        ),
        (
            "",
            {},
            "--author-kind must be 'agent' or 'human', not ''",
            "pass --author-kind agent or --author-kind human",
        ),
        (
            None,
            {"GUARDRAILS_AUTHOR_KIND": "bot"},
            "GUARDRAILS_AUTHOR_KIND must be 'agent' or 'human', not 'bot'",
            "export GUARDRAILS_AUTHOR_KIND=agent (or human), or unset it",
        ),
        # A typo in the environment is not silently ignored even when the flag decides.
        (
            "human",
            {"GUARDRAILS_AUTHOR_KIND": "agnet"},
            "GUARDRAILS_AUTHOR_KIND must be 'agent' or 'human', not 'agnet'",
            "export GUARDRAILS_AUTHOR_KIND=agent (or human), or unset it",
        ),
    ],
)
def test_invalid_author_kind(
    declared: str | None, env: dict[str, str], message: str, fix: str
) -> None:
    with pytest.raises(GuardrailsError) as raised:
        classify(commit_range((EMMA, "Fix")), declared=declared, env=env)
    assert raised.value.problem.message == message
    assert raised.value.problem.fix == fix


# --- members_of: DESIGN §10 "Identity" -------------------------------------------------------

TEAMS = {
    "data-infra": Team("data-infra", (Member("emma"), Member("raj", "raj.k@acme.dev"))),
    "ranking": Team("ranking", (Member("li"), Member("sam"), Member("Emma"))),
}


@pytest.mark.parametrize(
    ("who", "teams"),
    [
        (Person("Emma Stone", "emma@acme.dev"), ("data-infra", "ranking")),  # local part
        (Person("R. K.", "RAJ.K@Acme.dev"), ("data-infra",)),  # the member's email, any case
        (Person("RAJ", "rk@other.org"), ("data-infra",)),  # the name equals the login
        (Person("Li Wei", "12345+LI@users.noreply.github.com"), ("ranking",)),  # GitHub noreply
        (Person("Sam Outsider", "samuel@acme.dev"), ()),  # close is not equal: an outsider
        (Person("li wei", "li.wei@acme.dev"), ()),
        (Person("", ""), ()),
    ],
)
def test_members_of(who: Person, teams: tuple[str, ...]) -> None:
    assert members_of(who, TEAMS) == teams


# --- end to end: real commits read through guardrails.git -------------------------------------


def test_real_repository_range(repo: GitRepo, tmp_path: Path) -> None:
    repo.write({"svc/a.py": "x = 1\n"})
    repo.commit("initial")
    repo.branch("feature")
    repo.write({"svc/a.py": "x = 2\n"})
    first = repo.commit("Tune x", author=("Emma Stone", "emma@acme.dev"), trailers=[CLAUDE])
    repo.write({"svc/b.py": "y = 1\n"})
    second = repo.commit(
        "Add y\n\nCo-authored-by: Codex <noreply@openai.com>\n\nThis paragraph is prose.",
        author=("Raj", "raj@acme.dev"),
    )
    repo.write({"svc/c.py": "z = 1\n"})
    third = repo.commit(
        "Add z",
        author=("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"),
        committer=("GitHub", "noreply@github.com"),
        trailers=["Co-authored-by: Li Wei <li@acme.dev>"],
    )

    got = classify(Repo.open(repo.root).read_range("main").changes, declared=None, env={})

    assert got.kind == "mixed"
    assert got.agents == ("Claude Code", "GitHub Copilot")
    copilot = "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>"
    assert [(e.source, e.commit, e.detail) for e in got.evidence] == [
        ("bot-login", third, f"commit {third[:8]}: author {copilot}"),
        ("email", third, f"commit {third[:8]}: author {copilot}"),
        ("trailer:Co-authored-by", first, f"commit {first[:8]}: {CLAUDE}"),
        ("author", second, f"commit {second[:8]}: author Raj <raj@acme.dev>, no agent marker"),
    ]
    assert got.people == (
        Person("Emma Stone", "emma@acme.dev"),
        Person("Li Wei", "li@acme.dev"),
        Person("Raj", "raj@acme.dev"),
    )
