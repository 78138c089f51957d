"""`guardrails mcp`: the MCP server over stdio (stdout carries the protocol, so nothing
else may print there). The SDK is an extra; without it, one line says how to get it."""

from __future__ import annotations

from guardrails.errors import EXIT_OK, GuardrailsError


def main() -> int:
    try:
        from guardrails.mcp.server import build

        server = build()
    except ModuleNotFoundError as exc:
        if exc.name is None or not exc.name.startswith(("mcp", "pydantic", "starlette")):
            raise
        raise GuardrailsError(
            f"the MCP SDK is not installed ({exc.name})",
            fix="pip install 'guardrails[mcp]' (or pip install mcp) in guardrails' environment",
        ) from None
    server.run("stdio")
    return EXIT_OK
