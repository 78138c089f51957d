"""Issue 9: false alarms seen on real merged commits, each rebuilt as a small repository.

Every test names the item of the issue and the shape in which it was seen (the repository
and commit are named only for the reader: nothing here needs the network or a fetched
tree). Each runs the real CLI zero-config (no guardrails.yaml) as a human author, the way
`benchmarks/precision.py` runs it over real history.
"""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner, Result

from guardrails.cli import cli
from tests.gitrepo import GitRepo


def run(repo: GitRepo, *args: str) -> Result:
    return CliRunner().invoke(cli, [args[0], "-C", str(repo.root), *args[1:]])


def check(repo: GitRepo, *, code: int | None = None) -> dict[str, Any]:
    result = run(
        repo, "check", "--base", "HEAD~1", "--format", "json", "--author-kind", "human"
    )
    assert result.exit_code in (0, 1), result.output
    if code is not None:
        assert result.exit_code == code, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def found(doc: dict[str, Any], rule: str | None = None) -> list[tuple[str, str, int, str]]:
    return [
        (f["severity"], f["path"], f["line"], f["message"])
        for f in doc["findings"]
        if rule is None or f["rule"] == rule
    ]


# -- 1. safety.secret follows the value ---------------------------------------------------

OTEL_ATTRS_BEFORE = '''\
"""GenAI attributes not yet in semantic conventions."""

_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = (
    "gen_ai.usage.cache_creation.input_tokens"
)
_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = (
    "gen_ai.usage."
    "cache_read.input_tokens"
)
'''
OTEL_ATTRS_AFTER = '''\
"""GenAI attributes not yet in semantic conventions."""

_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation.input_tokens"
_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens"
'''


def test_1_a_line_length_reformat_of_attribute_names_is_not_a_secret(repo: GitRepo) -> None:
    """otel 3a96d1cfc: a line-length-120 reformat moved attribute names onto one line."""
    repo.write({"util/genai/__init__.py": "", "util/genai/_agent.py": OTEL_ATTRS_BEFORE})
    repo.commit("init")
    repo.write({"util/genai/_agent.py": OTEL_ATTRS_AFTER})
    repo.commit("Update line length to 120")
    assert found(check(repo, code=0), "safety.secret") == []


def test_1_new_attribute_names_under_token_names_are_not_secrets(repo: GitRepo) -> None:
    repo.write({"util/genai/__init__.py": "", "util/genai/_agent.py": OTEL_ATTRS_BEFORE})
    repo.commit("init")
    repo.write(
        {
            "util/genai/_agent.py": OTEL_ATTRS_AFTER
            + 'GEN_AI_TOKEN_TYPE = "gen_ai.token.type"\n'
            + 'OAUTH_TOKEN_ENDPOINT = "https://login.microsoftonline.com/common/oauth2/token"\n'
        }
    )
    repo.commit("more attributes")
    assert found(check(repo, code=0), "safety.secret") == []


def test_1_a_real_secret_added_still_blocks(repo: GitRepo) -> None:
    repo.write({"util/genai/__init__.py": "", "util/genai/_agent.py": OTEL_ATTRS_BEFORE})
    repo.commit("init")
    repo.write(
        {"util/genai/_agent.py": OTEL_ATTRS_AFTER + 'API_TOKEN = "b7Qz4LmW9xKp2RtV8nYc3HdJ6sFg"\n'}
    )
    repo.commit("oops")
    assert found(check(repo, code=1), "safety.secret") == [
        (
            "block",
            "util/genai/_agent.py",
            5,
            "hard-coded secret added (high-entropy value for `API_TOKEN`, 28 characters)",
        )
    ]
