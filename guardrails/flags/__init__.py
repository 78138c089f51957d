"""Feature flags in the graph: a ``flag:<key>`` node for every flag the catalog's flag files
define, owned per the catalog, and an edge from each service whose code reads the flag.

- :mod:`~guardrails.flags.reads` — the reading calls in Python source (OpenFeature,
  LaunchDarkly, Unleash and configured reader functions), located;
- :mod:`~guardrails.flags.nodes` — flag nodes and read edges of one snapshot.
"""

from __future__ import annotations

from guardrails.flags.nodes import FlagGraph, FlagNodes, flag_graph, flag_nodes, read_edges
from guardrails.flags.reads import FlagRead, find_reads

__all__ = [
    "FlagGraph",
    "FlagNodes",
    "FlagRead",
    "find_reads",
    "flag_graph",
    "flag_nodes",
    "read_edges",
]
