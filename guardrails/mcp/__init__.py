"""`guardrails mcp`: the gate as Model Context Protocol tools, for coding agents.

``adapter`` is the one place that calls the engine; ``server`` declares the tools with the
official SDK (imported only when the server starts: the hook never pays for it).
"""
