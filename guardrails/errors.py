"""The one error type users see.

Every user-facing failure is a :class:`GuardrailsError`: it names the file, the line and the
fix, and the CLI turns it into one line on stderr and exit code 2. Anything else that escapes
is an internal error: also exit 2 (the gate fails closed), with a traceback only under
``--debug``.
"""

from __future__ import annotations

import msgspec

EXIT_OK = 0
EXIT_BLOCKED = 1
EXIT_ERROR = 2


class Problem(msgspec.Struct, frozen=True):
    """One thing wrong with an input, located precisely enough to fix it."""

    message: str
    path: str | None = None
    line: int | None = None
    fix: str | None = None
    severity: str = "error"  # "error" stops the run; "info" is reported only

    def render(self) -> str:
        where = ""
        if self.path:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        text = f"{where}{self.message}"
        if self.fix:
            text += f" (fix: {self.fix})"
        # One problem, one line, whatever the input quoted into the message (a key or value
        # holding a newline would otherwise forge a second, unrelated-looking line).
        return text.replace("\r", "\\r").replace("\n", "\\n")

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path or "", self.line or 0, self.message)


class GuardrailsError(Exception):
    """A user error: bad input, bad config, bad revision. Exit code 2, never a traceback."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        fix: str | None = None,
        problems: tuple[Problem, ...] = (),
    ) -> None:
        self.problem = Problem(message, path=path, line=line, fix=fix)
        self.problems = tuple(sorted(problems, key=Problem.sort_key))
        super().__init__(self.render())

    def render(self) -> str:
        if len(self.problems) == 1:  # one problem: one line, naming its file and line
            return self.problems[0].render()
        lines = [self.problem.render()]
        lines.extend(f"  {p.render()}" for p in self.problems)
        return "\n".join(lines)


class GitError(GuardrailsError):
    """git refused: not a repository, unknown revision, shallow history."""


class ConfigError(GuardrailsError):
    """guardrails.yaml, CODEOWNERS, a catalog or a pack is invalid; carries every problem."""


def os_error_line(exc: OSError) -> str:
    """What the machine refused (a name too long, no permission), as one line."""
    name = str(exc.filename or "")
    where = f": {name[:120]}…" if len(name) > 120 else (f": {name}" if name else "")
    return f"{exc.strerror or exc}{where}".replace("\r", "\\r").replace("\n", "\\n")
