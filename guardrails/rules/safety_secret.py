"""safety.secret: a hard-coded credential in a string literal added by the change.

Two signals: well-known key formats (cloud keys, private keys, vendor tokens), and a
high-entropy string bound to a name that says it is a secret. The message never repeats the
secret: findings end up in CI logs and PR comments.

What is new is decided by the value, not the line: a literal the base version of the file
already held is not added wherever it moved (a reformat re-wraps lines, joins implicitly
concatenated parts, moves a constant into another block). And entropy alone says nothing
about strings that have the shape of names: dotted identifiers and attribute names
(``gen_ai.usage.input_tokens``), URLs without credentials, digests with their algorithm
(``sha256:...``): those are never reported by the entropy signal. The patterns are in
:mod:`guardrails.rules._secrets`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from guardrails.changes import FileChange
from guardrails.findings import Finding
from guardrails.rules.base import Case, Expect, Rule, RuleContext


class SafetySecret(Rule):
    id = "safety.secret"
    default_severity = "block"
    summary = (
        "added hard-coded secret (known key formats, or high entropy under a secret-like name)"
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for change, diff in ctx.python_changes():
            from guardrails.rules._secrets import secret_kind

            known: Callable[[str], bool] | None = None
            for s in diff.strings:
                kind = secret_kind(s.value, s.context)
                if kind is None:
                    continue
                if known is None:
                    known = base_literals(change)
                if not known(s.value):
                    yield self.finding(
                        change.path,
                        s.line,
                        f"hard-coded secret added ({kind}, {len(s.value)} characters)",
                        "remove it, rotate it now (it is in git history), and read it from the "
                        "environment or the secret manager",
                    )


def base_literals(change: FileChange) -> Callable[[str], bool]:
    """Whether the base version of the file already holds a string value (implicit
    concatenations joined, as Python reads them). A base that does not parse falls back to
    its text: a value found verbatim in it is not new either."""
    text = change.old_text
    if not text:
        return lambda value: False
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return lambda value: value in text
    values = frozenset(
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )
    return values.__contains__


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
    Case(
        "",
        "DATABASE_URL = 'postgres://app:Zr9kW2qLx7PvN4tB@db.internal:5432/app'\n"
        "SERVICE_TOKEN = 'b7Qz4LmW9xKp2RtV8nYc3HdJ6sFg'\n",
        expect=(
            Expect(1, "block", ("password in a URL",)),
            Expect(2, "block", ("high-entropy value for `SERVICE_TOKEN`", "28 characters")),
        ),
        note="credentials in a URL, and a random token, are still secrets",
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
    Case(
        "_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = (\n"
        "    'gen_ai.usage.cache_creation.'\n    'input_tokens'\n)\n",
        "_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens'\n",
        note="a reformat joins an implicit concatenation: the value is not new",
    ),
    Case(
        "",
        "GEN_AI_TOKEN_ATTRIBUTE = 'gen_ai.usage.cache_read.input_tokens'\n"
        "AUTH_TOKEN_URL = 'https://login.example-idp.com/oauth2/v2.0/token'\n"
        "SECRET_DIGEST = 'sha256:9f86d081884c7d659a2feaa0c55ad015"
        "a3bf4f1b2b0b822cd15d6c15b0f00a08'\n",
        note="attribute names, URLs without credentials and digests have the shape of names",
    ),
    Case(
        "def connect():\n    return Client(password='q7#Lp2$vZ9!mK4@x')\n",
        "PASSWORD = 'q7#Lp2$vZ9!mK4@x'\n\n\ndef connect():\n    return Client(password=PASSWORD)\n",
        note="a literal moved within the file is not a new secret (it was already in git history)",
    ),
)
