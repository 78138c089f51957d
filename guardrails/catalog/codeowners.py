"""CODEOWNERS: GitHub semantics, plus GitLab sections.

- Location: the first of ``.github/CODEOWNERS``, ``CODEOWNERS``, ``docs/CODEOWNERS`` that
  exists is the only one read (GitHub's precedence).
- Lines: ``pattern owner...``; ``#`` starts a comment (at the start of a line or after
  whitespace), ``\\#`` is a literal ``#``, ``\\ `` a literal space in a pattern.
- Matching: gitignore patterns, except where GitHub documents otherwise: no ``[ ]``
  character ranges (brackets are literal; a file with GitLab sections keeps GitLab's
  character classes); the **last** matching rule wins. A rule without owners
  unsets ownership for what it matches. ``!pattern`` does not exist in CODEOWNERS (GitHub
  ignores the line): it is a problem here, so nobody believes it works. ``docs/*`` matches
  only files directly in ``docs/`` (GitHub's documented difference from gitignore). A rule
  is tried only on a path that its literal prefix and runs admit
  (:func:`~guardrails.catalog.paths.match_condition`), and ``/dir/``, ``a/b``, ``*.md`` and
  ``*`` are decided without a regex (:func:`~guardrails.catalog.paths.match_decision`):
  asking about one file does not compile the whole file's patterns.
- GitLab sections: ``[Name]``, ``^[Name]`` (optional), ``[Name][N]`` (N approvals), each with
  optional default owners (``[Name] @owner``) inherited by its rules that list none. Each
  section is evaluated on its own (last match within it) and a file's owners are the union
  across sections. Rules before the first section form the unnamed section (``None``).
  Section names are case-insensitive; repeated sections are merged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

import msgspec

from guardrails.catalog.model import CODEOWNERS_LOCATIONS, CodeOwners, CodeOwnersRule, Origin, Team
from guardrails.catalog.paths import (
    Condition,
    Decision,
    admits,
    compile_pattern,
    decides,
    match_condition,
    match_decision,
)
from guardrails.catalog.text import decode_text
from guardrails.changes import Snapshot
from guardrails.errors import Problem

# GitHub reads the first of these that exists.
SEARCH_ORDER = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
assert set(SEARCH_ORDER) == set(CODEOWNERS_LOCATIONS)

_SECTION_RE = re.compile(r"^(\^)?\[([^\]]+)\](?:\[(\d+)\])?(?:\s+(.*))?$")
_OWNER_RE = re.compile(
    r"^(?:@[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*|[^@\s]+@[^@\s]+)\Z"
)


class CodeOwnersMatch(msgspec.Struct, frozen=True):
    owners: tuple[str, ...]  # handles/emails as written
    origin: Origin  # the rule that decided (CODEOWNERS:line)
    section: str | None = None
    optional: bool = False
    approvals: int = 1


def find_codeowners(snapshot: Snapshot) -> str | None:
    """The CODEOWNERS path GitHub would use, or None."""
    for path in SEARCH_ORDER:
        if snapshot.read(path) is not None:
            return path
    return None


def _tokens(line: str) -> list[str]:
    """Split on unescaped whitespace, dropping an unescaped ``#`` comment."""
    tokens: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            nxt = line[i + 1]
            # `\#` and `\ ` are not a comment or a separator; the escape itself is kept,
            # since the pattern matcher (gitignore rules) gives it the same meaning.
            current.append(c + nxt)
            i += 2
            continue
        if c in " \t":
            if current:
                tokens.append("".join(current))
                current = []
        elif c == "#" and not current:
            break
        else:
            current.append(c)
        i += 1
    if current:
        tokens.append("".join(current))
    return tokens


