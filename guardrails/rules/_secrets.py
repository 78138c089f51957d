"""What a hard-coded secret looks like (see :mod:`guardrails.rules.safety_secret`): known key
formats, and high entropy under a secret-like name in a value that is not name-shaped.

A module of its own: its patterns compile in ~4 ms, which a commit that adds no Python
string (the rule reads nothing else) should not pay on every run of the hook.
"""

from __future__ import annotations

import math
import re
from collections import Counter

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


def secret_kind(value: str, context: str | None) -> str | None:
    """What kind of secret ``value`` (a string literal bound to ``context``) looks like, or
    None."""
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
