"""parse.error: a changed Python file that could not be analysed. The check goes on."""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.findings import Finding
from guardrails.rules.base import Case, Expect, Rule, RuleContext
from guardrails.semantic.facts import ParseProblem

_FIX = {
    "syntax": "fix the syntax error",
    "encoding": "save the file as UTF-8, or declare its encoding: `# -*- coding: ... -*-`",
    "binary": "keep Python source as text, or rename the file away from .py",
    "too-large": "split the module; generated code belongs outside the reviewed tree",
    "too-deep": "split the expression into named parts",
    "recursion": "split the expression into named parts",
    "unreadable": "point the symlink at a Python file inside the repository",
}


# Problems the gate hits where Python itself does not: the code runs, unread. In CI mode
# (range) they block, so an analysis limit is never a way through; a policy requiring the
# owners' approval may waive the block (the finding keeps its fingerprint for that).
LIMITS = frozenset({"too-large", "too-deep", "recursion", "binary", "unreadable"})
_UNREAD = (
    "; in CI a change the gate cannot read blocks until its owners approve it or it is made "
    "readable"
)


class ParseError(Rule):
    id = "parse.error"
    default_severity = "warn"
    summary = "a changed Python file that cannot be parsed (reported, never a crash)"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for change, diff in ctx.python_changes():
            for p in diff.problems:
                yield self._finding(ctx, change.path, change.old_path, p, bool(change.old_data))

    def _finding(
        self, ctx: RuleContext, path: str, old_path: str | None, p: ParseProblem, had_base: bool
    ) -> Finding:
        where = f" at line {p.line}" if p.line else ""
        if p.side == "old":
            # A pre-existing problem: the change did not introduce it, but the API comparison
            # against the base was skipped, and that must be visible.
            f = self.finding(
                old_path or path,
                p.line,
                f"base version cannot be analysed ({p.kind}{where}: {p.message}); "
                "API and schema changes in this file were not checked",
                _FIX.get(p.kind, "fix the file"),
                severity="info",
            )
            return ctx.at_base(f)
        ci = ctx.changes.mode == "range" and p.kind in LIMITS
        if p.kind == "binary":
            what = "changed from text to binary content" if had_base else "binary content"
            return self.finding(
                path,
                None,
                f"{what}; not analysed" + (_UNREAD if ci else ""),
                _FIX["binary"],
                severity="block" if ci else "info",
            )
        return self.finding(
            path,
            p.line,
            f"cannot be analysed ({p.kind}{where}): {p.message}; safety checks did not run on it"
            + (_UNREAD if ci else ""),
            _FIX.get(p.kind, "fix the file"),
            severity="block" if ci else None,
        )


ParseError.INVALID = (
    Case(
        "def f():\n    pass\n",
        "def f(:\n    pass\n",
        expect=(Expect(1, "warn", ("cannot be analysed (syntax at line 1)",)),),
    ),
    Case(
        "def f(:\n",
        "def f():\n    pass\n",
        expect=(Expect(1, "info", ("base version cannot be analysed",)),),
    ),
    Case("x = 1\n", "x = (\n", expect=(Expect(1, "warn", ("syntax",)),)),
    Case(
        "x = 1\n",
        "x = 1\0\n",
        expect=(Expect(None, "info", ("changed from text to binary content",)),),
    ),
)

ParseError.VALID = (
    Case("x = 1\n", "x = 2\n", note="parses"),
    Case(
        "", "type Alias = list[int]\n", note="newer syntax than this interpreter: libcst reads it"
    ),
    Case("x = 1\n", "match x:\n    case 1:\n        pass\n", note="soft keywords"),
)