def parse_codeowners(text: str, path: str) -> tuple[CodeOwners, list[Problem]]:
    problems: list[Problem] = []
    rules: list[CodeOwnersRule] = []
    section: str | None = None
    optional = False
    approvals = 1
    defaults: tuple[str, ...] = ()
    names: dict[str, str] = {}  # lower-case -> first spelling
    section_defaults: dict[str, tuple[str, ...]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = _SECTION_RE.match(line)
        if header is not None:
            name = header.group(2).strip()
            section = names.setdefault(name.lower(), name)
            optional = header.group(1) is not None
            approvals = int(header.group(3)) if header.group(3) else 1
            owners = tuple(_tokens(header.group(4) or ""))
            problems.extend(_bad_owners(owners, path, number))
            # A repeated section keeps the defaults it was first given unless it names new ones.
            if owners or section not in section_defaults:
                section_defaults[section] = owners
            defaults = section_defaults[section]
            if approvals < 1:
                problems.append(
                    Problem(
                        f"section [{name}] requires {approvals} approvals",
                        path=path,
                        line=number,
                        fix="use [Name][N] with N >= 1",
                    )
                )
                approvals = 1
            continue
        tokens = _tokens(line)
        if not tokens:
            continue
        pattern, owners = tokens[0], tuple(tokens[1:])
        if pattern.startswith("!"):
            problems.append(
                Problem(
                    f"negated pattern '{pattern}' is not supported in CODEOWNERS",
                    path=path,
                    line=number,
                    fix="remove it; to unset ownership, write the pattern with no owners",
                )
            )
            continue
        if compile_pattern(github_pattern(pattern)) is None and compile_pattern(pattern) is None:
            problems.append(Problem(f"invalid pattern '{pattern}'", path=path, line=number))
            continue
        problems.extend(_bad_owners(owners, path, number))
        if not owners and section is not None:
            owners = defaults
        rules.append(
            CodeOwnersRule(pattern, owners, Origin(path, number), section, optional, approvals)
        )
    return CodeOwners(path, tuple(rules)), problems


def _bad_owners(owners: Iterable[str], path: str, line: int) -> list[Problem]:
    return [
        Problem(
            f"'{owner}' is not a valid owner",
            path=path,
            line=line,
            fix="write `@user`, `@org/team` or an email address",
        )
        for owner in owners
        if not _OWNER_RE.match(owner)
    ]


def load_codeowners(snapshot: Snapshot) -> tuple[CodeOwners | None, list[Problem]]:
    path = find_codeowners(snapshot)
    if path is None:
        return None, []
    text, bad = decode_text(snapshot.read(path) or b"", path)
    if text is None:
        return None, [bad] if bad is not None else []
    return parse_codeowners(text, path)


def github_pattern(pattern: str) -> str:
    """``pattern`` with GitHub's CODEOWNERS meaning, for the gitignore matcher: GitHub has no
    ``[ ]`` character ranges, so brackets are literal (``/apps/[param]/file.ts`` owns the
    Next.js route directory ``apps/[param]/``); an escape already written stays as it is."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        out.append("\\" + c if c in "[]" else c)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=8192)
def _rule_regex(pattern: str, gitlab: bool) -> re.Pattern[str] | None:
    return compile_pattern(pattern if gitlab else github_pattern(pattern))


@functools.lru_cache(maxsize=8192)
def _rule_condition(pattern: str, gitlab: bool) -> Condition:
    """What a path must have for :func:`_matches` to be true, without compiling the rule:
    a hook asking about one file walks every rule, and most cannot match it."""
    return match_condition(pattern if gitlab else github_pattern(pattern))


@functools.lru_cache(maxsize=8192)
def _rule_decision(pattern: str, gitlab: bool) -> Decision | None:
    return match_decision(pattern if gitlab else github_pattern(pattern))


def _matches(rule: CodeOwnersRule, path: str, *, gitlab: bool = False) -> bool:
    """GitHub semantics; a file with GitLab sections is GitLab's, whose matcher (Ruby's
    ``File.fnmatch``) does read ``[abc]`` as a character class."""
    decision = _rule_decision(rule.pattern, gitlab)
    if decision is not None and "\n" not in path:
        # No decided shape ends in `/*`, so the directory check below never applies to it.
        return decides(decision, path)
    regex = _rule_regex(rule.pattern, gitlab)
    if regex is None:
        return False
    m = regex.match(path)
    if m is None:
        return False
    # `docs/*` owns docs/a.md, not docs/sub/b.md (matched through the directory group).
    return not (rule.pattern.endswith("/*") and m.groupdict().get("ps_d") is not None)


# A section's rules newest first, the indices of those any path may match, and the indices of
# those whose match condition's prefix lies in a directory, by directory (see _sections).
_Section = tuple[
    list[tuple[Condition, CodeOwnersRule]], tuple[int, ...], dict[str, tuple[int, ...]]
]


class CodeOwnersIndex:
    """Who owns a path according to CODEOWNERS, and which teams those owners are."""

    def __init__(self, codeowners: CodeOwners | None, teams: Mapping[str, Team] | None = None):
        self.codeowners = codeowners
        sections: dict[str | None, list[CodeOwnersRule]] = {}
        for rule in codeowners.rules if codeowners else ():
            sections.setdefault(rule.section, []).append(rule)
        self._gitlab = any(section is not None for section in sections)
        self._rules = sections
        self._indexed: dict[str | None, _Section] | None = None
        self._teams_by_owner: dict[str, set[str]] = {}
        for team in (teams or {}).values():
            for handle in team.handles:
                self._teams_by_owner.setdefault(handle.lower(), set()).add(team.name)
            for member in team.members:
                self._teams_by_owner.setdefault("@" + member.login.lower(), set()).add(team.name)
                if member.email:
                    self._teams_by_owner.setdefault(member.email.lower(), set()).add(team.name)

    def owners_for(self, path: str) -> tuple[CodeOwnersMatch, ...]:
        """One match per section whose last matching rule names owners (unnamed section first)."""
        out = []
        gitlab = self._gitlab
        for section, (rules, anywhere, under) in self._sections().items():
            # The rules that can match: those any path may match, and those anchored under
            # one of the path's directories; tried newest first, the first match decides.
            candidates = anywhere
            i = path.find("/")
            while i >= 0:
                hit = under.get(path[:i])
                if hit:
                    candidates = (*candidates, *hit)
                i = path.find("/", i + 1)
            if candidates is not anywhere:
                candidates = tuple(sorted(candidates))
            for k in candidates:
                condition, rule = rules[k]
                if admits(condition, path) and _matches(rule, path, gitlab=gitlab):
                    if rule.owners:
                        out.append(
                            CodeOwnersMatch(
                                rule.owners, rule.origin, section, rule.optional, rule.approvals
                            )
                        )
                    break
        return tuple(sorted(out, key=lambda m: (m.section is not None, (m.section or "").lower())))

    def _sections(self) -> dict[str | None, _Section]:
        """Last match wins: each section's rules newest first, each with the condition that
        rules it out without compiling its pattern, and bucketed by the directory its
        condition's literal prefix lies in (a rule anchored at ``services/svc7/`` is never
        tried on ``docs/a.md``: a large CODEOWNERS is mostly such rules). Built on the first
        path asked about: a check whose file claims already hold every path's owners asks
        only for teams."""
        if self._indexed is None:
            gitlab = self._gitlab
            self._indexed = {}
            for section, rules in self._rules.items():
                newest = [(_rule_condition(r.pattern, gitlab), r) for r in reversed(rules)]
                anywhere: list[int] = []
                under: dict[str, list[int]] = {}
                for k, ((prefix, _), _) in enumerate(newest):
                    directory, slash, _ = prefix.rpartition("/")
                    if slash:
                        under.setdefault(directory, []).append(k)
                    else:
                        anywhere.append(k)
                self._indexed[section] = (
                    newest,
                    tuple(anywhere),
                    {d: tuple(ks) for d, ks in under.items()},
                )
        return self._indexed

    def owners(self, path: str) -> tuple[str, ...]:
        """Every owner of ``path`` across sections, sorted, without duplicates."""
        return tuple(sorted({o for m in self.owners_for(path) for o in m.owners}))

    def teams_for_owner(self, owner: str) -> tuple[str, ...]:
        """Team names for a handle or email: by ``handles``, then member login or email."""
        return tuple(sorted(self._teams_by_owner.get(owner.lower(), ())))

    def teams_for(self, path: str) -> tuple[str, ...]:
        return tuple(sorted({t for o in self.owners(path) for t in self.teams_for_owner(o)}))
