"""Inputs that must never crash the check: each gives defined findings and the rest goes on."""

from __future__ import annotations

from guardrails.changes import MODIFIED, FileChange, LineRange
from guardrails.findings import Finding
from guardrails.rules.registry import builtin_rules
from guardrails.rules.run import run_rules
from tests.test_rules_cases import context, file_change

SHELL = "import subprocess\nsubprocess.run(cmd, shell=True)\n"


def check(*changes: FileChange) -> list[tuple[str, str, int | None, str, str]]:
    found: list[Finding] = run_rules(context(changes), builtin_rules())
    return [(f.rule, f.path, f.line, f.severity, f.message) for f in found]


def test_syntax_error_in_new_file_is_reported_and_other_files_still_checked() -> None:
    got = check(
        file_change(
            "def f():\n    pass\n", "def f():\n    pass\n\ndef g(:\n    pass\n", "svc/broken.py"
        ),
        file_change("import subprocess\n", SHELL, "svc/ok.py"),
    )
    assert got == [
        (
            "parse.error",
            "svc/broken.py",
            4,
            "warn",
            "cannot be analysed (syntax at line 4): invalid syntax; "
            "safety checks did not run on it",
        ),
        (
            "safety.shell",
            "svc/ok.py",
            2,
            "block",
            "`subprocess.run(..., shell=True)` added: the command runs through the shell",
        ),
    ]


def test_syntax_error_in_base_file_still_checks_the_head() -> None:
    got = check(file_change("def f(:\n", "def f():\n    pass\n" + SHELL, "svc/a.py"))
    assert [g[:4] for g in got] == [
        ("parse.error", "svc/a.py", 1, "info"),
        ("safety.shell", "svc/a.py", 4, "block"),
    ]
    assert "base version cannot be analysed (syntax at line 1" in got[0][4]


