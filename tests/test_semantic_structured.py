"""YAML and JSON read into plain values with the line of every key path."""

from __future__ import annotations

import json

import pytest

from guardrails.semantic.structured import Document, Malformed, read_json, read_yaml

ARGO_STREAM = """\
# The Service first, then the Rollout it routes to (kubectl apply -f takes both).
apiVersion: v1
kind: Service
metadata:
  name: ranker
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: ranker
  labels: &labels
    app: ranker
    team: ranking
spec:
  selector:
    matchLabels: *labels
  strategy:
    canary:
      steps:
      - setWeight: 10   # a tenth of the traffic first
      - pause: {duration: 10m}
      - setWeight: 30
"""


def test_yaml_stream_keeps_documents_values_and_lines() -> None:
    docs = read_yaml(ARGO_STREAM)
    assert isinstance(docs, list)
    assert [d.get("kind") for d in docs] == ["Service", "Rollout"]
    assert [d.line for d in docs] == [2, 7]
    rollout = docs[1]
    steps = ("spec", "strategy", "canary", "steps")
    assert rollout.get(*steps) == [
        {"setWeight": 10},
        {"pause": {"duration": "10m"}},
        {"setWeight": 30},
    ]
    assert rollout.line_of((*steps, 0, "setWeight")) == 20
    assert rollout.line_of((*steps, 2)) == 22
    # An alias reads as the anchored value; a key the file leaves out is located at its parent.
    assert rollout.get("spec", "selector", "matchLabels") == {"app": "ranker", "team": "ranking"}
    assert rollout.line_of(("spec", "strategy", "canary", "analysis")) == 18
    assert rollout.get("spec", "nope", 3) is None


def test_yaml_merge_keys_written_keys_win() -> None:
    docs = read_yaml(
        "defaults: &d {interval: 1m, threshold: 5}\nanalysis:\n  <<: *d\n  threshold: 2\n"
    )
    assert isinstance(docs, list)
    assert docs[0].get("analysis") == {"threshold": 2, "interval": "1m"}
    assert docs[0].line_of(("analysis", "threshold")) == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: [1, 2\nb: 3\n",
            Malformed("YAML syntax error: expected ',' or ']', but got '<scalar>'", 2),
        ),
        ("a: 1\n  b: 2\n", Malformed("YAML syntax error: mapping values are not allowed here", 2)),
        ("a: *nowhere\n", Malformed("YAML syntax error: found undefined alias 'nowhere'", 1)),
        ("[" * 300 + "]" * 300 + "\n", Malformed("YAML nesting is too deep", 1, "too-deep")),
    ],
)
def test_malformed_yaml_is_a_value_with_its_line(text: str, expected: Malformed) -> None:
    got = read_yaml(text)
    assert isinstance(got, Malformed)
    assert (got.line, got.kind) == (expected.line, expected.kind)
    assert got.message.startswith(expected.message.split(":")[0])


FLAGD = """\
{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "new-ranker": {
      "state": "ENABLED",
      "variants": {"on": true, "off": false},
      "defaultVariant": "off",
      "targeting": {"fractional": [["on", 5], ["off", 95]]}
    }
  },
  "$evaluators": {"beta": {"in": ["@acme.dev", {"var": "email"}]}}
}
"""


def test_json_values_are_what_json_loads_returns_and_lines_are_kept() -> None:
    doc = read_json(FLAGD)
    assert isinstance(doc, Document)
    assert doc.value == json.loads(FLAGD)
    assert doc.line_of(("flags", "new-ranker")) == 4
    assert doc.line_of(("flags", "new-ranker", "defaultVariant")) == 7
    assert doc.line_of(("flags", "new-ranker", "targeting", "fractional", 1)) == 8
    assert doc.line_of(("$evaluators", "beta")) == 11
    odd = '\ufeff[1, -2.5e3, "\\u00e9\\n", null, true, {"a": {}}, []]'
    assert read_json(odd) == Document(json.loads(odd[1:]), read_json(odd).lines)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{\n  "a": 1,\n}\n', 3, "JSON syntax error: expected a property name in double quotes"),
        ('{\n  "a": 1\n  "b": 2\n}\n', 3, "JSON syntax error: expected ',' or '}'"),
        ('{"a": tru}', 1, "JSON syntax error: unexpected 't'"),
        ('{"a": "open\n', 1, "JSON syntax error: Invalid control character at"),
        ("[1] [2]", 1, "JSON syntax error: extra data after the JSON value"),
        ("", 1, "JSON syntax error: unexpected end of file"),
        ("[" * 500, 1, "JSON syntax error: JSON nesting is too deep"),
    ],
)
def test_malformed_json_names_the_line(text: str, line: int, message: str) -> None:
    assert read_json(text) == Malformed(message, line)
