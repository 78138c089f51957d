"""Whatever bytes a catalog file holds, the catalog reports problems; it never crashes.

Catalog files are read as UTF-8 (a BOM is fine); anything else is a located problem. Also:
policy pack references, nested schema classes, and a fuzz of every catalog source.
"""

# Expected messages are kept whole, as users read them.
# ruff: noqa: E501

from __future__ import annotations

import json
import os

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guardrails.catalog import config
from guardrails.catalog.load import build_catalog, load_catalog
from guardrails.cli import cli
from guardrails.errors import ConfigError, Problem
from guardrails.git import Repo
from tests.gitrepo import GitRepo
from tests.test_catalog_support import load, problems

UTF8_FIX = "(fix: save the file as UTF-8)"

CONFIG = """\
version: 1
teams:
  ranking: {members: [li], handles: ["@acme/ranking"]}
services:
  ranker: {owner: ranking, paths: ["ranker/**"]}
"""


def validate(repo: GitRepo) -> Result:
    return CliRunner().invoke(cli, ["validate", "-C", str(repo.root)], catch_exceptions=False)


# --- 1. not UTF-8 --------------------------------------------------------------------------


def test_validate_reports_a_latin1_byte_in_the_config_with_its_line(repo: GitRepo) -> None:
    # `printf '# caf\xe9\n' >> guardrails.yaml` was "internal error: UnicodeEncodeError".
    repo.write({"guardrails.yaml": CONFIG.encode() + b"# caf\xe9\n", "ranker/a.py": ""})
    repo.commit("latin-1 comment")
    result = validate(repo)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: guardrails.yaml:6: not valid UTF-8 (byte 0xe9 at column 6) {UTF8_FIX}\n"
        "guardrails: 1 problem in the configuration\n"
    )


@pytest.mark.parametrize(
    ("path", "content", "expected"),
    [
        (
            "ranker/guardrails-service.yaml",
            b"name: ranker2\nowner: ranking  # \xff\n",
            f"ranker/guardrails-service.yaml:2: not valid UTF-8 (byte 0xff at column 19) {UTF8_FIX}",
        ),
        (
            "ranker/catalog-info.yaml",
            b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: r\xe9}\n",
            f"ranker/catalog-info.yaml:3: not valid UTF-8 (byte 0xe9 at column 19) {UTF8_FIX}",
        ),
        (
            ".github/CODEOWNERS",
            b"* @acme/ranking\n\n# Ren\xe9e owns the docs\n",
            f".github/CODEOWNERS:3: not valid UTF-8 (byte 0xe9 at column 6) {UTF8_FIX}",
        ),
        (
            # Columns count characters, as an editor shows them: "é" before the bad byte is one.
            "CODEOWNERS",
            "# café \n".encode() + b"x \xc3\x28\n",
            f"CODEOWNERS:2: not valid UTF-8 (byte 0xc3 at column 3) {UTF8_FIX}",
        ),
        (
            # An encoded surrogate is not UTF-8 either (Python's strict codec agrees).
            "guardrails.yaml",
            b"version: 1\n# \xed\xa0\x80\n",
            f"guardrails.yaml:2: not valid UTF-8 (byte 0xed at column 3) {UTF8_FIX}",
        ),
        (
            "guardrails.yaml",
            "version: 1\n# Zoë\n".encode("utf-16"),
            f"guardrails.yaml:1: not valid UTF-8 (byte 0xff at column 1) {UTF8_FIX}",
        ),
    ],
)
def test_every_catalog_source_reports_bytes_that_are_not_utf8(
    repo: GitRepo, path: str, content: bytes, expected: str
) -> None:
    files: dict[str, str | bytes] = {"guardrails.yaml": CONFIG, "ranker/a.py": "", path: content}
    assert expected in problems(repo, files)
    with pytest.raises(ConfigError) as err:
        load(repo, files)
    assert expected in [p.render() for p in err.value.problems]


