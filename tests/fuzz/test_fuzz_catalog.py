"""guardrails.yaml, CODEOWNERS (GitHub and GitLab syntax), Backstage catalog-info.yaml,
guardrails-service.yaml and path patterns: every input ends in a catalog or located problems,
never an exception, and no pattern match runs away."""

from __future__ import annotations

import time

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails.catalog.codeowners import CodeOwnersIndex, parse_codeowners
from guardrails.catalog.load import build_catalog
from guardrails.catalog.model import CodeOwners, Service
from guardrails.catalog.paths import ServicePathIndex, compile_pattern, literal_directory
from tests.fuzz.conftest import tried
from tests.fuzz.support import Tree, assert_located
from tests.test_catalog_paths import agrees_with_the_regex

VALID = """\
version: 1
teams:
  core: {members: [ana, "bo <bo@x.io>"], handles: ["@acme/core"]}
  search: {members: [cy]}
agents: {emails: ["*@agents.acme.dev"], names: ["acme-bot*"]}
services:
  lib: {owner: core, tier: 0, paths: ["lib/**"], produces: ["topic:events"]}
  search: {owner: search, paths: ["search/**", "/tools/*.py"], depends_on: [lib],
           consumes: ["topic:events"]}
resources:
  "topic:events": {owner: core, schema: "lib/events.py::Event"}
  "flag:new": {owner: search, file: "config/flags.json"}
ownership: {codeowners: true}
inference: {python_imports: true, exclude: ["tests/**"]}
policies: [builtin:default]
"""
FILES = ("lib/events.py", "lib/a.py", "search/b.py", "tools/x.py", "config/flags.json")

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True)
    | st.text(st.characters(codec="utf-8"), max_size=12)
    | st.sampled_from(["lib/**", "/**", "*", "", "team:core", "service:lib", "topic:", "\0", "~"])
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_scalars, inner, max_size=4),
    max_leaves=24,
)
_keys = st.sampled_from(
    [
        "version",
        "teams",
        "agents",
        "services",
        "resources",
        "ownership",
        "inference",
        "policies",
        "rollouts",
        "flags",
        "overrides",
        "protect",
        "limits",
        "bogus",
    ]
)


@st.composite
def _mutated(draw: st.DrawFn, text: str) -> str:
    """A valid file with a slice cut out or replaced: the edits a hostile author makes."""
    a = draw(st.integers(0, len(text)))
    b = draw(st.integers(a, min(len(text), a + 40)))
    filler = draw(
        st.text(
            st.sampled_from(list("{}[]:,\"'&*!|>-#@%\t\n\r ab0\\") + ["\0", "\ufeff"]), max_size=12
        )
    )
    return text[:a] + filler + text[b:]


_configs = (
    _mutated(VALID)
    | st.dictionaries(_keys, _values, max_size=6).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True)
    )
    | st.builds(
        lambda name, svc: VALID + f"  {name}: {yaml.safe_dump(svc, default_flow_style=True)}",
        st.text(st.characters(codec="utf-8"), min_size=1, max_size=8),
        _values,
    )
    | st.binary(max_size=200).map(lambda b: b.decode("latin-1"))
    | st.integers(1, 3000).map(lambda n: "a: " + "[" * n + "]" * n + "\n")  # deep YAML
    | st.integers(1, 400).map(lambda n: "x: &a [*a]\n" + "y: &b [" + "*a," * n + "]\n")  # aliases
)


def _check_catalog(files: dict[str, bytes]) -> None:
    catalog, problems = build_catalog(Tree(files))
    assert_located(problems, files)
    index = ServicePathIndex(catalog)
    for path in files:
        index.services_for(path)


@settings(max_examples=2500)
@given(_configs)
def test_guardrails_yaml(text: str) -> None:
    tried("guardrails.yaml")
    files = {p: b"x = 1\n" for p in FILES}
    files["guardrails.yaml"] = text.encode("utf-8", "surrogatepass")
    _check_catalog(files)


