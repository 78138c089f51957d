"""MCP tool requests: each tool function of the server called with random arguments, in a
real repository, ends in a result or a ToolError carrying one line; never another exception,
and nothing written to the repository."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import tried
from tests.gitrepo import GitRepo, git_env

pytest.importorskip("mcp", reason="the MCP SDK is the 'mcp' extra")

from mcp.server.mcpserver.exceptions import ToolError  # noqa: E402

from guardrails.mcp.server import affected, check_patch, owners, why  # noqa: E402

PATCH = """\
--- a/lib/api.py
+++ b/lib/api.py
@@ -1,2 +1,3 @@
 def get(x):
-    return x
+    import os
+    return os.system(x)
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    r = GitRepo.create(tmp_path_factory.mktemp("mcp") / "repo")
    r.write(
        {
            "guardrails.yaml": "version: 1\nteams: {core: {members: [ana]}, web: {members: [bo]}}\n"
            'services: {lib: {owner: core, paths: ["lib/**"]},\n'
            '           app: {owner: web, paths: ["app/**"], depends_on: [lib]}}\n',
            "lib/__init__.py": "",
            "lib/api.py": "def get(x):\n    return x\n",
            "app/main.py": "from lib.api import get\n",
            ".github/CODEOWNERS": "/app/ @acme/web\n",
        }
    )
    r.commit("init")
    (r.root / "sub").mkdir()
    return r


def _state(root: Path) -> tuple[str, bytes]:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=root,
        capture_output=True,
        env=git_env(),
        check=True,
    ).stdout.decode()
    return status, (root / ".git" / "index").read_bytes()


_paths = st.sampled_from(
    ["lib/api.py", "app/main.py", "nope.py", "../outside.py", "/etc/passwd", "lib", ".", ""]
    + ["a\nb.py", "\udcff.py", "-rf", "x" * 5000, "lib/**", ".git/config", "guardrails.yaml"]
) | st.text(max_size=20)
_patches = st.sampled_from(
    [PATCH, "", "garbage\n", PATCH.replace("@@ -1,2", "@@ -9,2"), PATCH[:60], "\0", "+++ b/x\n"]
) | st.text(max_size=60)
_nodes = st.sampled_from(
    ["service:lib", "service:app", "team:web", "service:", "nope", "", "file:lib/api.py"]
) | st.text(max_size=20)
_depths = st.none() | st.integers(-(2**65), 2**65)


@st.composite
def _request(draw: st.DrawFn, root: str) -> tuple[str, dict[str, Any]]:
    repo = draw(
        st.sampled_from([root, root + "/sub", root + "/missing", "/", root + "/lib/api.py"])
    )
    tool = draw(st.sampled_from(["affected", "check_patch", "why", "owners"]))
    paths = draw(st.none() | st.lists(_paths, max_size=3))
    patch = draw(st.none() | _patches)
    if tool == "affected":
        return tool, {"paths": paths, "patch": patch, "repo": repo, "depth": draw(_depths)}
    if tool == "check_patch":
        kind = draw(st.sampled_from(["agent", "human", "bot", "", "AGENT"]))
        return tool, {"patch": draw(_patches), "repo": repo, "author_kind": kind}
    if tool == "why":
        return tool, {"node": draw(_nodes), "paths": paths, "patch": patch, "repo": repo}
    return tool, {"path": draw(_paths), "repo": repo}


TOOLS = {"affected": affected, "check_patch": check_patch, "why": why, "owners": owners}


def test_the_real_request_blocks(repo: GitRepo) -> None:
    # the oracle can fail: the unmutated patch is a verdict, and it blocks
    assert check_patch(PATCH, repo=str(repo.root))["decision"] == "block"


@settings(max_examples=400)
@given(data=st.data())
def test_mcp_tool_requests_end_in_a_result_or_a_tool_error(
    repo: GitRepo, data: st.DataObject
) -> None:
    tried("MCP tool request")
    tool, args = data.draw(_request(str(repo.root)))
    before = _state(repo.root)
    try:
        result = TOOLS[tool](**args)
    except ToolError as exc:
        message = str(exc)
        assert message.startswith("guardrails: error: "), message
        assert "\n" not in message, message
    else:
        assert isinstance(result, dict) and result, result
    assert _state(repo.root) == before
