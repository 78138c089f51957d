"""safety.swallowed-exception: a catch-all ``except`` whose body only passes, in service code."""

from __future__ import annotations

import re
from collections.abc import Iterator

from guardrails.findings import Finding
from guardrails.rules.base import Case, Expect, Rule, RuleContext

_CATCH_ALL = frozenset(
    {"", "Exception", "BaseException", "builtins.Exception", "builtins.BaseException"}
)


# The author already told another linter this catch-all is deliberate (pylint, ruff/flake8,
# bandit): a second gate blocking it is noise a maintainer would call a false alarm.
_ACKNOWLEDGED = re.compile(
    r"pylint:\s*disable(?:-next)?=[\w,-]*\b(?:broad-except|broad-exception-caught|bare-except|"
    r"W0703|W0718|W0702)\b|noqa:[\s\w,]*\b(?:BLE001|E722|S110|SIM105)\b|#\s*nosec\b"
)


def acknowledged(lines: list[str], line: int) -> bool:
    """A linter acknowledgement on the ``except`` line or the comment lines just above it."""
    i = line - 1
    if 0 <= i < len(lines) and _ACKNOWLEDGED.search(lines[i]):
        return True
    i -= 1
    while 0 <= i < len(lines) and lines[i].lstrip().startswith("#"):
        if _ACKNOWLEDGED.search(lines[i]):
            return True
        i -= 1
    return False


def is_test_path(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test", "testing") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


class SafetySwallowedException(Rule):
    id = "safety.swallowed-exception"
    default_severity = "block"
    summary = "added bare except / except Exception whose body only passes"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for change, diff in ctx.python_changes():
            if is_test_path(change.path):
                continue
            lines: list[str] | None = None
            for h in diff.handlers:
                if h.swallows and h.catches in _CATCH_ALL:
                    if lines is None:
                        lines = (change.new_text or "").splitlines()
                    if acknowledged(lines, h.line):
                        continue
                    clause = "bare `except:`" if not h.catches else f"`except {h.catches}:`"
                    yield self.finding(
                        change.path,
                        h.line,
                        f"{clause} that only passes added: every error, including bugs, disappears",
                        "catch the specific exception you expect, and log or re-raise the rest",
                    )


_TRY = "def f():\n    try:\n        go()\n"
SafetySwallowedException.INVALID = (
    Case(
        "def f():\n    go()\n",
        _TRY + "    except:\n        pass\n",
        expect=(Expect(4, "block", ("bare `except:`",)),),
    ),
    Case(
        "def f():\n    go()\n",
        _TRY + "    except Exception:\n        ...\n",
        expect=(Expect(4, "block", ("`except Exception:`",)),),
    ),
    Case(
        _TRY + "    except ValueError:\n        pass\n",
        _TRY + "    except BaseException:\n        pass\n",
        expect=(Expect(4, "block", ("`except BaseException:`",)),),
        note="the clause widened over an existing body",
    ),
    Case(
        "def f():\n    go()\n",
        _TRY + "    except Exception: pass\n",
        expect=(Expect(4, "block", ("`except Exception:`",)),),
        note="a one-line suite swallows as much as an indented one",
    ),
)

SafetySwallowedException.VALID = (
    Case(
        "def f():\n    go()\n",
        _TRY + "    # Logging must never replace the original exception path.\n"
        "    # pylint: disable-next=broad-exception-caught\n"
        "    except Exception:  # pragma: no cover\n        pass\n",
        note="otel 00d58ac372: the author acknowledged the catch-all to pylint",
    ),
    Case(
        "def f():\n    go()\n",
        _TRY + "    except Exception:  # noqa: BLE001, S110\n        pass\n",
        note="acknowledged to ruff",
    ),
    Case(
        "def f():\n    go()\n",
        _TRY + "    except KeyError:\n        pass\n",
        note="a specific exception",
    ),
    Case(
        "def f():\n    go()\n",
        _TRY + "    except Exception:\n        log.exception('x')\n        raise\n",
        note="logs and re-raises",
    ),
    Case(
        "",
        _TRY + "    except Exception:\n        pass\n",
        path="services/event_bus/tests/test_client.py",
        note="test code",
    ),
    Case(
        _TRY + "    except:\n        pass\n",
        _TRY + "    except:\n        pass\n\nX = 1\n",
        note="pre-existing",
    ),
)
