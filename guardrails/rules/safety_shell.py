"""safety.shell: a subprocess call through the shell, added by the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guardrails.rules._calls import CallRule
from guardrails.rules.base import Case, Expect

if TYPE_CHECKING:
    from guardrails.semantic.facts import CallSite

_TAKES_SHELL = frozenset(
    f"subprocess.{n}" for n in ("run", "call", "check_call", "check_output", "Popen")
)
_ALWAYS_SHELL = frozenset(
    {
        "os.popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "asyncio.create_subprocess_shell",
    }
)
_FIX = "pass the command as a list of arguments without shell=True (shlex.split a fixed string)"


class SafetyShell(CallRule):
    id = "safety.shell"
    summary = "added subprocess/os.popen call that runs its command through the shell"

    def match(self, call: CallSite) -> tuple[str, str] | None:
        if call.name in _ALWAYS_SHELL:
            return f"`{call.written}` added: it always runs its command through the shell", _FIX
        if call.name not in _TAKES_SHELL:
            return None
        shell = call.keyword("shell")
        if shell is None or (shell.is_literal and not shell.value):
            return None
        how = "shell=True" if shell.is_literal else f"shell={shell.code} (may be true)"
        return f"`{call.written}(..., {how})` added: the command runs through the shell", _FIX


SafetyShell.INVALID = (
    Case(
        "import subprocess\n",
        "import subprocess\nsubprocess.run(cmd, shell=True)\n",
        expect=(Expect(2, "block", ("`subprocess.run(..., shell=True)` added",)),),
    ),
    Case(
        "from subprocess import run as r\n\ndef go(cmd):\n    return 1\n",
        "from subprocess import run as r\n\ndef go(cmd):\n"
        "    return r(\n        cmd,\n        shell=True,\n    )\n",
        expect=(Expect(4, "block", ("`r(..., shell=True)`",)),),
        note="resolved through `from subprocess import run as r`; multi-line call",
    ),
    Case(
        "import subprocess as sp\nimport os\n",
        "import subprocess as sp\nimport os\nsp.Popen(cmd, shell=use_shell)\nos.popen('ls ' + d)\n",
        expect=(
            Expect(3, "block", ("`sp.Popen(..., shell=use_shell (may be true))`",)),
            Expect(4, "block", ("`os.popen` added: it always runs its command through the shell",)),
        ),
    ),
    Case(
        "import subprocess\nsubprocess.run(['ls'], check=True)\n",
        "import subprocess\nsubprocess.run(['ls'], check=True, shell=True)\n",
        expect=(Expect(2, "block", ("shell=True",)),),
        note="shell=True added to an existing call",
    ),
)

SafetyShell.VALID = (
    Case(
        "import subprocess\n",
        "import subprocess\nsubprocess.run(['ls', d], shell=False)\n",
        note="shell=False",
    ),
    Case(
        "import subprocess\nsubprocess.run(cmd, shell=True)\n",
        "import subprocess\nsubprocess.run(cmd, shell=True)\nx = 1\n",
        note="existing shell=True untouched by the change",
    ),
    Case(
        "",
        "def run(cmd, shell=True):\n    pass\nrun('x', shell=True)\n",
        note="a local `run`, not subprocess",
    ),
    Case(
        "import subprocess\n",
        "import subprocess\n"
        "subprocess.run(cmd, shell=True)  # guardrails: ignore[safety.shell] -- fixed, no input\n",
        note="suppressed with a reason",
    ),
)
