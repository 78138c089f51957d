"""CODEOWNERS: GitHub last-match-wins, unsetting rules, GitLab sections, file precedence."""

# Expected messages are kept whole, as users read them.
# ruff: noqa: E501

from __future__ import annotations

import pytest

from guardrails.catalog.codeowners import (
    CodeOwnersIndex,
    CodeOwnersMatch,
    find_codeowners,
    parse_codeowners,
)
from guardrails.catalog.model import CodeOwners, Member, Origin, Team
from guardrails.errors import ConfigError
from tests.gitrepo import GitRepo
from tests.test_catalog_support import committed, load

GITHUB = r"""# Order matters: the last matching pattern wins.
*                   @acme/platform
*.js                @acme/web   # inline comment
/docs/              @acme/docs
apps/               @acme/apps
docs/*              @acme/docs-top
/build/logs/        @octo
**/logs             @acme/logs
/src/generated/
\#notes.txt         @acme/hash
/src/x\ y.py        dev@acme.dev
"""


def index(text: str, teams: dict[str, Team] | None = None) -> CodeOwnersIndex:
    codeowners, problems = parse_codeowners(text, "CODEOWNERS")
    assert problems == []
    return CodeOwnersIndex(codeowners, teams)


@pytest.mark.parametrize(
    ("path", "owners", "line"),
    [
        ("README.md", ("@acme/platform",), 2),
        ("web/app.js", ("@acme/web",), 3),
        ("docs/guide.md", ("@acme/docs-top",), 6),  # `docs/*` (line 6) is later than /docs/
        ("docs/deep/guide.md", ("@acme/docs",), 4),  # ... but `docs/*` is shallow
        ("docs/deep/app.js", ("@acme/docs",), 4),
        ("lib/docs/x.md", ("@acme/platform",), 2),  # `docs/*` is anchored (has a slash)
        ("apps/a/b.py", ("@acme/apps",), 5),
        ("x/apps/b.py", ("@acme/apps",), 5),  # `apps/` matches at any depth
        ("build/logs/out.txt", ("@acme/logs",), 8),  # **/logs (line 8) overrides line 7
        ("svc/logs/a.txt", ("@acme/logs",), 8),
        ("#notes.txt", ("@acme/hash",), 10),
        ("src/x y.py", ("dev@acme.dev",), 11),
    ],
)
def test_github_last_match_wins(path: str, owners: tuple[str, ...], line: int) -> None:
    assert index(GITHUB).owners_for(path) == (CodeOwnersMatch(owners, Origin("CODEOWNERS", line)),)


def test_a_rule_without_owners_unsets_ownership() -> None:
    assert index(GITHUB).owners_for("src/generated/api.py") == ()
    assert index(GITHUB).owners("src/generated/api.py") == ()
    assert index(GITHUB).owners("src/main.py") == ("@acme/platform",)


GITLAB = """\
* @acme/platform
[Backend] @acme/backend
app/
lib/ @lib-owner
[Docs][2] @acme/tech-writers @acme/docs
*.md
/app/README.md
^[Security]
/app/auth/ @acme/security
[backend]
app/legacy/ @acme/legacy
"""


def test_gitlab_sections_union_and_default_owners() -> None:
    idx = index(GITLAB)
    assert idx.owners_for("app/README.md") == (
        CodeOwnersMatch(("@acme/platform",), Origin("CODEOWNERS", 1)),
        CodeOwnersMatch(("@acme/backend",), Origin("CODEOWNERS", 3), "Backend"),
        CodeOwnersMatch(
            ("@acme/tech-writers", "@acme/docs"), Origin("CODEOWNERS", 7), "Docs", False, 2
        ),
    )
    assert idx.owners("app/auth/login.py") == ("@acme/backend", "@acme/platform", "@acme/security")
    assert idx.owners_for("app/auth/login.py")[2] == CodeOwnersMatch(
        ("@acme/security",), Origin("CODEOWNERS", 9), "Security", optional=True, approvals=1
    )
    # `[backend]` re-opens `[Backend]` (names are case-insensitive) and its later rule wins.
    assert idx.owners_for("app/legacy/old.py")[1] == CodeOwnersMatch(
        ("@acme/legacy",), Origin("CODEOWNERS", 11), "Backend"
    )
    assert idx.owners("lib/x.py") == ("@acme/platform", "@lib-owner")
    assert idx.owners("notes.txt") == ("@acme/platform",)