_owners = st.sampled_from(["@ana", "@acme/core", "bo@x.io", "@", "@@x", "core", "@a/b/c", ""])
_globs = st.lists(st.sampled_from([*"ab/*?[]!\\.", "**", "**/", "*" * 100]), max_size=12).map(
    "".join
)
_sections = st.builds(
    lambda caret, name, n, owners: f"{caret}[{name}]{n} {owners}",
    st.sampled_from(["", "^"]),
    st.text(st.sampled_from(list("Ab ]-[")), max_size=8),
    st.sampled_from(["", "[2]", "[0]", "[x]", "[99999999999999999999]"]),
    _owners,
)
_co_lines = st.lists(
    st.builds(lambda g, o: f"{g} {o}", _globs, st.lists(_owners, max_size=3).map(" ".join))
    | _sections
    | st.sampled_from(["# comment", "", "\\#literal @ana", "!neg @ana", "a\\ b @ana", "*\t@ana"]),
    max_size=12,
).map("\n".join)


@settings(max_examples=2000)
@given(
    _co_lines, st.lists(st.text(st.sampled_from(list("ab/.")), min_size=1, max_size=30), max_size=4)
)
def test_codeowners(text: str, paths: list[str]) -> None:
    tried("CODEOWNERS (GitHub+GitLab)")
    owners, problems = parse_codeowners(text, ".github/CODEOWNERS")
    assert_located(problems, [".github/CODEOWNERS"])
    index = CodeOwnersIndex(owners)
    started = time.perf_counter()
    for path in paths:
        index.owners(path)
    assert time.perf_counter() - started < 2.0  # matching is bounded whatever the patterns


@settings(max_examples=1500)
@given(_globs | st.text(max_size=40), st.text(st.sampled_from(list("ab/.*")), max_size=300))
def test_path_patterns_match_in_bounded_time(pattern: str, path: str) -> None:
    tried("path pattern")
    regex = compile_pattern(pattern)
    if regex is not None:
        started = time.perf_counter()
        regex.match(path)
        regex.match("a" * 250 + "/" + "a" * 250)
        assert time.perf_counter() - started < 0.5, pattern


_BACKSTAGE = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search
  annotations: {guardrails.dev/tier: "1"}
spec:
  type: service
  owner: group:default/search
  dependsOn: [component:lib]
  providesApis: [events-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: events-api}
spec: {type: openapi, owner: core, definition: x}
"""
_SERVICE = """\
name: search
owner: search
tier: 1
paths: ["**"]
depends_on: [lib]
consumes: ["topic:events"]
"""


@settings(max_examples=1200)
@given(
    _mutated(_BACKSTAGE)
    | st.dictionaries(_keys | _scalars, _values, max_size=5).map(yaml.safe_dump)
)
def test_backstage_catalog_info(text: str) -> None:
    tried("Backstage catalog-info.yaml")
    files = {p: b"x = 1\n" for p in FILES}
    files["guardrails.yaml"] = VALID.encode()
    files["search/catalog-info.yaml"] = text.encode("utf-8", "surrogatepass")
    _check_catalog(files)


@settings(max_examples=1200)
@given(
    _mutated(_SERVICE) | st.dictionaries(_keys | _scalars, _values, max_size=5).map(yaml.safe_dump)
)
def test_guardrails_service_yaml(text: str) -> None:
    tried("guardrails-service.yaml")
    files = {p: b"x = 1\n" for p in FILES}
    files["search/guardrails-service.yaml"] = text.encode("utf-8", "surrogatepass")
    _check_catalog(files)


_small_globs = st.lists(st.sampled_from(["a", "b", "/", "*", "**", "***", "?"]), max_size=7).map(
    "".join
)
_small_paths = st.lists(st.sampled_from(["a", "b", "ab", "ba", "aa"]), min_size=1, max_size=5).map(
    "/".join
)


@settings(max_examples=800)
@given(_small_globs, _small_paths)
def test_collapsing_wildcards_keeps_their_meaning(pattern: str, path: str) -> None:
    """The collapsed pattern matches exactly what pathspec's own reading of the original
    matches (on inputs small enough for the original's backtracking)."""
    tried("path pattern (vs pathspec)")
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

    ours = compile_pattern(pattern)
    try:
        theirs = GitIgnoreSpecPattern(pattern)
    except ValueError:
        assert ours is None
        return
    if ours is None or theirs.include is not True or theirs.regex is None:
        return  # refused as too complex, or not a pattern that includes anything
    mine, original = ours.match(path), theirs.regex.match(path)
    assert (mine is None) == (original is None), (pattern, path)
    if mine is not None and original is not None:
        assert (mine.groupdict().get("ps_d") is None) == (
            original.groupdict().get("ps_d") is None
        ), (pattern, path)


# Patterns and paths built together, so that many pairs match: each token is a piece of glob
# and one text it can stand for (or, drawn separately, a text it cannot).
_TOKENS = (
    ("a", "a"),
    ("b", "b"),
    (".", "."),
    ("-", "-"),
    ("!", "!"),
    ("^", "^"),
    ("]", "]"),
    ("/", "/"),
    ("/", ""),
    ("*", ""),
    ("*", "ab"),
    ("*", "a/b"),
    ("*", "\n"),
    ("**", ""),
    ("**", "a/b"),
    ("**/", "b/"),
    ("?", "a"),
    ("?", "/"),
    ("[ab]", "b"),
    ("[!a]", "b"),
    ("[]a]", "]"),
    ("[a-b]", "a"),
    ("[^a]", "a"),
    ("[", "["),
    ("\\*", "*"),
    ("\\[", "["),
    ("\\\\", "\\"),
    ("\\a", "a"),
    ("\\", ""),
    ("\\ ", " "),
    (" ", " "),
    ("#", "#"),
)
_pairs = st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=9).map(
    lambda ts: ("".join(t[0] for t in ts), "".join(t[1] for t in ts))
)
_near_paths = st.text(st.sampled_from(list("ab./-!^][*\\ #\n")), min_size=1, max_size=12)


