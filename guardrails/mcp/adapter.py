"""The MCP tools' one door into the engine.

Everything the tools need goes through these functions, so that moving to the application
layer is an edit here only. Read-only: a patch is applied in a temporary index, never to
the work tree, the index or history (like the CLI, import inference keeps its
content-addressed cache under ``.git/guardrails``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from guardrails.app.affected import run_affected
from guardrails.cache import open_repo
from guardrails.engine import Analysis, Selector


def analysis(
    root: str, *, paths: Sequence[str] = (), patch: str | None = None, depth: int | None = None
) -> Analysis:
    selector = Selector.from_options(
        paths=tuple(paths), patch=patch.encode("utf-8") if patch is not None else None
    )
    return run_affected(open_repo(root), selector, depth=depth)


def run_check(root: str, patch: str, *, author_kind: str | None = "agent") -> dict[str, Any]:
    """The check/v1 document for ``patch`` applied to HEAD (what `check --patch -` prints):
    the same application function the CLI, the hooks and the demo call."""
    from guardrails.app.check import CheckOptions
    from guardrails.app.check import run_check as app_run_check

    selector = Selector.from_options(patch=patch.encode("utf-8"))
    # No environment: the agent's shell is not this server's, and --author-kind says it all.
    verdict = app_run_check(open_repo(root), selector, CheckOptions(author_kind=author_kind), {})
    doc: dict[str, Any] = verdict.as_dict()
    return doc