def test_a_bom_is_not_a_problem(repo: GitRepo) -> None:
    bom = b"\xef\xbb\xbf"
    catalog = load(
        repo,
        {
            "guardrails.yaml": bom + CONFIG.encode(),
            "other/guardrails-service.yaml": bom + b"name: other\nowner: ranking\n",
            "CODEOWNERS": bom + b"*.md @acme/ranking\n",
            "ranker/a.py": "",
            "other/b.py": "",
        },
    )
    assert sorted(catalog.services) == ["other", "ranker"]
    assert catalog.codeowners is not None
    # The BOM used to stay glued to the first pattern ("\ufeff*.md"), so it matched nothing.
    assert [r.pattern for r in catalog.codeowners.rules] == ["*.md"]


def test_check_base_turns_a_non_utf8_head_config_into_the_config_invalid_finding(
    repo: GitRepo,
) -> None:
    repo.write({"guardrails.yaml": CONFIG, "ranker/a.py": "x = 1\n"})
    repo.commit("init")
    repo.branch("feature")
    repo.write({"guardrails.yaml": CONFIG.encode() + b"# caf\xe9\n"})
    repo.commit("latin-1 comment")
    result = CliRunner().invoke(
        cli,
        ["check", "-C", str(repo.root), "--base", "main", "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.stdout + result.stderr
    found = [
        f for f in json.loads(result.stdout)["findings"] if f["rule"] == "guardrails.config-invalid"
    ]
    assert [(f["path"], f["line"]) for f in found] == [("guardrails.yaml", 6)]
    assert "not valid UTF-8 (byte 0xe9 at column 6)" in found[0]["message"]


# --- odd YAML: a problem each, never an exception ------------------------------------------


@pytest.mark.parametrize(
    ("path", "content", "expected"),
    [
        (
            "guardrails.yaml",
            "just words\n",
            ["guardrails.yaml:1: top level must be a mapping, not a string"],
        ),
        (
            "guardrails.yaml",
            "- version: 1\n",
            ["guardrails.yaml:1: top level must be a mapping, not a list"],
        ),
        (
            "guardrails.yaml",
            "version: 1\nservices:\n\tranker: {}\n",
            [
                "guardrails.yaml:3: YAML syntax error: found character that cannot start any token (while scanning for the next token) (fix: fix the YAML syntax (indentation, quotes, brackets))"
            ],
        ),
        (
            "guardrails.yaml",
            CONFIG.replace("owner: ranking,", f"owner: ranking, tier: {'9' * 5000},"),
            ["guardrails.yaml:5: services.ranker.tier is too large"],
        ),
        (
            "guardrails.yaml",
            "version: 1\nservices:\n  a: {paths: ['[' ]}\n" + "x: [" * 2000 + "]" * 2000 + "\n",
            [
                "guardrails.yaml:4: YAML syntax error: exceeded maximum nesting depth (while increasing flow level) (fix: fix the YAML syntax (indentation, quotes, brackets))"
            ],
        ),
        (
            # pathspec raised on these (GitIgnorePatternError, re.error): an internal error.
            "guardrails.yaml",
            CONFIG.replace('["ranker/**"]', '["ranker/**", "ranker/[z-a]", "ranker\\\\"]')
            + 'rollouts:\n  - {path: "deploy/\\\\", kind: guardrails}\n',
            [
                f"guardrails.yaml:5: services.ranker.paths: '{bad}' is not a valid pattern (fix: write a gitignore pattern such as `services/x/**`; a trailing `\\` escapes nothing and a range reads low to high, `[a-z]`)"
                for bad in ("ranker/[z-a]", "ranker\\")
            ]
            + [
                "guardrails.yaml:7: rollouts[0].path: 'deploy/\\' is not a valid pattern (fix: write a gitignore pattern such as `services/x/**`; a trailing `\\` escapes nothing and a range reads low to high, `[a-z]`)"
            ],
        ),
        ("CODEOWNERS", "* @acme/ranking\ndocs\\\n", ["CODEOWNERS:2: invalid pattern 'docs\\'"]),
        (
            "ranker/guardrails-service.yaml",
            "42\n",
            ["ranker/guardrails-service.yaml:1: service file must be a mapping, not an integer"],
        ),
        (
            "ranker/catalog-info.yaml",
            "[]\n---\nnull\n",
            [
                "ranker/catalog-info.yaml:1: entity must be a mapping, not a list",
                "ranker/catalog-info.yaml:3: entity must be a mapping, not empty (null)",
            ],
        ),
        (
            "CODEOWNERS",
            "\x00\n* \x00\n",
            [
                "CODEOWNERS:2: '\x00' is not a valid owner (fix: write `@user`, `@org/team` or an email address)"
            ],
        ),
    ],
)
def test_odd_yaml_is_a_located_problem(
    repo: GitRepo, path: str, content: str, expected: list[str]
) -> None:
    files = {"guardrails.yaml": CONFIG, "ranker/a.py": "", path: content}
    assert [p for p in problems(repo, files) if p.startswith(path)] == expected


# --- 2. nested schema classes --------------------------------------------------------------


def test_nested_schema_class_is_path_and_dotted_class(repo: GitRepo) -> None:
    catalog = load(
        repo,
        {
            "guardrails.yaml": CONFIG
            + 'resources:\n  "topic:events":\n    schema: "ranker/schemas.py::Envelope.Payload"\n',
            "ranker/schemas.py": "class Envelope:\n    class Payload:\n        user_id: int\n",
        },
    )
    resource = catalog.resources["topic:events"]
    assert (resource.schema_path, resource.schema_class) == (
        "ranker/schemas.py",
        "Envelope.Payload",
    )


@pytest.mark.parametrize(
    "schema",
    [
        "'a.py::Outer.'",
        "'a.py::.Inner'",
        "'a.py::Outer..Inner'",
        "'a.py::Outer.9'",
        "'a.py::Outer::Inner'",
        # A block scalar keeps its newline; `$` in the pattern used to let it through, and
        # the class "Outer.Inner\n" then never matched a class.
        "|\n      a.py::Outer.Inner",
    ],
)
def test_malformed_schema_classes_are_rejected(repo: GitRepo, schema: str) -> None:
    text = CONFIG + f'resources:\n  "topic:events":\n    schema: {schema}\n'
    shown = yaml.safe_load(text)["resources"]["topic:events"]["schema"]
    shown = shown.replace("\n", "\\n")  # one problem, one line: a newline is shown escaped
    assert problems(repo, {"guardrails.yaml": text, "ranker/a.py": ""}) == [
        f"guardrails.yaml:8: resources.topic:events.schema: '{shown}' is not `path::Class` or `path::Outer.Inner` (fix: write e.g. `services/event_bus/schemas.py::UserEvent`)"
    ]


def test_a_name_with_a_trailing_newline_is_not_a_name(repo: GitRepo) -> None:
    text = CONFIG.replace("{owner: ranking,", '{owner: "ranking\\n",')
    assert problems(repo, {"guardrails.yaml": text, "ranker/a.py": ""}) == [
        "guardrails.yaml:5: services.ranker.owner: 'ranking\\n' is not a team name (fix: name a team from `teams:`)"
    ]


# --- 3. policy pack references -------------------------------------------------------------


def test_validate_rejects_missing_packs_and_unknown_builtins(repo: GitRepo) -> None:
    repo.write(
        {
            "guardrails.yaml": 'version: 1\npolicies: ["./nope.yaml", "builtin:nope"]\n',
            "a.py": "",
        }
    )
    repo.commit("bad packs")
    result = validate(repo)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: guardrails.yaml:2: policies: pack file './nope.yaml' does not exist (fix: create it, or remove it from `policies:`)\n"
        "error: guardrails.yaml:2: policies: unknown built-in pack 'builtin:nope' (fix: use one of: builtin:default)\n"
        "guardrails: 2 problems in the configuration\n"
    )


def test_pack_references_are_checked_line_by_line(repo: GitRepo) -> None:
    text = (
        "version: 1\npolicies:\n"
        "  - builtin:default\n"
        "  - ./policies/ranking.yaml\n"
        "  - policies/other.yml\n"
        "  - builtin:defualt\n"
        "  - /etc/pack.yaml\n"
        "  - ../shared/pack.yaml\n"
        "  - policies/ranking.json\n"
        "  - https://example.com/pack.yaml\n"
        "  - ./policies/gone.yaml\n"
    )
    files = {
        "guardrails.yaml": text,
        "policies/ranking.yaml": "kind: PolicyPack\n",
        "policies/other.yml": "kind: PolicyPack\n",
    }
    fix = "(fix: write e.g. `builtin:default` or `./policies/ranking.yaml`)"
    assert problems(repo, files) == [
        "guardrails.yaml:6: policies: unknown built-in pack 'builtin:defualt' (fix: did you mean 'builtin:default'? or use one of: builtin:default)",
        f"guardrails.yaml:7: policies: '/etc/pack.yaml' is outside the repository {fix}",
        f"guardrails.yaml:8: policies: '../shared/pack.yaml' is outside the repository {fix}",
        f"guardrails.yaml:9: policies: 'policies/ranking.json' is neither `builtin:<name>` nor a relative path to a .yaml or .yml file {fix}",
        f"guardrails.yaml:10: policies: 'https://example.com/pack.yaml' is neither `builtin:<name>` nor a relative path to a .yaml or .yml file {fix}",
        "guardrails.yaml:11: policies: pack file './policies/gone.yaml' does not exist (fix: create it, or remove it from `policies:`)",
    ]


def test_builtin_default_and_existing_packs_are_valid(repo: GitRepo) -> None:
    repo.write({"guardrails.yaml": "version: 1\npolicies: [builtin:default]\n", "a.py": ""})
    repo.commit("init")
    # A pack written but not yet `git add`ed counts in the work tree, as the config does.
    repo.write(
        {
            "guardrails.yaml": "version: 1\npolicies: [builtin:default, ./policies/new.yaml]\n",
            "policies/new.yaml": "apiVersion: guardrails/v1\nkind: PolicyPack\nname: new\n"
            "policies: []\n",
        }
    )
    result = validate(repo)
    assert result.exit_code == 0, result.stderr
    catalog = load(repo, {})
    assert catalog.policies == ("builtin:default", "./policies/new.yaml")


def test_builtin_packs_are_the_shipped_files_plus_default() -> None:
    from guardrails.resources import data_path

    shipped = {
        os.path.splitext(name)[0]
        for name in os.listdir(data_path("policies"))
        if name.endswith((".yaml", ".yml"))
    }
    assert config.builtin_packs() == {"default", *shipped}


# --- fuzz: build_catalog never raises ------------------------------------------------------

_KEYS = sorted(
    {
        *config.TOP_KEYS,
        *config.TEAM_KEYS,
        *config.SERVICE_KEYS,
        *config.RESOURCE_KEYS,
        *config.FILE_SOURCE_KEYS,
        "name",
        "apiVersion",
        "kind",
        "metadata",
        "spec",
        "annotations",
        "dependsOn",
    }
)
_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**100, max_value=10**101),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(
        [
            "ranking",
            "team:ranking",
            "ranker",
            "topic:t",
            "service:ranker",
            "ranker/**",
            "a.py::A.B",
            "builtin:default",
            "builtin:x",
            "./p.yaml",
            "Component",
            "Group",
            "Resource",
            "API",
            "@acme/ranking",
            "guardrails",
            "flagd",
        ]
    ),
)
_trees = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=25,
)


