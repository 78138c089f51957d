"""safety.secret: a hard-coded credential in a string literal added by the change.

Two signals: well-known key formats (cloud keys, private keys, vendor tokens), and a
high-entropy string bound to a name that says it is a secret. The message never repeats the
secret: findings end up in CI logs and PR comments.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from guardrails.findings import Finding
from guardrails.rules.base import Case, Expect, Rule, RuleContext

_FORMATS = (
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")),
    (
        "GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b"),
    ),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Stripe live key", re.compile(r"\b[rs]k_live_[A-Za-z0-9]{20,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("Anthropic API key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{32,}")),
    ("OpenAI API key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{40,}")),
)
_SECRET_NAME = re.compile(
    r"(?i)(passw(or)?d|passwd|secret|token|api_?key|apikey|private_?key|access_?key|credential|auth_?key)"
)
_PLACEHOLDER = re.compile(
    r"(?i)(example|changeme|change_me|dummy|placeholder|redacted|xxxx|<|\$\{|\{\{|%\(|fake|sample)"
)
_MIN_LENGTH = 16
_MIN_ENTROPY = 3.5  # bits per character; English words sit near 3, random base64 near 5-6


def entropy(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _kind(value: str, context: str | None) -> str | None:
    for kind, pattern in _FORMATS:
        m = pattern.search(value)
        if m and not _PLACEHOLDER.search(m.group(0)):
            return kind
    if (
        context
        and _SECRET_NAME.search(context)
        and len(value) >= _MIN_LENGTH
        and not any(c.isspace() for c in value)
        and not _PLACEHOLDER.search(value)
        and entropy(value) >= _MIN_ENTROPY
    ):
        return f"high-entropy value for `{context}`"
    return None


class SafetySecret(Rule):
    id = "safety.secret"
    default_severity = "block"
    summary = (
        "added hard-coded secret (known key formats, or high entropy under a secret-like name)"
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for change, diff in ctx.python_changes():
            for s in diff.strings:
                kind = _kind(s.value, s.context)
                if kind is not None:
                    yield self.finding(
                        change.path,
                        s.line,
                        f"hard-coded secret added ({kind}, {len(s.value)} characters)",
                        "remove it, rotate it now (it is in git history), and read it from the "
                        "environment or the secret manager",
                    )


_KEY = "AKIA" + "Z7Q3RT5YH2KD4MWP"  # split so secret scanners do not flag this file
_GH = "ghp_" + "q8W2rT6yU1iO3pA5sD7fG9hJ0kL4zX6cV8bN"
SafetySecret.INVALID = (
    Case(
        "",
        f"AWS_KEY = '{_KEY}'\n",
        expect=(Expect(1, "block", ("AWS access key id", "20 characters")),),
    ),
    Case(
        "def client():\n    pass\n",
        f"def client():\n    return Github(token='{_GH}')\n",
        expect=(Expect(2, "block", ("GitHub token",)),),
    ),
    Case(
        "",
        "DB_PASSWORD = 'q7#Lp2$vZ9!mK4@x'\n",
        expect=(Expect(1, "block", ("high-entropy value for `DB_PASSWORD`",)),),
    ),
    Case(
        "",
        # guardrails: ignore[safety.secret] -- a fake key: this rule's own test case
        "KEY = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----'''\n",
        expect=(Expect(1, "block", ("private key",)),),
    ),
)

SafetySecret.VALID = (
    Case("", "AWS_KEY = 'AKIAIOSFODNN7EXAMPLE'\n", note="AWS's documented example key"),
    Case("", "password = 'correct horse battery staple'\n", note="prose, not a key"),
    Case(
        "",
        "TOKEN_HEADER = 'Authorization'\nDB_PASSWORD = os.environ['DB_PASSWORD']\n",
        note="no literal secret",
    ),
    Case(f"KEY = '{_KEY}'\n", f"KEY = '{_KEY}'\nX = 1\n", note="pre-existing"),
    Case("", "api_key = 'changeme-please-0000'\n", note="placeholder"),
)