def test_teams_for_maps_handles_logins_and_emails() -> None:
    teams = {
        "web": Team("web", (Member("li", "li@acme.dev"),), ("@Acme/Web",)),
        "ranking": Team("ranking", (Member("sam"),), ()),
    }
    idx = index("*.js @acme/web\n*.py @sam\n*.go li@acme.dev\n*.rs @stranger\n", teams)
    assert idx.teams_for("a/b.js") == ("web",)  # handles compare case-insensitively
    assert idx.teams_for("a/b.py") == ("ranking",)
    assert idx.teams_for("a/b.go") == ("web",)
    assert idx.teams_for("a/b.rs") == ()
    assert idx.owners("a/b.rs") == ("@stranger",)


def test_syntax_problems_are_reported_with_lines() -> None:
    text = "* @ok\n!vendor/** @x\n/a/ not-an-owner\n[Sec][0] @s\n"
    _, problems = parse_codeowners(text, ".github/CODEOWNERS")
    assert [p.render() for p in problems] == [
        ".github/CODEOWNERS:2: negated pattern '!vendor/**' is not supported in CODEOWNERS "
        "(fix: remove it; to unset ownership, write the pattern with no owners)",
        ".github/CODEOWNERS:3: 'not-an-owner' is not a valid owner (fix: write `@user`, `@org/team` or an email address)",
        ".github/CODEOWNERS:4: section [Sec] requires 0 approvals (fix: use [Name][N] with N >= 1)",
    ]


def test_negation_fails_the_catalog_load(repo: GitRepo) -> None:
    with pytest.raises(ConfigError) as info:
        load(repo, {"CODEOWNERS": "* @a\n!x @b\n"})
    assert [p.render() for p in info.value.problems] == [
        "CODEOWNERS:2: negated pattern '!x' is not supported in CODEOWNERS "
        "(fix: remove it; to unset ownership, write the pattern with no owners)"
    ]


def test_github_precedence_github_dir_then_root_then_docs(repo: GitRepo) -> None:
    snapshot = committed(repo, {"docs/CODEOWNERS": "* @docs\n", "CODEOWNERS": "* @root\n"})
    assert find_codeowners(snapshot) == "CODEOWNERS"
    snapshot = committed(repo, {".github/CODEOWNERS": "* @gh\n"})
    assert find_codeowners(snapshot) == ".github/CODEOWNERS"
    catalog = load(repo, {})
    assert catalog.codeowners is not None
    assert catalog.codeowners.path == ".github/CODEOWNERS"
    assert catalog.codeowners.rules[0].owners == ("@gh",)


def test_codeowners_can_be_switched_off(repo: GitRepo) -> None:
    catalog = load(
        repo,
        {"guardrails.yaml": "version: 1\nownership: {codeowners: false}\n", "CODEOWNERS": "!bad\n"},
    )
    assert catalog.codeowners is None


def test_zero_config_teams_come_from_codeowners_handles(repo: GitRepo) -> None:
    catalog = load(repo, {".github/CODEOWNERS": "/a/ @acme/alpha @someone\n/b/ @acme/beta\n"})
    assert catalog.config_path is None
    assert catalog.teams == {
        "alpha": Team("alpha", handles=("@acme/alpha",), origin=Origin(".github/CODEOWNERS", 1)),
        "beta": Team("beta", handles=("@acme/beta",), origin=Origin(".github/CODEOWNERS", 2)),
    }
    assert CodeOwnersIndex(catalog.codeowners, catalog.teams).teams_for("b/x.py") == ("beta",)


