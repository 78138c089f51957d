"""safety.no-timeout: an HTTP call with no timeout, added by the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guardrails.rules._calls import CallRule
from guardrails.rules.base import Case, Expect

if TYPE_CHECKING:
    from guardrails.semantic.facts import CallSite

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")
_NAMES = frozenset(f"{lib}.{verb}" for lib in ("requests", "httpx") for verb in _VERBS)


class SafetyNoTimeout(CallRule):
    id = "safety.no-timeout"
    summary = "added requests/httpx call with no timeout"

    def match(self, call: CallSite) -> tuple[str, str] | None:
        if call.name not in _NAMES or call.has_star_kwargs:
            return None
        timeout = call.keyword("timeout")
        if timeout is not None and not (timeout.is_literal and timeout.value is None):
            return None
        what = "timeout=None" if timeout is not None else "no timeout"
        return (
            f"`{call.written}` with {what} added: a slow peer hangs the caller forever",
            "pass timeout= (seconds, e.g. timeout=10) sized to the caller's own deadline",
        )


SafetyNoTimeout.INVALID = (
    Case(
        "import requests\n",
        "import requests\nr = requests.get(url)\n",
        expect=(Expect(2, "block", ("`requests.get` with no timeout",)),),
    ),
    Case(
        "import httpx\n",
        "import httpx\nr = httpx.post(url, json=body, timeout=None)\n",
        expect=(Expect(2, "block", ("timeout=None",)),),
    ),
    Case(
        "from requests import post as p\n",
        "from requests import post as p\np(url, data=x)\n",
        expect=(Expect(2, "block", ("`p` with no timeout",)),),
    ),
)

SafetyNoTimeout.VALID = (
    Case(
        "import requests\n",
        "import requests\nr = requests.get(url, timeout=5)\n",
        note="timeout given",
    ),
    Case(
        "import requests\n",
        "import requests\nr = requests.get(url, **opts)\n",
        note="timeout may be in **opts",
    ),
    Case(
        "import requests\nr = requests.get(url)\n",
        "import requests\nr = requests.get(url)\ns = 1\n",
        note="pre-existing",
    ),
    Case("", "r = cache.get(url)\n", note="not an HTTP client"),
)
