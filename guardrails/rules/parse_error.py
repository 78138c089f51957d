"""parse.error: a changed file that could not be analysed. The check goes on.

Python files, and the YAML / JSON files the catalog names as rollout or flag files: a
malformed rollout file must not pass silently (its step rules could not run), and it must
not stop the other rules from reporting on the rest of the change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from guardrails.findings import Finding
from guardrails.rules.base import Case, Expect, Rule, RuleContext

if TYPE_CHECKING:  # the diff's records and the PyYAML parsers: loaded when a change needs them
    from guardrails.semantic.facts import ParseProblem
    from guardrails.semantic.structured import Malformed

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
    summary = "a changed file that cannot be parsed (reported, never a crash)"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        from guardrails.rules._files import STRUCTURED_FLAG_KINDS, flag_changes, rollout_changes

        for change, diff in ctx.python_changes():
            for p in diff.problems:
                yield self._finding(ctx, change.path, change.old_path, p, bool(change.old_data))
        for rollout in rollout_changes(ctx):
            # (imported here: a change with no rollout or flag file never loads PyYAML)
            from guardrails.semantic.structured import Malformed

            if isinstance(rollout.new, Malformed):
                yield self._structured(
                    rollout.change.path, rollout.new, rollout.source.kind, "rollout"
                )
        for flags in flag_changes(ctx):
            from guardrails.semantic.structured import Malformed

            if flags.source.kind in STRUCTURED_FLAG_KINDS and isinstance(flags.new, Malformed):
                yield self._structured(flags.change.path, flags.new, flags.source.kind, "flag")

    def _structured(self, path: str, bad: Malformed, kind: str, what: str) -> Finding:
        syntax = "JSON" if bad.message.startswith("JSON") else "YAML"
        where = f" at line {bad.line}" if bad.line else ""
        return self.finding(
            path,
            bad.line,
            f"cannot be read as a {kind} {what} file ({bad.kind}{where}): {bad.message}; "
            f"the {what} rules did not run on it",
            f"fix the {syntax} syntax (commas, quotes, brackets, indentation) so that "
            f"the {what} rules can check this change",
        )

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

ParseError.INVALID += (
    Case(
        '{"flags": {"new-ranker": {"state": "ENABLED"}}}\n',
        '{\n  "flags": {\n    "new-ranker": {"state": "ENABLED",}\n  }\n}\n',
        path="config/flags.json",
        expect=(Expect(3, "warn", ("flagd flag file (syntax at line 3)", "JSON syntax error")),),
    ),
    Case(
        "service: ranker\nstages: [staging, production]\n",
        "service: ranker\nstages: [staging, production\nversions: {staging: 1.0}\n",
        path="deploy/ranker/rollout.yaml",
        expect=(Expect(3, "warn", ("guardrails rollout file", "YAML syntax error")),),
    ),
    Case(
        None,
        "# a new Rollout, next to its Service\n---\napiVersion: v1\nkind: Service\n"
        "metadata:\n  name: ranker\n---\nkind: Rollout\n  metadata: {}\n",
        path="deploy/ranker/argo/ranker.yaml",
        expect=(Expect(9, "warn", ("argo-rollout rollout file", "YAML syntax error")),),
    ),
)

ParseError.VALID = (
    Case("x = 1\n", "x = 2\n", note="parses"),
    Case(
        "", "type Alias = list[int]\n", note="newer syntax than this interpreter: libcst reads it"
    ),
    Case("x = 1\n", "match x:\n    case 1:\n        pass\n", note="soft keywords"),
    Case(
        None,
        '{\n  "$schema": "https://flagd.dev/schema/v0/flags.json",\n  "flags": {}\n}\n',
        path="config/flags.json",
        note="a well-formed flagd file",
    ),
    Case(
        "x: 1\n",
        "x: [1\n",
        path="deploy/ranker/unrelated.yaml",
        note="YAML that is neither a rollout nor a flag file is not read",
    ),
)
