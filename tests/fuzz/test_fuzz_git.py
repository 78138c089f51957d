"""Inputs that come through git: commit trailers (compared with git's own parser) and unified
diffs for ``check --patch`` (through the real CLI, in a real repository): a verdict or a
one-line exit-2 error, never an internal error, and nothing written to the repository."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails.cli import cli
from guardrails.git import parse_trailers
from tests.fuzz.conftest import tried
from tests.gitrepo import GitRepo, git_env

_lines = st.sampled_from(
    [
        "Fix the thing",
        "",
        "Co-authored-by: Claude <noreply@anthropic.com>",
        "Approved-by: li",
        "Signed-off-by: A <a@b.c>",
        "Reviewed-by:",
        "  continued value",
        "not a trailer",
        "# comment",
        "---",
        "Key : spaced",
        "Assisted-by: aider",
        "(cherry picked from commit abc)",
        "Conflicts:",
        "\tfile.py",
        "Ünïcode-Key: v",
        "# ------------------------ >8 ------------------------",
        "a:b",
        "\r",
    ]
)
_messages = st.lists(_lines | st.text(max_size=20), max_size=10).map("\n".join)


@settings(max_examples=1500)
@given(_messages)
def test_trailers_never_raise(message: str) -> None:
    tried("commit trailers")
    for t in parse_trailers(message):
        assert t.key and ":" not in t.key and "\n" not in t.value


@settings(max_examples=150)
@given(st.lists(_lines, min_size=1, max_size=8).map("\n".join))
def test_trailers_read_as_git_reads_them(message: str) -> None:
    tried("commit trailers (vs git)")
    out = subprocess.run(
        ["git", "interpret-trailers", "--parse"],
        input=(message + "\n").encode(),
        capture_output=True,
        env=git_env(),
        check=True,
    ).stdout.decode()
    ours = [f"{t.key}: {t.value}" for t in parse_trailers(message + "\n")]
    assert ours == out.splitlines()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    r = GitRepo.create(tmp_path_factory.mktemp("fuzz") / "repo")
    r.write(
        {
            "guardrails.yaml": "version: 1\nteams: {core: {members: [ana]}}\n"
            'services: {lib: {owner: core, paths: ["lib/**"]}}\n',
            "lib/__init__.py": "",
            "lib/api.py": "def get(x):\n    return x\n",
            "README.md": "hello\n",
        }
    )
    r.commit("init")
    return r


_diff_lines = st.sampled_from(
    [
        "diff --git a/lib/api.py b/lib/api.py",
        "diff --git a/lib/new.py b/lib/new.py",
        "new file mode 100644",
        "deleted file mode 100644",
        "old mode 100644",
        "new mode 100755",
        "similarity index 100%",
        "rename from lib/api.py",
        "rename to lib/moved.py",
        "--- a/lib/api.py",
        "+++ b/lib/api.py",
        "--- /dev/null",
        "+++ b/lib/new.py",
        "@@ -1,2 +1,3 @@",
        "@@ -0,0 +1 @@",
        "@@ -1 +1 @@",
        "@@ -99999999999999999999,1 +1 @@",
        " def get(x):",
        "-    return x",
        "+    return eval(x)",
        "+import os\ros.system(c)",
        "+\0",
        "\\ No newline at end of file",
        "GIT binary patch",
        "literal 0",
        "HcmV?d00001",
        "index 0000000..1111111 100644",
        "+++ b/../../etc/passwd",
        "+++ b/.git/hooks/pre-commit",
    ]
)
REAL = b"""diff --git a/lib/api.py b/lib/api.py
--- a/lib/api.py
+++ b/lib/api.py
@@ -1,2 +1,4 @@
 def get(x):
