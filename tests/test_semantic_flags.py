"""Flag files in every format, read into Flags; and the reading calls found in Python code."""

from __future__ import annotations

from guardrails.flags.reads import FlagRead, find_reads
from guardrails.semantic.flags import Flag, read_flags
from guardrails.semantic.rollouts import read_rollouts
from guardrails.semantic.structured import Malformed

FLAGD = """\
{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "header-color": {
      "state": "ENABLED",
      "variants": {"red": "#b91c1c", "blue": "#0284c7", "yellow": "#ca8a04"},
      "defaultVariant": "red",
      "targeting": {
        "if": [{"$ref": "staff"}, "yellow", {"fractional": [{"cat": [{"var": "$flagd.flagKey"}, {"var": "email"}]}, ["red", 50], ["blue", 25], ["yellow", 25]]}]
      }
    },
    "off-flag": {"state": "DISABLED", "variants": {"on": true, "off": false}, "defaultVariant": "on"},
    "weights-unnormalised": {
      "variants": {"on": true, "off": false},
      "defaultVariant": "off",
      "targeting": {"fractional": [["on", 1], ["off", 3]]}
    }
  },
  "$evaluators": {"staff": {"ends_with": [{"var": "email"}, "@acme.dev"]}}
}
"""


def test_flagd_defaults_types_and_fractional_shares() -> None:
    flags = read_flags("flagd", "flags.json", FLAGD)
    assert isinstance(flags, dict)
    color = flags["header-color"]
    assert (color.line, color.type, color.default, color.rollout) == (4, "string", "#b91c1c", 50.0)
    assert (color.default_line, color.rollout_line, color.state_line) == (7, 8, 5)
    assert color.variants == ("blue", "red", "yellow")
    # $ref is resolved from $evaluators in the definition the rules compare.
    assert color.definition["targeting"]["if"][0] == {"ends_with": [{"var": "email"}, "@acme.dev"]}
    off = flags["off-flag"]
    assert (off.enabled, off.default, off.on_by_default) == (False, None, False)
    assert flags["weights-unnormalised"].rollout == 25.0  # weights are relative: 1 of 4


def test_yaml_form_python_constants_and_absl() -> None:
    yaml_flags = read_flags(
        "yaml",
        "f.yaml",
        "# growth\nflags:\n  checkout-v2: {default: false, rollout: 5%, owner: growth}\n"
        "  theme:\n    default: dark\n  not-a-flag: 3\n",
    )
    assert yaml_flags == {
        "checkout-v2": Flag(
            "checkout-v2",
            "yaml",
            3,
            "boolean",
            False,
            rollout=5.0,
            owner="growth",
            definition={"default": False, "rollout": "5%", "owner": "growth"},
            default_line=3,
            rollout_line=3,
        ),
        "theme": Flag(
            "theme",
            "yaml",
            4,
            "string",
            "dark",
            definition={"default": "dark"},
            default_line=5,
            rollout_line=4,
        ),
    }
    constants = read_flags(
        "python-constants",
        "flags.py",
        '"""Flags."""\nNEW_PATH = False\nLIMIT: int = 5\nlower = True\nCOMPUTED = f()\n',
    )
    assert isinstance(constants, dict)
    assert {k: (f.line, f.type, f.default) for k, f in constants.items()} == {
        "NEW_PATH": (2, "boolean", False),
        "LIMIT": (3, "number", 5),
    }
    absl = read_flags(
        "absl",
        "defs.py",
        "from absl import flags\n\nflags.DEFINE_bool('fast', False, 'Go fast.')\n"
        "flags.DEFINE_enum(name='mode', default='a', enum_values=['a', 'b'], help='Mode.')\n"
        "DEFINE_integer('n', 3, 'N.')\n",
    )
    assert isinstance(absl, dict)
    assert {k: (f.line, f.type, f.default) for k, f in absl.items()} == {
        "fast": (3, "boolean", False),
        "mode": (4, "string", "a"),
        "n": (5, "number", 3),
    }
    assert read_flags("absl", "defs.py", "def f(:\n") == Malformed(
        "Python syntax error: invalid syntax", 1
    )


def test_rollout_objects_are_picked_by_kind_and_name() -> None:
    text = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n"
        "kind: Rollout\nmetadata: {name: web, namespace: shop}\nspec:\n  strategy:\n"
        "    canary:\n      steps:\n      - setWeight: 20%\n      - experiment: {}\n"
        "      - setCanaryScale: {replicas: 2}\n      - {}\n"
    )
    (rollout,) = read_rollouts("argo-rollout", "a.yaml", text)  # type: ignore[misc]
    assert rollout.key == "Rollout/shop/web"
    steps = rollout.argo_steps()
    assert steps is not None
    assert [(s.kind, s.weight, s.line) for s in steps] == [
        ("setWeight", 20.0, 11),
        ("experiment", None, 12),
        ("setCanaryScale", None, 13),
        ("other", None, 14),
    ]
    (canary,) = read_rollouts(  # type: ignore[misc]
        "flagger",
        "c.yaml",
        "kind: Canary\nmetadata: {name: w}\nspec:\n  analysis:\n    stepWeight: 20\n",
    )
    assert canary.flagger_weights() == ((20.0, 5), (40.0, 5), (50.0, 4))  # maxWeight defaults to 50


def test_reads_need_a_literal_key_and_a_known_reader() -> None:
    source = (
        b"from openfeature import api\nimport flags as f\n\nc = api.get_client()\n"
        b"c.get_string_details('theme', 'light')\n"
        b"c.get_boolean_value_async('fast', False)\n"
        b"c.get_boolean_value(KEY, False)\n"
        b"c.unrelated('theme')\n"
        b"f.enabled('fast')\n"
        b"c.get_boolean_value('unknown-key', False)\n"
    )
    assert find_reads("svc/a.py", source, {"theme", "fast"}, ("acme.f.enabled",)) == [
        FlagRead(
            "svc/a.py", 5, "theme", "c.get_string_details", "c.get_string_details('theme', 'light')"
        ),
        FlagRead(
            "svc/a.py",
            6,
            "fast",
            "c.get_boolean_value_async",
            "c.get_boolean_value_async('fast', False)",
        ),
        FlagRead("svc/a.py", 9, "fast", "f.enabled", "f.enabled('fast')"),
    ]
    assert find_reads("svc/b.py", b"def f(:\n is_enabled('fast')", {"fast"}) == []
    assert find_reads("svc/c.py", b"x = 1\n", {"fast"}) == []


def test_absl_flags_are_read_as_flags_attributes() -> None:
    source = (
        b"from absl import flags\n\nFLAGS = flags.FLAGS\n\n\ndef main():\n"
        b"    if FLAGS.fast and flags.FLAGS.other:\n        return FLAGS.unknown\n"
    )
    assert find_reads("svc/m.py", source, set(), absl_keys={"fast", "other"}) == [
        FlagRead("svc/m.py", 7, "fast", "FLAGS.fast", "if FLAGS.fast and flags.FLAGS.other:"),
        FlagRead("svc/m.py", 7, "other", "FLAGS.other", "if FLAGS.fast and flags.FLAGS.other:"),
    ]
