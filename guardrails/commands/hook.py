"""`guardrails hook`: the gate as a git hook, at commit time and at push time.

One entry for the pre-commit framework and the plain hooks in ``hooks/``. Which change it
judges comes from the variables pre-commit documents for its hook stages:

* pre-commit stage (none of them set): the staged change. Unstaged edits are not judged:
  they are not part of the commit.
* pre-push stage, ``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF`` set: the pushed range,
  merge-base(from, to)..to. pre-commit already resolves a new branch to the parent of its
  first commit the remote lacks; ``hooks/pre-push`` does the same for plain git.
* pre-push stage with only ``PRE_COMMIT_REMOTE_NAME`` set: pre-commit's "the push includes
  the root commit". The range is root..to; a push of the root commit alone has nothing
  before it to compare with (the pre-commit stage judged it when it was committed), and says so.
"""

from __future__ import annotations

from collections.abc import Mapping

import click

from guardrails.errors import EXIT_OK

Z40 = "0" * 40


def select(environ: Mapping[str, str], root_commits: list[str], to: str) -> dict[str, str]:
    """The selector options for the hook's stage: {} means staged, else base (+ head)."""
    frm, dst = environ.get("PRE_COMMIT_FROM_REF", ""), environ.get("PRE_COMMIT_TO_REF", "")
    if frm and dst and frm.strip("0"):
        return {"base": frm, "head": dst}
    if environ.get("PRE_COMMIT_REMOTE_NAME") or (dst and not frm.strip("0")):
        roots = [r for r in root_commits if r != to]
        if len(roots) < len(root_commits):
            return {"nothing": to}
        return {"base": roots[0], "head": to} if roots else {"nothing": to}
    return {}


def main(*, repo: str = ".", affected: bool = False, environ: Mapping[str, str]) -> int:
    from guardrails.cache import open_repo

    pushing = bool(environ.get("PRE_COMMIT_TO_REF") or environ.get("PRE_COMMIT_REMOTE_NAME"))
    roots: list[str] = []
    to = "HEAD"
    if pushing:
        r = open_repo(repo)
        to = r.resolve(
            environ.get("PRE_COMMIT_TO_REF") or environ.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
        )
        roots = r.root_commits(to)
    chosen = select(environ, roots, to)
    if "nothing" in chosen:
        click.echo(
            f"guardrails: the push starts a new history at {to[:12]}: there is no earlier "
            "commit to compare it with (its commits were judged as they were committed)"
        )
        return EXIT_OK
    if pushing and "base" in chosen and r.is_ancestor(to, chosen["base"]):
        # A push that moves a branch back (git push --force origin HEAD~1:main) adds no
        # commit: there is nothing new to judge, and "no commits between" is no error here.
        click.echo(f"guardrails: the push adds no commit ({to[:12]} is already on the remote)")
        return EXIT_OK
    if affected:
        from guardrails.commands import affected as affected_cmd

        return affected_cmd.main(
            staged=not chosen, base=chosen.get("base"), head=chosen.get("head"), repo=repo
        )
    from guardrails.commands import check

    # Before a push nobody can have reviewed the commits yet: unmet approvals are news here,
    # as at commit time; the CI gate on the pull request enforces them.
    return check.main(
        staged=not chosen,
        base=chosen.get("base"),
        head=chosen.get("head"),
        repo=repo,
        enforce_approvals=False if chosen else None,
    )
