"""safety.secret: a hard-coded credential in a string literal added by the change.

Two signals: well-known key formats (cloud keys, private keys, vendor tokens), and a
high-entropy string bound to a name that says it is a secret. The message never repeats the
secret: findings end up in CI logs and PR comments.

What is new is decided by the value, not the line: a literal the base version of the file
already held is not added wherever it moved (a reformat re-wraps lines, joins implicitly
concatenated parts, moves a constant into another block). And entropy alone says nothing
about strings that have the shape of names: dotted identifiers and attribute names
(``gen_ai.usage.input_tokens``), URLs without credentials, digests with their algorithm
(``sha256:...``): those are never reported by the entropy signal.
"""

from __future__ import annotations

import ast
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator

from guardrails.changes import FileChange
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
# Names that carry "token" as a unit or say where a secret lives, not a secret value.
_NOT_SECRET_NAME = re.compile(
    r"(?i)(tokens|token_?(count|type|limit|len|length|usage|budget)|max_?token|"
    r"(_|^)(url|uri|endpoint|header|name|path|file|env|var|field|attr|key_?name|label|prefix|"
    r"pattern|regex|re|format|fmt|id|kind|scope)s?$)"
)
# One word of an identifier: lower, UPPER or Capitalised letters with an optional short number
# (``v1``, ``utf8``); a random token mixes case and digits inside its runs.
_WORD = re.compile(r"(?:[a-z]+|[A-Z]+|[A-Z][a-z]+)[0-9]{0,2}")
_SEPARATORS = re.compile(r"[._:/\-]+")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_URL_CREDENTIALS = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*:(?P<password>[^/@\s]+)@")
_DIGEST = re.compile(r"(?i)^(md5|sha1|sha224|sha256|sha384|sha512|blake2[bs]?)[:=-]")
_MIN_LENGTH = 16
_MIN_ENTROPY = 3.5  # bits per character; English words sit near 3, random base64 near 5-6


def entropy(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def name_shaped(value: str) -> bool:
    """A dotted, snake, kebab or path-like identifier, a URL without credentials, or a
    digest naming its algorithm: high entropy in these is the alphabet, not randomness."""
    if _URL.match(value):
        return _URL_CREDENTIALS.match(value) is None
    if _DIGEST.match(value):
        return True
    words = [w for w in _SEPARATORS.split(value) if w]
    return bool(words) and all(_WORD.fullmatch(w) for w in words)


def _kind(value: str, context: str | None) -> str | None:
    for kind, pattern in _FORMATS:
        m = pattern.search(value)
        if m and not _PLACEHOLDER.search(m.group(0)):
            return kind
    creds = _URL_CREDENTIALS.match(value)
    if creds is not None:
        password = creds.group("password")
        if (
            len(password) >= 8
            and not _PLACEHOLDER.search(password)
            and entropy(password) >= _MIN_ENTROPY - 0.5
        ):
            return "password in a URL"
    if (
        context
        and _SECRET_NAME.search(context)
        and not _NOT_SECRET_NAME.search(context)
        and not name_shaped(value)
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
            known: Callable[[str], bool] | None = None
            for s in diff.strings:
                kind = _kind(s.value, s.context)
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
