"""PathOwners: who owns each path, as policies see it, read from the worlds' file claims.

The CODEOWNERS owners of a path come from the claims each world built (and remembered) from
its own CODEOWNERS; a path no listing has (a deleted file, a name asked of the head) falls
back to matching. Exact owners for each kind of path, cold and warm (claims read back from
.git/guardrails), staged and in --base mode with a base catalog that differs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails import cache
from guardrails.app.change_view import PathOwners
from guardrails.engine import Selector, analyze
from guardrails.git import Repo
from tests.gitrepo import GitRepo

CONFIG = """\
version: 1
teams:
  ta: {members: [ana], handles: ["@org/ta"]}
  tb: {members: [bo], handles: ["@org/tb"]}
services:
  a: {owner: ta, paths: ["a/**"]}
  b: {paths: ["b/**"]}
  c: {paths: ["c/**"]}
"""
CODEOWNERS = """\
*.md @docs-person
/b/ @org/tb
/c/ @loner bo@example.com
/d/ @org/ta @stranger
"""

EXPECTED = {
    "a/x.py": ("team:ta",),  # the service's declared owner
    "b/x.py": ("team:tb",),  # CODEOWNERS team (and b's owner, filled from it)
    "c/x.py": ("user:bo@example.com", "user:loner"),  # persons in no team
    "d/x.py": ("team:ta", "user:stranger"),
    "README.md": ("user:docs-person",),
    "e/none.txt": (),
    "d/not-in-any-listing.py": ("team:ta", "user:stranger"),
}


@pytest.fixture
def org(repo: GitRepo) -> GitRepo:
    repo.write(
        {
            "guardrails.yaml": CONFIG,
            "CODEOWNERS": CODEOWNERS,
            **{p: "x = 1\n" for p in EXPECTED if p != "d/not-in-any-listing.py"},
            "d/gone.py": "x = 1\n",
        }
    )
    repo.commit("initial")
    return repo


def owners_table(repo: GitRepo, selector: Selector) -> dict[str, tuple[str, ...]]:
    cache.activate(repo.root / ".git" / "guardrails")
    try:
        analysis = analyze(Repo.open(repo.root), selector)
        owners = PathOwners(analysis, analysis.base_catalog or analysis.head.catalog)
        return {path: owners(path) for path in [*EXPECTED, "d/gone.py"]}
    finally:
        cache.activate(None)


@pytest.mark.parametrize("run", ["cold", "warm"])
def test_staged_change(org: GitRepo, run: str) -> None:
    (org.root / "d" / "gone.py").unlink()
    org.write({"a/x.py": "x = 2\n"})
    org.stage()
    if run == "warm":
        owners_table(org, Selector(staged=True))
    assert owners_table(org, Selector(staged=True)) == {
        **EXPECTED,
        "d/gone.py": ("team:ta", "user:stranger"),  # only the base world lists it
    }


@pytest.mark.parametrize("run", ["cold", "warm"])
def test_base_mode_the_base_catalog_answers_first(org: GitRepo, run: str) -> None:
    base = org.git("rev-parse", "HEAD").strip()
    # The head hands b/ to ta and c/ to tb: the base (trusted) catalog still answers.
    org.write(
        {
            "CODEOWNERS": CODEOWNERS.replace("/b/ @org/tb", "/b/ @org/ta").replace(
                "/c/ @loner bo@example.com", "/c/ @org/tb"
            ),
            "b/x.py": "x = 2\n",
        }
    )
    org.commit("hand b and c over")
    if run == "warm":
        owners_table(org, Selector(base=base))
    assert owners_table(org, Selector(base=base)) == {
        **EXPECTED,
        # b/x.py is changed: its node's owner in the head graph (b's owner, filled from the
        # head's CODEOWNERS) claims it too, beside the base's CODEOWNERS team.
        "b/x.py": ("team:ta", "team:tb"),
        "d/gone.py": EXPECTED["d/x.py"],
    }


def test_without_codeowners_only_services_own(repo: GitRepo, tmp_path: Path) -> None:
    repo.write({"guardrails.yaml": CONFIG, "a/x.py": "x = 1\n", "c/x.py": "x = 1\n"})
    repo.commit("initial")
    repo.write({"c/x.py": "x = 2\n"})
    repo.stage()
    cache.activate(repo.root / ".git" / "guardrails")
    try:
        analysis = analyze(Repo.open(repo.root), Selector(staged=True))
        owners = PathOwners(analysis, analysis.head.catalog)
        assert [owners(p) for p in ("a/x.py", "c/x.py", "README.md")] == [("team:ta",), (), ()]
    finally:
        cache.activate(None)