def _regex_matches(pattern: str, path: str, gitlab: bool) -> bool:
    """One CODEOWNERS rule matched as it was before conditions and decisions: compiled and
    tried (``docs/*`` not through a directory)."""
    from guardrails.catalog.codeowners import github_pattern

    regex = compile_pattern(pattern if gitlab else github_pattern(pattern))
    m = regex.match(path) if regex is not None else None
    return m is not None and not (pattern.endswith("/*") and m.groupdict().get("ps_d"))


def _unfiltered_owners(codeowners: CodeOwners, path: str) -> tuple[str, ...]:
    """CODEOWNERS answered by trying every rule's regex, the last match of each section
    deciding."""
    gitlab = any(rule.section is not None for rule in codeowners.rules)
    found: set[str] = set()
    for section in {rule.section for rule in codeowners.rules}:
        rules = [rule for rule in codeowners.rules if rule.section == section]
        for rule in reversed(rules):
            if _regex_matches(rule.pattern, path, gitlab):
                found.update(rule.owners)
                break
    return tuple(sorted(found))


@settings(max_examples=3000)
@given(
    st.lists(_pairs, min_size=1, max_size=5),
    st.lists(_near_paths, max_size=3),
    st.none() | st.integers(0, 5),
)
def test_match_conditions_never_refuse_a_match(
    pairs: list[tuple[str, str]], others: list[str], section_at: int | None
) -> None:
    """A pattern's match_condition admits every path its compiled regex matches, and its
    match_decision (where it has one) says what the regex says (plain, GitHub's literal
    brackets, GitLab's classes); CODEOWNERS and service claims, filtered and decided by
    them, are the answers of trying every rule's regex."""
    tried("path pattern (vs pathspec)")
    from guardrails.catalog.codeowners import github_pattern

    paths = [path for _, path in pairs] + others
    for pattern, _ in pairs:
        for form in (pattern, github_pattern(pattern)):
            agrees_with_the_regex(form, paths)
    lines = [f"{p} @o{i}" for i, (p, _) in enumerate(pairs)]
    if section_at is not None:  # GitLab: rules before the header are the unnamed section
        lines.insert(section_at, "[Sec] @ana")
    text = "\n".join(lines)
    codeowners, _ = parse_codeowners(text, "CODEOWNERS")
    index = CodeOwnersIndex(codeowners)
    for path in paths:
        assert index.owners(path) == _unfiltered_owners(codeowners, path), (text, path)
    # The wildcard patterns, which compile lazily (literal directories never compile: a
    # pattern like "/ ", which pathspec strips to nothing, is a literal there).
    services = [
        Service(f"s{i}", paths=(p,))
        for i, (p, _) in enumerate(pairs)
        if p and literal_directory(p) is None
    ]
    claims = ServicePathIndex(services)
    for path in paths:
        expected = {
            s.name
            for s in services
            if (regex := compile_pattern(s.paths[0])) is not None and regex.match(path)
        }
        assert claims.services_for(path) == tuple(sorted(expected)), (services, path)