-    return x
+    import subprocess
+    return subprocess.run(x, shell=True)
+
diff --git a/lib/new.py b/lib/new.py
new file mode 100644
--- /dev/null
+++ b/lib/new.py
@@ -0,0 +1,2 @@
+import os
+os.system(cmd)
"""


@st.composite
def _mutated_patch(draw: st.DrawFn) -> bytes:
    """The real patch with a slice replaced: most still apply, or fail in git apply."""
    out = bytearray(REAL)
    at = draw(st.integers(0, len(out)))
    cut = draw(st.integers(0, 12))
    out[at : at + cut] = draw(
        st.sampled_from([b"", b"\r", b"\0", b"+", b"-", b" ", b"@@", b"\n+x\n"])
    )
    return bytes(out)


_patches = (
    st.lists(_diff_lines | st.text(max_size=30), min_size=1, max_size=14).map(
        lambda ls: ("\n".join(ls) + "\n").encode("utf-8", "surrogateescape")
    )
    | _mutated_patch()
    | st.just(REAL)
)


VERDICTS: Counter[int] = Counter()


def test_the_real_patch_blocks(repo: GitRepo) -> None:
    # the oracle can fail: the unmutated patch is a verdict, and it blocks
    result = CliRunner().invoke(cli, ["check", "-C", str(repo.root), "--patch", "-"], input=REAL)
    assert result.exit_code == 1, result.output


def _state(root: Path) -> tuple[str, bytes]:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=root,
        capture_output=True,
        env=git_env(),
        check=True,
    ).stdout.decode()
    return status, (root / ".git" / "index").read_bytes()


@settings(max_examples=350)
@given(_patches)
def test_patches_end_in_a_verdict_or_one_line_error(repo: GitRepo, patch: bytes) -> None:
    tried("unified diff (--patch)")
    before = _state(repo.root)
    result = CliRunner().invoke(
        cli, ["check", "-C", str(repo.root), "--patch", "-", "--format", "json"], input=patch
    )
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("guardrails: error: "), result.stderr
    else:
        assert json.loads(result.stdout)["schema"] == "guardrails.check/v1"
        VERDICTS[result.exit_code] += 1
    assert _state(repo.root) == before  # nothing written to the repository or its index


_people = st.sampled_from(
    [
        ("Ana", "ana@acme.dev"),
        ("Claude", "noreply@anthropic.com"),
        ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"),
        ("", ""),
        ("Ana", "ANA@ACME.DEV"),
        ("devin-ai-integration[bot]", "x@y"),
        ("<>", "<@>"),
        ("Ünïcode", "u@ü.de"),
    ]
)


@settings(max_examples=1000)
@given(st.lists(st.tuples(_people, _people, _messages), max_size=4), st.booleans())
def test_authorship_is_defined_and_a_claude_trailer_is_never_human(
    commits: list[tuple[tuple[str, str], tuple[str, str], str]], staged: bool
) -> None:
    tried("commits (authorship)")
    from guardrails.authors import classify
    from guardrails.changes import ChangeSet, Commit, Person

    built = tuple(
        Commit(
            sha=f"{i:040x}",
            parents=(),
            author=Person(*a),
            author_date="2023-11-14T22:13:20+00:00",
            committer=Person(*c),
            committer_date="2023-11-14T22:13:20+00:00",
            message=m,
            trailers=parse_trailers(m),
        )
        for i, (a, c, m) in enumerate(commits)
    )
    changes = (
        ChangeSet("staged", None, None, (), committer=Person(*commits[0][0]) if commits else None)
        if staged
        else ChangeSet("range", "0" * 40, "1" * 40, (), built)
    )
    first, again = classify(changes), classify(changes)
    assert first == again and first.kind in ("human", "agent", "mixed")
    strengths = [e.strength for e in first.evidence]
    assert strengths == sorted(strengths)
    claude = any(
        t.key.lower() == "co-authored-by" and "noreply@anthropic.com" in t.value
        for c in built
        for t in c.trailers
    )
    if claude and not staged:
        assert first.kind != "human", first
