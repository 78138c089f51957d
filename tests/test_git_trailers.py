"""Trailer parsing must agree with `git interpret-trailers --parse`, byte for byte."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from guardrails.changes import Trailer
from guardrails.git import parse_trailers
from tests.gitrepo import GitRepo, git_env

CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"

# (message, the trailers git finds) — the expectations are written out by hand and also
# checked against git itself below, so a wrong expectation cannot hide a wrong parser.
CASES: list[tuple[str, list[tuple[str, str]]]] = [
    ("Fix the thing\n", []),
    ("Fix the thing\n\n" + CLAUDE + "\n", [("Co-Authored-By", "Claude <noreply@anthropic.com>")]),
    # A one-paragraph message is all title: never trailers.
    (CLAUDE + "\n", []),
    (
        "Add caching\n\nBody text explains why.\n\nAssisted-by: claude-code:claude-opus-4 [ruff]\n"
        "Co-authored-by: Codex <noreply@openai.com>\n",
        [
            ("Assisted-by", "claude-code:claude-opus-4 [ruff]"),
            ("Co-authored-by", "Codex <noreply@openai.com>"),
        ],
    ),
    # Continuation lines fold into one value.
    (
        "Refactor\n\nApproved-by: Emma Stone\n  <emma@acme.dev>\nReviewed-by: raj\n",
        [("Approved-by", "Emma Stone <emma@acme.dev>"), ("Reviewed-by", "raj")],
    ),
    # The last paragraph is prose: no trailers, even though the body has a trailer-like line.
    ("Tune ranker\n\nApproved-by: nobody, this is prose\n\nThis paragraph is just text.\n", []),
    # A trailer-looking line in the body (not the last paragraph) is not a trailer.
    ("Tune ranker\n\nNote: see INC-2041 for context\n\nReviewed-by: li\n", [("Reviewed-by", "li")]),
    # Mixed paragraph, no git-generated trailer: not all trailers -> none.
    ("Subject\n\nsome prose here\nReviewed-by: li\n", []),
    # Mixed paragraph with Signed-off-by and >= 25% trailers -> the trailers only.
    (
        "Subject\n\nprose line one\nprose line two\nSigned-off-by: Raj <raj@acme.dev>\n",
        [("Signed-off-by", "Raj <raj@acme.dev>")],
    ),
    # Exactly 25%: one git-generated trailer among three prose lines still makes a block.
    (
        "Subject\n\none\ntwo\nthree\nSigned-off-by: Raj <raj@acme.dev>\n",
        [("Signed-off-by", "Raj <raj@acme.dev>")],
    ),
    # A comment line inside the block neither counts nor shows.
    (
        "Subject\n\nReviewed-by: li\n# reviewed on the call\nAcked-by: sam\n",
        [("Reviewed-by", "li"), ("Acked-by", "sam")],
    ),
    # Indented lines after prose count as prose: 1 trailer vs 4 prose lines is under 25%.
    ("Subject\n\nprose\n  c1\n  c2\n  c3\nSigned-off-by: Raj <raj@acme.dev>\n", []),
    # Everything from a scissors line on is ignored (git commit --cleanup=scissors).
    # (Not in the fuzz: git 2.39 loops forever when a scissors line follows a `---` divider.)
    (
        "Subject\n\nReviewed-by: li\n# ------------------------ >8 ------------------------\n"
        "Acked-by: x\n",
        [("Reviewed-by", "li")],
    ),
    # Too much prose for the 25% rule, even with Signed-off-by.
    ("Subject\n\none\ntwo\nthree\nfour\nSigned-off-by: Raj <raj@acme.dev>\n", []),
    # Keys are matched case-insensitively later; here they keep their spelling and spacing.
    (
        "Subject\n\nco-authored-by :  Devin <devin@cognition.ai>  \nCLAUDE-SESSION: https://claude.ai/x\n",
        [
            ("co-authored-by", "Devin <devin@cognition.ai>"),
            ("CLAUDE-SESSION", "https://claude.ai/x"),
        ],
    ),
    # Everything after a `---` divider is a patch, not the message.
    ("Subject\n\nReviewed-by: li\n---\n a.py | 2 +-\n", [("Reviewed-by", "li")]),
    # A token with a space in it is not a token.
    ("Subject\n\nReviewed by: li\n", []),
    # The cherry-pick line counts as git-generated (it lets prose in) but is not itself output.
    (
        "Subject\n\nprose\nReviewed-by: li\n(cherry picked from commit 0123456789abcdef)\n",
        [("Reviewed-by", "li")],
    ),
    # Trailing comment lines and blank lines are ignored.
    ("Subject\n\nReviewed-by: li\n\n# a comment\n", [("Reviewed-by", "li")]),
    # git reads a bare URL as the token "https": it makes the paragraph all trailers.
    (
        "Subject\n\nBug: 123\nhttps://example.com/x\n",
        [("Bug", "123"), ("https", "//example.com/x")],
    ),
    (
        "Subject\n\nKey:value-without-space\nOther-Key:\n",
        [("Key", "value-without-space"), ("Other-Key", "")],
    ),
]


def git_parse(message: str, cwd: Path) -> list[tuple[str, str]]:
    out = subprocess.run(
        ["git", "interpret-trailers", "--parse"],
        input=message.encode(),
        cwd=cwd,
        env=git_env(),
        capture_output=True,
        check=True,
        timeout=20,
    ).stdout.decode()
    return [
        tuple(line.split(": ", 1)) if ": " in line else (line.rstrip(":"), "")  # type: ignore[misc]
        for line in out.splitlines()
    ]


def ours(message: str) -> list[tuple[str, str]]:
    return [(t.key, t.value) for t in parse_trailers(message)]


@pytest.mark.parametrize(("message", "expected"), CASES)
def test_parse_trailers_exact(message: str, expected: list[tuple[str, str]]) -> None:
    assert ours(message) == expected


@pytest.mark.parametrize(("message", "expected"), CASES)
def test_parse_trailers_agrees_with_git(
    repo: GitRepo, message: str, expected: list[tuple[str, str]]
) -> None:
    assert git_parse(message, repo.root) == expected


def test_trailer_objects() -> None:
    assert parse_trailers("x\n\n" + CLAUDE + "\n") == (
        Trailer("Co-Authored-By", "Claude <noreply@anthropic.com>"),
    )


TRAILERISH = [
    "Reviewed-by: li",
    "Signed-off-by: Raj <raj@acme.dev>",
    "Co-Authored-By: Claude <c@a.com>",
    "  continued value",
    "\tmore",
    "Key:v",
    "(cherry picked from commit abc)",
    "Bug: 7",
    "Assisted-by: aider:gpt-5",
    "x: y: z",
    "Approved-by: emma",
    "# comment",
]
NOISE = [
    "plain prose",
    "more prose",
    "Not a: token",
    "",
    "---",
    "--- not divider?",
    "# comment",
    "Fixes #12",
    ": empty token",
    "Conflicts:",
    "\tpath.py",
    "  ",
]


def random_message(rng: random.Random) -> str:
    parts = ["Subject line\n"]
    if rng.random() < 0.5:
        parts.append("\nA body paragraph.\nNote: not a trailer here\n")
    parts.append("\n")
    for _ in range(rng.randint(0, 8)):
        line = rng.choice(TRAILERISH) if rng.random() < 0.6 else rng.choice(NOISE)
        parts.append(line + "\n")
    return "".join(parts)


def test_parse_trailers_fuzz_against_git(repo: GitRepo) -> None:
    """Random messages from trailer-ish and prose lines: our parser and git agree on each."""
    rng = random.Random(20261101)
    messages = [random_message(rng) for _ in range(200)]
    disagreements = [m for m in messages if ours(m) != git_parse(m, repo.root)]
    assert disagreements == []
    with_trailers = sum(1 for m in messages if parse_trailers(m))
    assert 50 < with_trailers < 170  # the sample exercises both outcomes