def test_text_to_binary() -> None:
    got = check(file_change("x = 1\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "svc/a.py"))
    assert got == [
        (
            "parse.error",
            "svc/a.py",
            None,
            "info",
            "changed from text to binary content; not analysed",
        )
    ]


def test_five_megabyte_module_is_skipped_with_a_finding() -> None:
    body = "".join(
        f"VALUE_{i} = {{'id': {i}, 'name': 'item-{i}', 'tags': ['a', 'b', 'c']}}\n"
        for i in range(70_000)
    )
    assert len(body) > 5_000_000
    got = check(file_change("", body, "svc/generated.py"))
    assert len(got) == 1
    rule, path, line, severity, message = got[0]
    assert (rule, path, line, severity) == ("parse.error", "svc/generated.py", None, "warn")
    assert "MiB is over the 2 MiB analysis limit" in message


def test_non_utf8_source_with_an_encoding_cookie() -> None:
    after = (
        "# -*- coding: cp1252 -*-\nGREETING = '€uro café'\nimport os\nos.system(GREETING)\n".encode(
            "cp1252"
        )
    )
    assert b"\x80" in after  # not valid UTF-8
    assert check(file_change(None, after, "svc/legacy.py")) == [
        (
            "safety.os-system",
            "svc/legacy.py",
            4,
            "block",
            "`os.system` added: runs a shell command and ignores failures",
        ),
    ]


def test_undecodable_bytes_and_unknown_cookie() -> None:
    got = check(
        file_change("x = 1\n", b"x = 1\ny = '\xff'\n", "svc/a.py"),
        file_change("x = 1\n", b"# coding: klingon\nx = 1\n", "svc/b.py"),
    )
    assert [g[:4] for g in got] == [
        ("parse.error", "svc/a.py", 2, "warn"),
        ("parse.error", "svc/b.py", 1, "warn"),
    ]
    assert "cannot decode as utf-8" in got[0][4] and "klingon" in got[1][4]


def test_giant_expression_is_refused_quickly_and_the_rest_of_the_file_is_checked() -> None:
    giant = "TOTAL = " + " + ".join(["x"] * 20_000) + "\n"  # libcst would take minutes on this
    got = check(
        file_change(
            "import subprocess\n",
            "import subprocess\n" + giant + "subprocess.run(c, shell=True)\n",
            "svc/a.py",
        )
    )
    assert [g[:4] for g in got] == [
        ("parse.error", "svc/a.py", 2, "warn"),
        ("safety.shell", "svc/a.py", 3, "block"),
    ]
    assert "expression nested deeper than 200 levels" in got[0][4]


def test_deleted_and_empty_files() -> None:
    assert (
        check(file_change(SHELL, None, "svc/gone.py"), file_change(None, "", "svc/empty.py")) == []
    )


def test_change_without_content_is_not_analysed() -> None:
    # `guardrails affected PATH...` builds changes with no content: nothing to parse.
    fc = FileChange(MODIFIED, "svc/a.py", "svc/a.py", added_lines=(LineRange(1, 3),))
    assert check(fc) == []


# Rollout and flag files of the wrong shape: every rule reads them without raising, and
# reports only what it can stand behind (nothing, for shapes it cannot compare).
ODD_ROLLOUTS = [
    "service: [a]\nstages: staging\nversions: [1, 2]\ncanary_percent: lots\n",
    "stages: [staging, production]\nversions: {staging: null, production: {x: 1}}\n",
    "kind: Rollout\nmetadata: [x]\nspec:\n  strategy:\n    canary:\n      steps: {setWeight: 5}\n",
    "kind: Rollout\nspec:\n  strategy:\n    canary:\n      steps: [1, null, {setWeight: x}, {setWeight: true}]\n",
    "kind: Rollout\nspec:\n  strategy: {blueGreen: null}\n",
    "kind: Canary\nspec:\n  skipAnalysis: yes\n  analysis: {stepWeight: -5, maxWeight: x, stepWeights: nope}\n",
    "kind: Canary\nspec:\n  analysis: {stepWeight: 0.001, maxWeight: 100}\n",
    "kind: Canary\nspec:\n  analysis: {stepWeights: [a, 5, 100, 50], metrics: [1, {name: null}]}\n",
    "kind: Deployment\nspec:\n  replicas: -1\n  strategy: {rollingUpdate: {maxUnavailable: 'half'}}\n",
    "kind: Deployment\nspec:\n  replicas: 3\n  strategy: {rollingUpdate: {maxUnavailable: "
    + "9" * 400
    + "}}\n",
    "canary_percent: 1e400\nstages: [a]\n",
    "canary_percent: " + "9" * 5000 + "\n",
    "- just\n- a list\n",
    "42\n",
    "--- &a [*a]\n",
    "a: &x {b: *x}\n",
]
ODD_FLAGS = [
    '{"flags": []}',
    '{"flags": {"a": []}, "$evaluators": []}',
    '{"flags": {"a": {"variants": [], "defaultVariant": 3, "state": null, "targeting": "x"}}}',
    '{"flags": {"a": {"variants": {"on": true}, "defaultVariant": "on", "targeting": {"fractional": [["on"], [1, 2], "x", ["on", "lots"]]}}}}',
    '{"flags": {"a": {"targeting": {"$ref": "a"}}}, "$evaluators": {"a": {"$ref": "a"}}}',
    "[1, 2]",
    '"flags"',
    '{"flags": {"a": {"variants": {"on": 1}, "targeting": {"fractional": [["on", '
    + "9" * 5000
    + '], ["off", 1e999]]}}}}',
]


def test_rollout_and_flag_files_of_any_shape_never_crash() -> None:
    paths = (
        "deploy/ranker/rollout.yaml",
        "deploy/ranker/argo/r.yaml",
        "deploy/ranker/flagger/c.yaml",
        "deploy/ranker/k8s/d.yaml",
    )
    for text in ODD_ROLLOUTS:
        for path in paths:
            for before, after in ((None, text), (text, "x: 1\n"), ("x: 1\n", text)):
                check(file_change(before, after, path))
    for text in ODD_FLAGS:
        for before, after in ((None, text), (text, "{}"), ('{"flags": {"a": {}}}', text)):
            check(file_change(before, after, "config/flags.json"))
        check(file_change(None, text, "config/flags.yaml"))
    # Two of them, exactly: a recursive alias cannot be read; a microscopic stepWeight is fine.
    assert check(file_change(None, "a: &x {b: *x}\n", "deploy/ranker/rollout.yaml")) == [
        (
            "parse.error",
            "deploy/ranker/rollout.yaml",
            1,
            "warn",
            "cannot be read as a guardrails rollout file (too-deep at line 1): YAML nesting is "
            "too deep; the rollout rules did not run on it",
        )
    ]
    assert check(file_change(None, ODD_ROLLOUTS[6], "deploy/ranker/flagger/c.yaml")) == []