@st.composite
def _contents(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["bytes", "text", "tree", "tree+byte"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "text":
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    tree = draw(_trees)
    if draw(st.booleans()) and isinstance(tree, dict):
        tree = {"version": 1, **tree}
    data = yaml.safe_dump(tree, allow_unicode=True).encode()
    if kind == "tree+byte":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at:]
    return data


_TARGETS = (
    "guardrails.yaml",
    "ranker/guardrails-service.yaml",
    "other/catalog-info.yaml",
    ".github/CODEOWNERS",
)


def test_fuzz_build_catalog_never_raises(repo: GitRepo) -> None:
    repo.write(
        {
            "guardrails.yaml": CONFIG,
            "ranker/guardrails-service.yaml": "name: ranker2\n",
            "other/catalog-info.yaml": "kind: Component\nmetadata: {name: other}\n",
            ".github/CODEOWNERS": "* @acme/ranking\n",
            "ranker/a.py": "",
        }
    )
    repo.commit("init")
    # One work-tree snapshot: it reads the files from disk on every call.
    snapshot = Repo.open(repo.root).worktree()

    @settings(
        max_examples=400,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st.sampled_from(_TARGETS), _contents())
    def run(target: str, content: bytes) -> None:
        (repo.root / target).write_bytes(content)
        _, found = build_catalog(snapshot)
        assert all(isinstance(p, Problem) and p.render() for p in found)
        try:
            load_catalog(snapshot)
        except ConfigError as err:
            assert err.render()

    run()
