"""safety.os-system: ``os.system`` added by the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guardrails.rules._calls import CallRule
from guardrails.rules.base import Case, Expect

if TYPE_CHECKING:
    from guardrails.semantic.facts import CallSite

_NAMES = frozenset({"os.system", "posix.system"})


class SafetyOsSystem(CallRule):
    id = "safety.os-system"
    summary = "added os.system call"

    def match(self, call: CallSite) -> tuple[str, str] | None:
        if call.name not in _NAMES:
            return None
        return (
            f"`{call.written}` added: runs a shell command and ignores failures",
            "use subprocess.run([...], check=True) with an argument list",
        )


SafetyOsSystem.INVALID = (
    Case(
        "import os\n",
        "import os\nos.system('rm -rf ' + path)\n",
        expect=(Expect(2, "block", ("`os.system` added",)),),
    ),
    Case(
        "from os import system\n",
        "from os import system\nsystem(cmd)\n",
        expect=(Expect(2, "block", ("`system` added",)),),
    ),
    Case(
        "import os as o\n\ndef f():\n    pass\n",
        "import os as o\n\ndef f():\n    o.system('make')\n",
        expect=(Expect(4, "block", ("`o.system` added",)),),
    ),
)

SafetyOsSystem.VALID = (
    Case(
        "import os\nos.system('make')\n",
        "import os\nos.system('make')\n\nx = 2\n",
        note="pre-existing call",
    ),
    Case(
        "import os\n", "import os\nos.getenv('HOME')\nplatform.system()\n", note="other functions"
    ),
    Case(
        "",
        "class Shell:\n    def system(self):\n        pass\n\nShell().system()\n",
        note="a method named system",
    ),
    Case(
        "import os\n",
        "import os\n# guardrails: ignore[safety.os-system] -- build script, constant command\n"
        "os.system('make')\n",
        note="suppressed on the line above with a reason",
    ),
)
