"""The MCP server, through the official SDK's own client: in-process and over stdio."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.gitrepo import GitRepo, git_env

mcp = pytest.importorskip("mcp", reason="the MCP SDK is the 'mcp' extra")

from mcp import Client, StdioServerParameters  # noqa: E402

from guardrails.mcp.server import build  # noqa: E402

ACME = Path(__file__).resolve().parent.parent / "graph" / "examples" / "acme"
SCHEMA_BREAK = """\
--- a/services/event_bus/schemas.py
+++ b/services/event_bus/schemas.py
@@ -10,4 +10,3 @@ class UserEvent:
     user_id: str
     kind: str  # "view" | "click" | "purchase"
-    item_id: str
     ts: float
"""
OS_SYSTEM = """\
--- /dev/null
+++ b/services/ranker/ops.py
@@ -0,0 +1,5 @@
+import os
+
+
+def wipe():
+    os.system('rm -rf /tmp/x')
"""


@pytest.fixture
def acme(repo: GitRepo) -> GitRepo:
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme")
    return repo


def _session(fn: Callable[[Client], Awaitable[Any]], server: Any = None) -> Any:
    async def go() -> Any:
        async with Client(server if server is not None else build()) as client:
            return await fn(client)

    return asyncio.run(go())


def _call(name: str, args: dict[str, Any]) -> Any:
    return _session(lambda c: c.call_tool(name, args))


def test_the_tools_are_listed_read_only() -> None:
    tools = _session(lambda c: c.list_tools()).tools
    assert sorted(t.name for t in tools) == ["affected", "check_patch", "owners", "why"]
    for t in tools:
        assert t.annotations.read_only_hint is True
        assert t.annotations.destructive_hint is False
        assert "repo" in t.input_schema["properties"]


def test_affected_gives_the_radius_with_chains(acme: GitRepo) -> None:
    result = _call("affected", {"paths": ["services/event_bus/schemas.py"], "repo": str(acme.root)})
    assert result.is_error is False
    doc = result.structured_content
    assert doc["schema"] == "guardrails.affected/v1"
    assert [n["id"] for n in doc["changed"]] == ["service:event-bus", "topic:user-events"]
    by_id = {n["id"]: n for n in doc["affected"]}
    assert by_id["service:ranker"]["path"] == [
        "service:ranker",
        "service:feature-store",
        "service:event-bus",
    ]
    assert doc["teams"] == ["team:data-infra", "team:growth", "team:ranking"]


def test_check_patch_blocks_with_fix_hints_and_writes_nothing(acme: GitRepo) -> None:
    before = acme.git("status", "--porcelain", "--untracked-files=all")
    index = (acme.root / ".git" / "index").read_bytes()
    result = _call("check_patch", {"patch": OS_SYSTEM, "repo": str(acme.root)})
    assert result.is_error is False, result.content
    doc = result.structured_content
    assert doc["schema"] == "guardrails.check/v1"
    assert doc["decision"] == "block"
    assert doc["author"]["kind"] == "agent"
    [finding] = [f for f in doc["findings"] if f["rule"] == "safety.os-system"]
    assert (finding["path"], finding["line"], finding["severity"]) == (
        "services/ranker/ops.py",
        5,
        "block",
    )
    assert finding["fix"]
    assert acme.git("status", "--porcelain", "--untracked-files=all") == before == ""
    assert (acme.root / ".git" / "index").read_bytes() == index
    assert not (acme.root / "services/ranker/ops.py").exists()


def test_check_patch_of_a_schema_break_names_the_consumers(acme: GitRepo) -> None:
    doc = _call("check_patch", {"patch": SCHEMA_BREAK, "repo": str(acme.root)}).structured_content
    assert [(f["rule"], f["path"], f["line"]) for f in doc["findings"]] == [
        ("data.schema-break", "services/event_bus/schemas.py", 12),
        # the patch's author is in no team: editing data-infra's files needs data-infra
        ("ownership.cross-team", "services/event_bus/schemas.py", None),
    ]
    # Before a commit, unmet approvals are news, not a block: CI will hold the merge for them.
    assert doc["decision"] == "warn"
    # who must approve, so the agent knows whom to ask
    assert all(r["candidates"] for r in doc["requirements"] if not r["satisfied"])
    assert "service:feature-store" in {n["id"] for n in doc["impact"]["affected"]}


def test_why_gives_every_chain_with_evidence(acme: GitRepo) -> None:
    args = {
        "node": "service:growth-app",
        "paths": ["services/event_bus/schemas.py"],
        "repo": str(acme.root),
    }
    doc = _call("why", args).structured_content
    assert doc["schema"] == "guardrails.why/v1"
    assert [c["path"] for c in doc["chains"]] == [["service:growth-app", "service:event-bus"]]
    assert doc["chains"][0]["hops"][0]["from"] == "service:growth-app"
    assert doc["chains"][0]["hops"][0]["evidence"]


def test_owners_names_teams_and_how_to_reach_them(acme: GitRepo) -> None:
    doc = _call(
        "owners", {"path": "services/ranker/rank.py", "repo": str(acme.root)}
    ).structured_content
    assert doc["services"] == [{"id": "service:ranker", "owner": "team:ranking"}]
    assert {"id": "team:ranking", "handles": ["@acme/ranking"], "members": ["li", "sam"]} in doc[
        "teams"
    ]


def test_errors_are_tool_errors_with_the_clis_message(acme: GitRepo) -> None:
    args = {
        "node": "service:nope",
        "paths": ["services/event_bus/schemas.py"],
        "repo": str(acme.root),
    }
    result = _call("why", args)
    assert result.is_error is True
    assert (
        "guardrails: error: unknown node 'service:nope' (fix: did you mean"
        in result.content[0].text
    )
    result = _call("affected", {"repo": str(acme.root)})
    assert result.is_error is True
    assert "pass either paths or patch" in result.content[0].text
    # found by the fuzz suite: a path the OS refuses was an internal error, not a tool error
    result = _call("owners", {"path": "x" * 5000, "repo": str(acme.root)})
    assert result.is_error is True
    text = result.content[0].text
    assert ": guardrails: error: File name too long: " in text and text.endswith("x…"), text


def test_guardrails_mcp_serves_over_stdio(acme: GitRepo, tmp_path: Path) -> None:
    """The real command, as an agent launches it: stdio, repo from the working directory."""
    exe = shutil.which("guardrails", path=os.path.dirname(sys.executable))
    assert exe is not None
    params = StdioServerParameters(
        command=exe, args=["mcp"], cwd=str(acme.root), env=git_env({"HOME": str(tmp_path)})
    )

    async def go(c: Client) -> Any:
        tools = await c.list_tools()
        owners = await c.call_tool("owners", {"path": "services/ranker/rank.py"})
        return [t.name for t in tools.tools], owners.structured_content

    names, owners = _session(go, params)
    assert sorted(names) == ["affected", "check_patch", "owners", "why"]
    assert owners["services"] == [{"id": "service:ranker", "owner": "team:ranking"}]


def test_without_the_sdk_the_command_says_how_to_get_it(tmp_path: Path) -> None:
    blocker = tmp_path / "mcp.py"
    blocker.write_text("raise ModuleNotFoundError('No module named mcp', name='mcp')\n")
    proc = subprocess.run(
        [sys.executable, "-c", "from guardrails.cli import main; main()", "mcp"],
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    assert proc.stderr == (
        "guardrails: error: the MCP SDK is not installed (mcp) (fix: pip install "
        "'guardrails[mcp]' (or pip install mcp) in guardrails' environment)\n"
    )


def test_affected_and_why_take_a_patch_too(acme: GitRepo) -> None:
    doc = _call("affected", {"patch": SCHEMA_BREAK, "repo": str(acme.root)}).structured_content
    assert [n["id"] for n in doc["changed"]] == ["service:event-bus", "topic:user-events"]
    assert doc["head"] is None and doc["base"] == acme.git("rev-parse", "HEAD")
    args = {"node": "table:features", "patch": SCHEMA_BREAK, "repo": str(acme.root)}
    chains = _call("why", args).structured_content["chains"]
    assert [c["path"] for c in chains] == [
        ["table:features", "service:feature-store", "service:event-bus"],
        ["table:features", "service:feature-store", "topic:user-events"],
    ]
