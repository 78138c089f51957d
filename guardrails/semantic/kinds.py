"""The kinds the semantic diff's records carry: of a parameter, and of a symbol.

Plain strings in a module of their own: a rule compares against them, and importing a rule
(the hook imports every one, whatever changed) must not create the record types of
:mod:`guardrails.semantic.facts`, which only a change to a Python file needs.
"""

from __future__ import annotations

# Parameter kinds, in the order Python requires them.
POSITIONAL_ONLY = "positional-only"
POSITIONAL = "positional"
VAR_POSITIONAL = "*args"
KEYWORD_ONLY = "keyword-only"
VAR_KEYWORD = "**kwargs"

# Symbol kinds.
FUNCTION, CLASS, METHOD, CONSTANT, FIELD, IMPORT = (
    "function",
    "class",
    "method",
    "constant",
    "field",
    "import",
)
