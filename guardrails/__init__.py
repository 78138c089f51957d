"""guardrails: the merge gate for shared infrastructure.

Pipeline (data flows one way):
    ChangeSet (git/, changes.py) -> Catalog (catalog/) -> Graph / Impact (graph.py, impact.py)
    -> Facts (imports/, semantic/) -> Findings (rules/) -> Decision (policy.py) -> Report (report/)
"""

from __future__ import annotations

__version__ = "0.1.0"
