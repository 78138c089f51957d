"""safety.eval: ``eval``/``exec`` of something that is not a literal, added by the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guardrails.rules._calls import CallRule
from guardrails.rules.base import Case, Expect

if TYPE_CHECKING:
    from guardrails.semantic.facts import CallSite

_NAMES = frozenset({"eval", "exec", "builtins.eval", "builtins.exec"})


class SafetyEval(CallRule):
    id = "safety.eval"
    summary = "added eval/exec on a non-literal"

    def match(self, call: CallSite) -> tuple[str, str] | None:
        if call.name not in _NAMES:
            return None
        first = call.positional()[:1] or tuple(a for a in call.args if a.keyword == "source")
        if first and first[0].is_literal:
            return None
        code = first[0].code if first else "*args"
        return (
            f"`{call.written}({code})` added: evaluates code that is not a literal",
            "parse data with ast.literal_eval or json; dispatch calls through a dict of functions",
        )


SafetyEval.INVALID = (
    Case(
        "",
        "x = eval(request.args['q'])\n",
        expect=(Expect(1, "block", ("`eval(request.args['q'])`",)),),
    ),
    Case(
        "def f(src):\n    pass\n",
        "def f(src):\n    exec(src, {})\n",
        expect=(Expect(2, "block", ("`exec(src)`",)),),
    ),
    Case(
        "import builtins\n",
        "import builtins\nbuiltins.eval(expr)\n",
        expect=(Expect(2, "block", ("`builtins.eval(expr)`",)),),
    ),
)

SafetyEval.VALID = (
    Case("", "x = eval('1 + 2')\n", note="literal source"),
    Case("", "import ast\nx = ast.literal_eval(text)\n", note="literal_eval"),
    Case("x = eval(text)\n", "x = eval(text)\ny = 1\n", note="pre-existing eval"),
    Case("", "model.eval()\n", note="a method called eval"),
)