def test_asking_about_one_path_compiles_only_the_rules_that_could_match() -> None:
    # The pre-commit hook asks about a handful of paths: compiling all ~150 rules of a large
    # CODEOWNERS for each was most of its ownership cost.
    from guardrails.catalog.codeowners import _rule_regex
    from guardrails.catalog.paths import compile_pattern

    text = "* @acme/all\n*.md @acme/docs\n"
    text += "".join(f"/services/svc{i}/ @acme/t{i}\n" for i in range(100))
    text += "**/gen/*.py @acme/gen\n/services/*/api/ @acme/api\n"
    owners = index(text)
    compile_pattern.cache_clear()  # parsing compiled every rule to validate it
    _rule_regex.cache_clear()
    # `*`, `*.md` and the literal directories are decided by string tests; the two wildcard
    # rules are ruled out by the literal runs they need ("gen", "api").
    assert owners.owners("README.md") == ("@acme/docs",)
    assert owners.owners("services/svc7/x.py") == ("@acme/t7",)
    assert owners.owners("services/svc7x/x.py") == ("@acme/all",)
    assert compile_pattern.cache_info().misses == 0
    assert owners.owners("services/svc7/api/x.py") == ("@acme/api",)
    assert compile_pattern.cache_info().misses == 1  # `/services/*/api/`, which matched
    assert owners.owners("services/svc7/gen/x.py") == ("@acme/gen",)
    assert compile_pattern.cache_info().misses == 2  # `**/gen/*.py`; `/services/*/api/` known


_VARIED = [
    "*",
    "*.md",
    "/docs/",
    "docs/*",
    "apps/",
    "a/b",
    "/a",
    "**/logs",
    "src/**/gen/*.py",
    "/apps/[param]/file.ts",
    "[ab]/x",
    "\\[ab\\]/y",
    "x\\ y.py",
    "*.py",
    "/services/*/api/",
    # nested anchors, tried among the rules of each of a path's directories
    "/a/b/c/",
    "a/b/*.py",
    "/a/bc*",
    "a/b/c/d.py",
]
_PATHS = [
    "README.md",
    "docs/a.md",
    "docs/sub/b.md",
    "apps/[param]/file.ts",
    "apps/p/file.ts",
    "a/x",
    "b/x",
    "[ab]/y",
    "a/b",
    "a/b/c.py",
    "a/b/c/d.py",
    "a/b/c/e/f.txt",
    "a/bcd/x",
    "a/bc",
    "ab",
    "x/apps/z.py",
    "src/k/gen/m.py",
    "src/gen/m.py",
    "build/logs/out.txt",
    "services/s1/api/h.py",
    "x y.py",
    "/a",
    "a\n",
    "docs/a.md\n",
]


def _by_regex(codeowners: CodeOwners, path: str) -> tuple[str, ...]:
    """Every rule compiled and tried, as before match conditions and decisions."""
    from guardrails.catalog.codeowners import github_pattern
    from guardrails.catalog.paths import compile_pattern

    gitlab = any(rule.section is not None for rule in codeowners.rules)
    found: set[str] = set()
    for section in {rule.section for rule in codeowners.rules}:
        for rule in reversed([r for r in codeowners.rules if r.section == section]):
            regex = compile_pattern(rule.pattern if gitlab else github_pattern(rule.pattern))
            m = regex.match(path) if regex is not None else None
            if m is not None and not (rule.pattern.endswith("/*") and m.groupdict().get("ps_d")):
                found.update(rule.owners)
                break
    return tuple(sorted(found))


@pytest.mark.parametrize("gitlab", [False, True], ids=["github", "gitlab"])
def test_every_rule_order_answers_as_trying_every_regex(gitlab: bool) -> None:
    # Each pattern last once (the one that must decide), over paths that hit and miss each.
    for last in range(len(_VARIED)):
        order = _VARIED[last + 1 :] + _VARIED[: last + 1]
        lines = [f"{p} @o{i}" for i, p in enumerate(order)]
        if gitlab:
            lines.insert(len(lines) // 2, "[Sec] @sec")
        codeowners, problems = parse_codeowners("\n".join(lines), "CODEOWNERS")
        assert problems == []
        owners = CodeOwnersIndex(codeowners)
        for path in _PATHS:
            assert owners.owners(path) == _by_regex(codeowners, path), (order, path)
