"""json_text.dumps is json.dumps(indent=2, ensure_ascii=False), byte for byte.

Generated documents (nested and empty containers, unicode and escapes in keys and values,
every scalar), the edge cases a flat container hides, values the walk hands back to the
reference (and their errors), and the real documents the CLI prints for a test repository.
"""

from __future__ import annotations

import enum
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails.cli import cli
from guardrails.report import json_text
from tests.gitrepo import GitRepo

ACME = Path(__file__).resolve().parent.parent / "graph" / "examples" / "acme"


def reference(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False)


# Keys and strings that need escapes: quotes, backslashes, control characters, line
# separators, astral and lone-surrogate code points (a non-UTF-8 path byte).
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(['"', "\\", "\n", "\t", "\x00", "\x1f", "\x7f", "\u2028", "é", "😀"]),
        st.characters(codec=None),
    ),
    max_size=8,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.dictionaries(TEXT, inner, max_size=5),
    ),
    max_leaves=40,
)


@settings(max_examples=600, deadline=None)
@given(DOCS)
def test_generated_documents(doc: Any) -> None:
    assert json_text.dumps(doc) == reference(doc)


@pytest.mark.parametrize(
    "doc",
    [
        {},
        [],
        (),
        {"a": {}},
        {"a": []},
        [[]],
        [{}, [], {"x": []}],
        {"a": [[], {}], "b": {"c": {}}},
        [1, 2.5, True, False, None, "s"],  # flat: one C call
        {"k": 1, "n": None, "t": True, "f": False, "x": -0.0, "big": 10**30},
        [float("nan"), float("inf"), float("-inf"), 1e300, 5e-324],
        {"nested": [{"deep": [{"deeper": [1, [2, [3, {}]]]}]}]},
        {"unicode ключ": "значение", "emoji 😀": "\u2028\u2029", 'esc"\\\n': "\x00"},
        {"lone": "\udcff", "\udc80": "key"},
        "just a string",
        42,
        None,
        [{"a": 1}, {"b": [1, {"c": "d"}]}, "tail"],
    ],
)
def test_edge_cases(doc: Any) -> None:
    assert json_text.dumps(doc) == reference(doc)


def test_a_large_document() -> None:
    doc = {
        "nodes": [{"id": f"module:m{i}", "tier": i % 3, "owner": None} for i in range(3000)],
        "links": [
            {"source": f"m{i}", "evidence": [{"line": i, "text": "é" * (i % 7)}]}
            for i in range(3000)
        ],
    }
    assert json_text.dumps(doc) == reference(doc)


class Level(enum.IntEnum):
    HIGH = 2


class Tag(str):
    pass


@pytest.mark.parametrize(
    "doc",
    [
        {1: "int key"},
        {"a": {2.5: "float key", True: "bool key", None: "none key"}},
        [Level.HIGH, {"level": Level.HIGH}],
        [Tag("a str subclass"), {Tag("k"): Tag("v")}],
    ],
)
def test_what_the_walk_hands_to_the_reference(doc: Any) -> None:
    assert json_text.dumps(doc) == reference(doc)


@pytest.mark.parametrize(
    "doc",
    [{"a": {1, 2}}, [object()], {("tuple", "key"): 1}, {"x": [b"bytes"]}],
)
def test_the_reference_refuses_what_it_always_refused(doc: Any) -> None:
    with pytest.raises(TypeError) as ours:
        json_text.dumps(doc)
    with pytest.raises(TypeError) as theirs:
        reference(doc)
    assert str(ours.value) == str(theirs.value)


def test_a_cycle_is_the_references_error() -> None:
    doc: dict[str, Any] = {"a": [1]}
    doc["a"].append(doc)
    with pytest.raises(ValueError, match="^Circular reference detected$"):
        json_text.dumps(doc)


def test_without_the_c_accelerator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    monkeypatch.setattr(json_text, "_flat_encoders", {})
    doc = {"a": [1, 2.0, "é", None], "b": [{"c": True}], "d": [math.inf]}
    assert json_text.dumps(doc) == reference(doc)
    assert set(json_text._flat_encoders) == {"    ", "      "}


# -- the documents the CLI prints -----------------------------------------------------------
def _cli(repo: GitRepo, *args: str) -> str:
    result = CliRunner().invoke(cli, [args[0], "-C", str(repo.root), *args[1:]])
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def test_every_json_report_of_a_real_change(repo: GitRepo) -> None:
    shutil.copytree(ACME, repo.root, dirs_exist_ok=True)
    repo.commit("acme: initial")
    base = repo.git("rev-parse", "HEAD").strip()
    client = repo.root / "services" / "event_bus" / "client.py"
    client.write_text(
        client.read_text() + "\nimport subprocess\n\ndef run(cmd):\n"
        '    return subprocess.run(cmd, shell=True)\n  # «ünïcode» \\ "\n'
    )
    repo.write({"notes/ünïcode.txt": "x\n"})
    repo.commit("a shell call and a note")
    outputs = {
        "check": _cli(repo, "check", "--base", base, "--format", "json"),
        "sarif": _cli(repo, "check", "--base", base, "--format", "sarif"),
        "gitlab": _cli(repo, "check", "--base", base, "--format", "gitlab"),
        "affected": _cli(repo, "affected", "--base", base, "--format", "json"),
        "why": _cli(
            repo, "affected", "--base", base, "--format", "json", "--why", "service:event-bus"
        ),
        "graph": _cli(repo, "graph", "--format", "json"),
    }
    for kind, text in outputs.items():
        doc = json.loads(text)
        assert doc, kind
        assert text == reference(doc) + "\n", kind
        assert json_text.dumps(doc) + "\n" == text, kind
    assert json.loads(outputs["check"])["decision"] == "block"
    assert len(json.loads(outputs["gitlab"])) >= 1
