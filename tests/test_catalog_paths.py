"""ServicePathIndex: same answers as plain gitignore matching, and fast at scale."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails.catalog.codeowners import github_pattern
from guardrails.catalog.model import Catalog, Service
from guardrails.catalog.paths import (
    LazyPattern,
    ServicePathIndex,
    admits,
    compile_pattern,
    literal_directory,
    match_condition,
    match_decision,
)


def brute_force(services: list[Service], path: str) -> tuple[str, ...]:
    return tuple(
        sorted(
            {
                s.name
                for s in services
                for p in s.paths
                if (regex := compile_pattern(p)) is not None and regex.match(path)
            }
        )
    )


SERVICES = [
    Service("bus", paths=("services/event_bus/**",)),
    Service("api", paths=("/services/api/",)),
    Service("one-file", paths=("tools/deploy.py",)),
    Service("dir-literal", paths=("libs/shared",)),
    Service("glob", paths=("services/*/handlers/**",)),
    Service("deep", paths=("apps/**/config.yaml",)),
    Service("anywhere", paths=("*.proto",)),
    Service("unanchored-dir", paths=("migrations/",)),
    Service("everything-docs", paths=("docs/**", "README.md")),
]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("services/event_bus/client.py", ("bus",)),
        ("services/event_bus", ()),  # `dir/**` matches inside, not the directory itself
        ("services/event_bus_v2/x.py", ()),
        ("services/api/v1/routes.py", ("api",)),
        ("tools/deploy.py", ("one-file",)),
        ("tools/deploy.pyc", ()),
        ("libs/shared", ("dir-literal",)),
        ("libs/shared/util.py", ("dir-literal",)),
        ("libs/shared2/util.py", ()),
        ("services/x/handlers/h.py", ("glob",)),
        ("services/api/handlers/h.py", ("api", "glob")),
        ("apps/config.yaml", ("deep",)),
        ("apps/a/b/config.yaml", ("deep",)),
        ("protos/a/event.proto", ("anywhere",)),
        ("event.proto", ("anywhere",)),
        ("db/migrations/001.sql", ("unanchored-dir",)),
        ("README.md", ("everything-docs",)),
        ("sub/README.md", ("everything-docs",)),  # no slash: matches at any depth
        ("docs/a/b.md", ("everything-docs",)),
        ("unclaimed.txt", ()),
        ("file with spaces/and\nnewline.py", ()),
    ],
)
def test_services_for(path: str, expected: tuple[str, ...]) -> None:
    index = ServicePathIndex(Catalog(services={s.name: s for s in SERVICES}))
    assert index.services_for(path) == expected
    assert brute_force(SERVICES, path) == expected


def test_literal_directory_classification() -> None:
    assert literal_directory("services/x/**") == ("under", "services/x")
    assert literal_directory("/services/x/") == ("under", "services/x")
    assert literal_directory("a/b/") == ("under", "a/b")
    assert literal_directory("a/b") == ("exact", "a/b")
    assert literal_directory("/top") == ("exact", "top")
    assert literal_directory("apps/") is None  # unanchored: any depth
    assert literal_directory("README.md") is None
    assert literal_directory("a/*/b/**") is None
    assert literal_directory("a\\*b/**") is None


def test_claims_and_map_paths() -> None:
    index = ServicePathIndex(SERVICES)
    assert index.claims("services/api/handlers/h.py") == (
        ("api", "/services/api/"),
        ("glob", "services/*/handlers/**"),
    )
    assert index.map_paths(["README.md", "nothing", "tools/deploy.py"]) == {
        "README.md": ("everything-docs",),
        "tools/deploy.py": ("one-file",),
    }


_segment = st.sampled_from(["a", "b", "svc", "x.py", "api", "deep"])
_paths = st.lists(_segment, min_size=1, max_size=5).map("/".join)
_patterns = st.one_of(
    _paths.map(lambda p: p + "/**"),
    _paths.map(lambda p: "/" + p + "/"),
    _paths,
    _paths.map(lambda p: p.replace("a", "*", 1)),
    _paths.map(lambda p: p.replace("b", "?", 1) + "/**"),
    st.sampled_from(["*.py", "**/api", "a/**/x.py", "svc/", "**"]),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(_patterns, min_size=1, max_size=3), min_size=1, max_size=6),
    st.lists(_paths, min_size=1, max_size=20),
)
def test_index_equals_brute_force(pattern_sets: list[list[str]], paths: list[str]) -> None:
    services = [Service(f"s{i}", paths=tuple(ps)) for i, ps in enumerate(pattern_sets)]
    index = ServicePathIndex(services)
    for path in paths:
        assert index.services_for(path) == brute_force(services, path), path


def test_index_at_scale_maps_every_file_to_its_one_service() -> None:
    # Correctness at the benchmark's scale; the timing lives in `python -m benchmarks graph`.
    services = [Service(f"svc-{i}", paths=(f"services/svc_{i}/**",)) for i in range(10_000)]
    services += [Service(f"glob-{i}", paths=(f"libs/lib_{i}/*/gen/**",)) for i in range(100)]
    files = [f"services/svc_{i % 10_000}/pkg/mod_{i}.py" for i in range(100_000)]
    index = ServicePathIndex(services)
    mapped = index.map_paths(files)
    assert len(mapped) == 100_000
    assert all(owners == (f"svc-{int(p.split('/')[1][4:])}",) for p, owners in mapped.items())
    assert mapped["services/svc_42/pkg/mod_42.py"] == ("svc-42",)
    assert index.services_for("libs/lib_7/x/gen/a.py") == ("glob-7",)


# Bounded, not refused: ordinary CODEOWNERS patterns compile (localstack's CODEOWNERS has
# `**/templates/**/*.html`; refusing it made every command exit 2 on that repository), and
# only shapes that multiply loops inside one segment or stack cross-slash loops are refused.
@pytest.mark.parametrize(
    ("pattern", "path", "compiles", "matches"),
    [
        ("**/templates/**/*.html", "web/templates/admin/page.html", True, True),
        ("**/locale/**/*.po", "app/locale/de/LC_MESSAGES/django.po", True, True),
        ("**/*_pb2*.py", "api/v1/service_pb2_grpc.py", True, True),
        ("/" + "*" * 100 + "a", "xa", True, True),  # one loop once the stars collapse
        ("/*a*a*b", "aab", False, False),  # three loops in one segment: refused
        ("a/**/b/**/c/**/d", "a/b/c/d", False, False),  # three cross-slash loops: refused
    ],
)
def test_pattern_loops_are_bounded_by_shape(
    pattern: str, path: str, compiles: bool, matches: bool
) -> None:
    regex = compile_pattern(pattern)
    assert (regex is not None) == compiles
    assert (regex is not None and regex.match(path) is not None) == matches


@pytest.mark.parametrize(
    ("pattern", "condition"),
    [
        ("/docs/", ("docs/", ())),  # everything below docs/, never docs itself
        ("docs/*", ("docs/", ())),
        ("a/b", ("a/b", ())),  # a/b itself, or below it
        ("/localstack-core/localstack/aws/", ("localstack-core/localstack/aws/", ())),
        ("*.py", ("", (".py",))),
        ("README.md", ("", ("README.md",))),  # at any depth
        ("apps/", ("", ("apps",))),  # unanchored directory
        ("src/*_pb2.py", ("src/", ("_pb2.py",))),
        ("src/lib*/x", ("src/lib", ("x",))),
        ("**/templates/**/*.html", ("", ("templates", ".html"))),
        ("a/**/b", ("a/", ("b",))),
        ("a/?b[cd]e/f", ("a/", ("b", "e", "f"))),
        ("\\[x\\]/y", ("[x]/y", ())),  # GitHub's literal brackets
        ("[]x]/y", ("", ("y",))),  # `]` first in a class is a member, not its end
        ("x/[!a-]b", ("x/", ("b",))),
        # Nothing is promised where pathspec's reading is not mirrored: blank, comments,
        # negations, whitespace (stripped or escaped), empty segments, broken syntax.
        ("", ("", ())),
        ("#x", ("", ())),
        ("!x", ("", ())),
        ("a\\ b", ("", ())),
        ("a//b", ("", ())),
        ("a/[b", ("", ())),
        ("a\\", ("", ())),
        ("**", ("", ())),
        ("*", ("", ())),
    ],
)
def test_match_condition(pattern: str, condition: tuple[str, tuple[str, ...]]) -> None:
    assert match_condition(pattern) == condition


# Every pattern of up to three pieces, in plain, GitHub (literal brackets) and GitLab form,
# against paths made of the same pieces (empty segments, and newlines, which the regex
# treats specially):
# the condition admits every path the regex matches, and a decided shape decides as the
# regex does.
_PIECES = ("a", "b/", "/", "*", "**", "?", "[ab]", "[!a]", "\\*")
_TEXTS = ("", "a", "b", "ab", "*", "a/b", "b/b/b", "ba/", "a.b", "a\n", "\n")


def agrees_with_the_regex(form: str, paths: list[str]) -> tuple[int, int, int]:
    """Assert that ``form``'s match_condition admits every path its regex matches and that
    its decision (where it has one) says what the regex says; (checked, refused, decided)."""
    regex = compile_pattern(form)
    if regex is None:
        return 0, 0, 0
    condition = match_condition(form)
    lazy = LazyPattern(form)
    refused = decided = 0
    for path in paths:
        matched = regex.match(path) is not None
        admitted = admits(condition, path)
        assert admitted or not matched, (form, path, condition)
        assert lazy.matches(path) == matched, (form, path, lazy.decision)
        refused += not admitted
        decided += lazy.decision is not None
    return len(paths), refused, decided


def test_conditions_and_decisions_agree_with_the_regex_on_small_patterns() -> None:
    paths = sorted({"/".join(p) for n in (1, 2, 3) for p in itertools.product(_TEXTS, repeat=n)})
    checked = refused = decided = 0
    for n in (1, 2, 3):
        for pieces in itertools.product(_PIECES, repeat=n):
            for form in {"".join(pieces), github_pattern("".join(pieces))}:
                c, r, d = agrees_with_the_regex(form, paths)
                checked, refused, decided = checked + c, refused + r, decided + d
    # The run covers real refusals and decisions, not only patterns that promise nothing.
    assert checked > 1_000_000 and refused > checked // 10, (checked, refused)
    assert decided > checked // 100, (checked, decided)


@pytest.mark.parametrize(
    ("pattern", "decision"),
    [
        ("/docs/", ("under", "docs")),
        ("a/b/", ("under", "a/b")),
        ("a/b", ("exact-or-under", "a/b")),
        ("/README.md", ("exact-or-under", "README.md")),
        ("*.md", ("suffix", ".md")),
        ("*", ("any", "")),
        ("**", ("any", "")),
        ("README.md", None),  # at any depth: left to the regex
        ("apps/", None),
        ("*.md/", None),
        ("docs/*", None),
        ("a/**", None),
        ("\\[x\\]/y", None),
        ("a//b", None),
        ("/", None),
    ],
)
def test_match_decision(pattern: str, decision: tuple[str, str] | None) -> None:
    assert match_decision(pattern) == decision


def test_wildcard_patterns_compile_only_for_paths_they_could_match() -> None:
    compile_pattern.cache_clear()
    services = [
        Service(f"s{i}", paths=(f"services/s{i}/*.py", f"services/s{i}/*.pyi")) for i in range(50)
    ]
    index = ServicePathIndex(services)
    assert compile_pattern.cache_info().misses == 0  # building the index compiles nothing
    assert index.services_for("README.md") == ()
    assert compile_pattern.cache_info().misses == 0
    assert index.services_for("services/s7/api.py") == ("s7",)
    assert compile_pattern.cache_info().misses == 1  # `services/s7/*.pyi` is ruled out
