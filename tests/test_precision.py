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
    result = run(repo, "check", "--base", "HEAD~1", "--format", "json", "--author-kind", "human")
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


# -- 2. a module import is not a use of every name in it ----------------------------------

COMPONENTS_CONFIG = """\
version: 1
teams:
  core: {}
  displays: {}
services:
  font: {owner: core, paths: ["esphome/components/font/**"]}
  display: {owner: displays, paths: ["esphome/components/display/**"]}
  lvgl: {owner: displays, paths: ["esphome/components/lvgl/**"]}
  config: {owner: core, paths: ["esphome/config/**"]}
"""
FONT = """\
def download_content(url, path):
    return path


def validate_font(value):
    return value


GLYPHS = "abc"
"""


def components(repo: GitRepo, font: str = FONT) -> None:
    repo.write(
        {
            "guardrails.yaml": COMPONENTS_CONFIG,
            "esphome/__init__.py": "",
            "esphome/components/__init__.py": "",
            "esphome/components/font/__init__.py": font,
            "esphome/components/display/__init__.py": (
                "from esphome.components import font\n\n\n"
                "def setup(value):\n    return font.validate_font(value)\n"
            ),
            "esphome/components/lvgl/__init__.py": (
                "import esphome.components.font as fonts\n"
                "from esphome.components.font import GLYPHS\n\n\n"
                "def glyphs():\n    return getattr(fonts, 'validate_font')(GLYPHS)\n"
            ),
            "esphome/config/__init__.py": "",
            "esphome/config/settings.py": "TIMEOUT = 10\nRETRIES = 3\n",
            "esphome/components/display/uses_config.py": (
                "from esphome.config import settings\n\n\n"
                "def wait():\n    return settings.TIMEOUT\n"
            ),
        }
    )


def test_2_a_removed_function_no_importer_names_does_not_block(repo: GitRepo) -> None:
    """esphome: `from esphome.components import font` then `font.validate_font(...)` made a
    removed `download_content` "imported by 4 sites in 4 other services"."""
    components(repo)
    repo.commit("init")
    repo.write({"esphome/components/font/__init__.py": FONT.split("\n\n\n", 1)[1]})
    repo.write({"esphome/config/settings.py": "TIMEOUT = 10\n"})
    repo.commit("drop download_content and RETRIES")
    doc = check(repo, code=0)
    assert found(doc, "api.breaking-change") == [
        (
            "info",
            "esphome/components/font/__init__.py",
            1,
            "function `download_content` in `esphome.components.font`: removed; no other "
            "service uses it (2 import sites of `esphome.components.font` never name "
            "`download_content`)",
        ),
        (
            "info",
            "esphome/config/settings.py",
            2,
            "constant `RETRIES` in `esphome.config.settings`: removed; no other service uses "
            "it (1 import site of `esphome.config.settings` never names `RETRIES`)",
        ),
    ]


def test_2_a_removed_function_named_through_the_module_still_blocks(repo: GitRepo) -> None:
    components(repo)
    repo.commit("init")
    repo.write({"esphome/components/font/__init__.py": FONT.replace("validate_font", "check")})
    repo.commit("rename validate_font")
    doc = check(repo, code=1)
    assert [(f[0], f[1], f[2]) for f in found(doc, "api.breaking-change")] == [
        ("block", "esphome/components/font/__init__.py", 5)
    ]
    message = found(doc, "api.breaking-change")[0][3]
    assert message.startswith("function `validate_font` in `esphome.components.font`: removed")
    assert (
        "imported by 2 sites in 2 other services: esphome/components/display/__init__.py:1 "
        "(display), esphome/components/lvgl/__init__.py:1 (lvgl)"
    ) in message
