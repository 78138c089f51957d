"""safety.tls-verify-off: certificate verification switched off, added by the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guardrails.rules._calls import CallRule, falsy_literal
from guardrails.rules.base import Case, Expect

if TYPE_CHECKING:
    from guardrails.semantic.facts import CallSite

_UNVERIFIED = frozenset({"ssl._create_unverified_context"})


class SafetyTlsVerifyOff(CallRule):
    id = "safety.tls-verify-off"
    summary = "added verify=False (or an unverified TLS context)"

    def match(self, call: CallSite) -> tuple[str, str] | None:
        fix = "keep verification on; for a private certificate point verify= at its CA bundle"
        if call.name in _UNVERIFIED:
            return f"`{call.written}()` added: TLS certificates are not checked", fix
        verify = call.keyword("verify")
        if verify is not None and falsy_literal(call, "verify"):
            return (
                f"`{call.written}(..., verify={verify.code})` added: "
                "TLS certificates are not checked",
                fix,
            )
        return None


SafetyTlsVerifyOff.INVALID = (
    Case(
        "import requests\n",
        "import requests\nr = requests.get(url, verify=False, timeout=5)\n",
        expect=(Expect(2, "block", ("verify=False",)),),
    ),
    Case(
        "import httpx\n",
        "import httpx\nclient = httpx.Client(verify=False)\n",
        expect=(Expect(2, "block", ("`httpx.Client(..., verify=False)`",)),),
    ),
    Case(
        "import ssl\n",
        "import ssl\nctx = ssl._create_unverified_context()\n",
        expect=(Expect(2, "block", ("`ssl._create_unverified_context()`",)),),
    ),
)

SafetyTlsVerifyOff.VALID = (
    Case(
        "import requests\n",
        "import requests\nr = requests.get(url, verify=True, timeout=5)\n",
        note="verify=True",
    ),
    Case(
        "import requests\n",
        "import requests\nr = requests.get(url, verify='/etc/ca.pem', timeout=5)\n",
        note="a CA bundle",
    ),
    Case(
        "import requests\nr = requests.get(u, verify=False)\n",
        "import requests\nr = requests.get(u, verify=False)\nx = 1\n",
        note="pre-existing",
    ),
)
