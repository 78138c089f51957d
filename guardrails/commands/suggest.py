"""What to say about a node id the graph does not have (`affected --why`, `graph --focus`).

Its own module so that `graph` imports none of `affected`'s (the blast radius and its
records, which a graph of the working tree never creates).
"""

from __future__ import annotations

from collections.abc import Sequence


def suggest(node: str, known: Sequence[str]) -> str:
    import difflib  # only for a node id nobody has

    close = difflib.get_close_matches(node, known, n=3, cutoff=0.5)
    if not close and ":" not in node:
        close = [k for k in known if k.split(":", 1)[-1] == node][:3]
    if close:
        return "did you mean " + ", ".join(close) + "?"
    return "node ids are typed, e.g. service:event-bus; `guardrails graph` lists them"
