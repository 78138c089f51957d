"""The MCP server: four read-only tools an agent calls before it commits.

* ``affected``: paths or a patch -> the blast radius, each node with its chain to the change;
* ``check_patch``: a unified diff -> the verdict (check/v1) with fix hints and approvals;
* ``why``: a node -> every shortest chain from it to the change, with the evidence per hop;
* ``owners``: a path -> the services that claim it, their teams, handles and members.

Each takes ``repo`` (the repository root; default: the server's working directory). Errors
are tool errors carrying the same one-line message the CLI prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from guardrails.errors import GuardrailsError, os_error_line
from guardrails.mcp import adapter

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

INSTRUCTIONS = (
    "guardrails is this repository's merge gate. Before committing, call check_patch with "
    "your diff (`git diff HEAD`): fix every finding whose severity is block using its `fix`; "
    "when `requirements` lists an unmet approval, tell the user who must approve (the "
    "candidates' handles) instead of working around it. Use affected and why to see which "
    "services and teams a change reaches, and owners to find who owns a file."
)

T = TypeVar("T")


def _root(repo: str | None) -> str:
    return repo or os.getcwd()


def _guard(fn: Callable[[], T]) -> T:
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        return fn()
    except GuardrailsError as exc:  # the CLI's one-line message, as a tool error
        raise ToolError(f"guardrails: error: {exc.render()}") from None
    except OSError as exc:  # the machine said no (a 5,000-character path): as the CLI says it
        raise ToolError(f"guardrails: error: {os_error_line(exc)}") from None


def affected(
    paths: list[str] | None = None,
    patch: str | None = None,
    repo: str | None = None,
    depth: int | None = None,
) -> dict[str, Any]:
    """Who does this change affect? Give paths (files you will touch) or a unified diff.
    Returns guardrails.affected/v1: changed nodes, affected nodes each with `path` (the
    chain from it to the change), teams and unowned files."""

    def run() -> dict[str, Any]:
        if bool(paths) == (patch is not None):
            raise GuardrailsError("pass either paths or patch", fix="paths=['a.py'] or patch=diff")
        done = adapter.analysis(_root(repo), paths=paths or (), patch=patch, depth=depth)
        doc: dict[str, Any] = done.impact.as_dict()
        return doc

    return _guard(run)


def check_patch(patch: str, repo: str | None = None, author_kind: str = "agent") -> dict[str, Any]:
    """Is this diff safe to commit? Applies the unified diff to HEAD in memory (nothing is
    written) and returns the verdict (guardrails.check/v1): decision pass|warn|block,
    findings with `fix` hints, and `requirements` naming who must approve."""
    if author_kind not in ("agent", "human"):
        from mcp.server.mcpserver.exceptions import ToolError

        raise ToolError("guardrails: error: author_kind is agent or human")
    return _guard(lambda: adapter.run_check(_root(repo), patch, author_kind=author_kind))


def why(
    node: str,
    paths: list[str] | None = None,
    patch: str | None = None,
    repo: str | None = None,
) -> dict[str, Any]:
    """Why is NODE (e.g. service:ranker) affected by this change (paths or a diff)? Every
    shortest chain from it to a changed node, with the evidence for each hop."""
    import json

    from guardrails.commands.affected import why_report

    def run() -> dict[str, Any]:
        if bool(paths) == (patch is not None):
            raise GuardrailsError("pass either paths or patch", fix="paths=['a.py'] or patch=diff")
        done = adapter.analysis(_root(repo), paths=paths or (), patch=patch)
        doc: dict[str, Any] = json.loads(why_report(done, node, "json"))
        return doc

    return _guard(run)


def owners(path: str, repo: str | None = None) -> dict[str, Any]:
    """Who owns PATH? The services that claim it, their owning teams (from guardrails.yaml
    and CODEOWNERS) and how to reach each team: handles and member logins."""

    def run() -> dict[str, Any]:
        done = adapter.analysis(_root(repo), paths=[path])
        world = done.head
        services = sorted(world.filemap.services_of(path))
        by_service = {s: world.catalog.services[s].owner for s in services}
        teams = {f"team:{t}" for t in by_service.values() if t}
        codeowners, listed = world.filemap.owners_of(path)
        teams.update(codeowners)
        out_teams = []
        for team in sorted(teams):
            t = world.catalog.teams.get(team.removeprefix("team:"))
            out_teams.append(
                {
                    "id": team,
                    "handles": list(t.handles) if t else [],
                    "members": sorted(m.login for m in t.members) if t else [],
                }
            )
        return {
            "path": path,
            "services": [
                {"id": f"service:{s}", "owner": f"team:{o}" if o else None}
                for s, o in by_service.items()
            ],
            "teams": out_teams,
            "codeowners": listed,
        }

    return _guard(run)


TOOLS = (affected, check_patch, why, owners)


def build() -> MCPServer:
    from mcp.server.mcpserver import MCPServer
    from mcp_types import ToolAnnotations

    from guardrails import __version__

    server: MCPServer = MCPServer(
        "guardrails", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )
    read_only = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
    for tool in TOOLS:
        server.add_tool(tool, annotations=read_only, structured_output=True)
    return server
