"""Inline suppressions: reason required, locked rules, unused comments, base-located findings."""

from __future__ import annotations

import re

import pytest

from guardrails.rules.base import Case, Rule, Site
from guardrails.rules.registry import builtin_rules
from guardrails.rules.run import run_rules
from guardrails.suppressions import parse_suppressions
from tests.test_rules_cases import context, file_change, run_case

BASE = "import subprocess\n"
SHELL = "subprocess.run(cmd, shell=True)"


def run(
    after: str, *, locked: frozenset[str] = frozenset(), before: str = BASE
) -> list[tuple[str, int | None, str, str]]:
    ctx = context([file_change(before, after, "svc/a.py")])
    return [
        (f.rule, f.line, f.severity, f.message)
        for f in run_rules(ctx, builtin_rules(), locked=locked)
    ]


def test_parse_several_ids_and_reason() -> None:
    (s,) = parse_suppressions(
        "p.py", "x()  # guardrails: ignore[safety.shell , safety.eval] -- fixed input, see ADR-7\n"
    )
    assert (s.line, s.rule_ids, s.reason, s.own_line) == (
        1,
        ("safety.eval", "safety.shell"),
        "fixed input, see ADR-7",
        False,
    )
    (s,) = parse_suppressions("p.py", "x = 1\n    # guardrails: ignore[safety.shell]\n")
    assert (s.line, s.reason, s.own_line) == (2, None, True)
    assert parse_suppressions("p.py", "# guardrails: ignore safety.shell -- no brackets\n") == []


def test_same_line_and_line_above_with_reason() -> None:
    assert run(BASE + f"{SHELL}  # guardrails: ignore[safety.shell] -- constant command\n") == []
    assert run(BASE + f"# guardrails: ignore[safety.shell] -- constant command\n{SHELL}\n") == []


def test_trailing_comment_on_the_previous_code_line_does_not_cover_the_next() -> None:
    got = run(
        BASE + f"x = 1  # guardrails: ignore[safety.shell] -- meant for the next line\n{SHELL}\n"
    )
    assert [g[:3] for g in got] == [
        ("guardrails.unused-suppression", 2, "info"),
        ("safety.shell", 3, "block"),
    ]


def test_missing_reason_suppresses_nothing_and_is_reported() -> None:
    got = run(BASE + f"{SHELL}  # guardrails: ignore[safety.shell]\n")
    assert [g[:3] for g in got] == [
        ("guardrails.suppression-without-reason", 2, "warn"),
        ("safety.shell", 2, "block"),
    ]
    assert "gives no reason" in got[0][3]


def test_locked_rule_cannot_be_suppressed() -> None:
    got = run(
        BASE + f"{SHELL}  # guardrails: ignore[safety.shell] -- trust me\n",
        locked=frozenset({"safety.shell"}),
    )
    assert [g[:3] for g in got] == [
        ("guardrails.suppression-forbidden", 2, "warn"),
        ("safety.shell", 2, "block"),
    ]
    assert got[0][3] == "safety.shell cannot be suppressed: a policy pack locks it"


def test_one_comment_two_rules_only_one_used() -> None:
    got = run(
        BASE
        + "import os\n"
        + f"{SHELL}  # guardrails: ignore[safety.shell, safety.eval] -- fixed\n"
    )
    assert got == [
        (
            "guardrails.unused-suppression",
            3,
            "info",
            "suppression of safety.eval matches no finding",
        )
    ]


def test_unused_suppression_on_an_unchanged_line_is_not_reported() -> None:
    before = BASE + "x = 1  # guardrails: ignore[safety.shell] -- old\n"
    assert run(before + "y = 2\n", before=before) == []


def test_ignore_for_a_rule_that_did_not_run_is_not_unused() -> None:
    ctx = context(
        [
            file_change(
                BASE, BASE + "x = 1  # guardrails: ignore[plugin.rule] -- theirs\n", "svc/a.py"
            )
        ]
    )
    assert run_rules(ctx, builtin_rules()) == []


def test_base_located_findings_ignore_head_comments() -> None:
    # The removed function's finding points at line 1 of the base; line 1 of the head holds
    # a suppression meant for something else, which must not swallow it.
    api = next(r for r in builtin_rules() if r.id == "api.breaking-change")
    case = Case(
        "def publish(t):\n    pass\n",
        "x = 1  # guardrails: ignore[api.breaking-change] -- unrelated\n",
        importers=(Site("services/ranker/app.py", 3, "services.event_bus.client", ("publish",)),),
    )
    found = run_case(api, case)
    assert [(f.rule, f.line, f.severity) for f in found] == [
        ("api.breaking-change", 1, "block"),
        ("guardrails.unused-suppression", 1, "info"),
    ]


SUPPRESSED = [
    pytest.param(rule, case, id=f"{rule.id}-{i}")
    for rule in builtin_rules()
    for i, case in enumerate(rule.VALID)
    if case.after and "guardrails: ignore[" in case.after
]


def test_every_rule_family_has_a_suppressed_near_miss() -> None:
    assert {p.values[0].id for p in SUPPRESSED} >= {
        "api.breaking-change",
        "data.schema-break",
        "graph.private-import",
        "safety.shell",
        "safety.os-system",
    }


@pytest.mark.parametrize(("rule", "case"), SUPPRESSED)
def test_suppressed_near_misses_fire_without_their_comment(rule: Rule, case: Case) -> None:
    """A suppressed VALID case proves nothing unless the finding exists without the comment."""
    assert case.after is not None
    uncommented = re.sub(r"#\s*guardrails: ignore\[[^\]]*\][^\n]*", "", case.after)
    found = run_case(rule, Case(case.before, uncommented, case.path, importers=case.importers))
    assert [f.rule for f in found] == [rule.id]


def test_a_suppression_inside_a_string_is_data_not_a_suppression() -> None:
    from guardrails.suppressions import parse_suppressions

    text = (
        'CASE = "os.system(x)  # guardrails: ignore[safety.os-system]"\n'
        "os.system(y)  # guardrails: ignore[safety.os-system] -- fixed command\n"
        '"""\n# guardrails: ignore[safety.eval]\n"""\n'
    )
    found = parse_suppressions("m.py", text)
    assert [(s.line, s.rule_ids, s.reason) for s in found] == [
        (2, ("safety.os-system",), "fixed command")
    ]
    # YAML and other files have no string syntax to respect: every comment-looking line counts
    assert [
        s.line for s in parse_suppressions("c.yaml", "a: 1  # guardrails: ignore[x] -- y\n")
    ] == [1]


def test_ignore_comments_in_documentation_are_examples_not_suppressions() -> None:
    from guardrails.changes import ChangeSet, FileChange, LineRange
    from guardrails.rules.base import RuleContext
    from guardrails.rules.run import run_rules

    doc = b"Use `# guardrails: ignore[safety.shell] -- reason` to silence one line.\n"
    change = FileChange("A", None, "docs/rules.md", added_lines=(LineRange(1, 1),), new_data=doc)
    assert run_rules(RuleContext(ChangeSet("range", "a" * 40, "b" * 40, (change,)))) == []
