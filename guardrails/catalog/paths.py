"""Which service claims a repository path: fast enough for 10,000 services × 100,000 files.

Service ``paths`` are gitwildmatch patterns (gitignore semantics: a pattern that matches a
directory matches everything in it; a pattern with a slash before its end is anchored at the
root). Almost every real pattern is a literal directory (``services/x/**``, ``/libs/y/``,
``tools/z``); those go into dictionaries keyed by the directory, so a lookup costs one dict
probe per directory level of the path. The rest are compiled with ``pathspec`` (imported only
when needed) and bucketed by their literal leading directory, so ``services/*/api/**`` is only
tried on paths under ``services/``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache

from guardrails.catalog.model import Catalog, Service

_WILDCARDS = frozenset("*?[\\")


# A wildcard becomes an unbounded regex loop, and a failing match backtracks through every
# way of splitting the path between the loops: `/` + 100 `*` + `a` ran for minutes on one
# path. Consecutive `[^/]*` loops mean exactly one, so they collapse with no change in
# meaning. What is left is bounded by shape: loops inside one segment multiply by that
# segment's length, loops that cross slashes (`**` and the any-depth prefix) by the path's.
# At most two of each keeps a match to about (length)^2 steps per kind: under 20 ms on a
# 4,000-character name. `**/templates/**/*.html` (two crossing, one in a segment) is
# ordinary CODEOWNERS and compiles; `/*a*a*b` (three in one segment) is refused, reported as
# an invalid pattern where it is written.
MAX_SEGMENT_LOOPS = 2
MAX_CROSSING_LOOPS = 2
_STAR_RUN = re.compile(r"(?:\[\^/\]\*){2,}")
_STARS = re.compile(r"\*+")


def loop_shape(pattern: str) -> tuple[int, int]:
    """(loops that cross slashes, most loops in one segment) of a gitwildmatch pattern,
    after runs of ``*`` collapse."""
    body = pattern.rstrip("/")
    segments = body.lstrip("/").split("/")
    crossing = sum(1 for seg in segments if seg == "**")
    anchored = body.startswith("/") or "/" in body.strip("/")
    if not anchored or segments[0] == "**":
        crossing += 0 if segments[0] == "**" else 1  # the any-depth prefix
    per_segment = max((len(_STARS.findall(seg)) for seg in segments if seg != "**"), default=0)
    return crossing, per_segment


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The gitwildmatch regex of ``pattern`` (None for blank, comment, negated or invalid ones,
    and for one whose loops exceed the bounds above once collapsed).

    A match through the regex's ``ps_d`` group means the path is inside a matched directory.
    """
    try:  # pathspec >= 1.0 renamed the gitwildmatch pattern and deprecated the old name
        from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern as _Pattern
    except ImportError:  # pragma: no cover - pathspec 0.12
        from pathspec.patterns.gitwildmatch import GitWildMatchPattern as _Pattern
    try:
        compiled = _Pattern(pattern)
    except (ValueError, re.error):  # a trailing `\\` escapes nothing; a range like [z-a]
        return None
    if compiled.include is not True or compiled.regex is None:
        return None
    regex = compiled.regex
    text = regex.pattern if isinstance(regex, re.Pattern) else str(regex.pattern)
    collapsed = _STAR_RUN.sub("[^/]*", text)
    crossing, per_segment = loop_shape(pattern)
    if crossing > MAX_CROSSING_LOOPS or per_segment > MAX_SEGMENT_LOOPS:
        return None
    if collapsed == text and isinstance(regex, re.Pattern):
        return regex
    return re.compile(collapsed)


def _has_wildcard(text: str) -> bool:
    return any(c in _WILDCARDS for c in text)


def literal_directory(pattern: str) -> tuple[str, str] | None:
    """``(kind, dir)`` for a wildcard-free anchored pattern, else None.

    kind ``under``: matches only paths below ``dir`` (``dir/**``, ``/dir/``);
    kind ``exact``: matches ``dir`` itself and everything below it (``a/b``, ``/a``).
    """
    anchored = pattern.startswith("/")
    p = pattern.lstrip("/")
    if p.endswith("/**"):
        base = p[:-3]
        return ("under", base) if base and not _has_wildcard(base) else None
    if p.endswith("/"):
        base = p[:-1]
        if base and not _has_wildcard(base) and (anchored or "/" in base):
            return ("under", base)
        return None
    if p and not _has_wildcard(p) and (anchored or "/" in p):
        return ("exact", p)
    return None


def _wildcard_bucket(pattern: str) -> str:
    """The literal leading directory an anchored wildcard pattern can only match under."""
    p = pattern.lstrip("/")
    anchored = pattern.startswith("/") or "/" in p.rstrip("/")
    if not anchored:
        return ""
    segments = p.split("/")[:-1]
    lead = []
    for seg in segments:
        if _has_wildcard(seg):
            break
        lead.append(seg)
    return "/".join(lead)


class ServicePathIndex:
    """Maps repository paths to the services whose ``paths`` claim them."""

    def __init__(self, services: Catalog | Mapping[str, Service] | Iterable[Service]) -> None:
        if isinstance(services, Catalog):
            services = services.services.values()
        elif isinstance(services, Mapping):
            services = services.values()
        under: dict[str, list[tuple[str, str]]] = defaultdict(list)
        exact: dict[str, list[tuple[str, str]]] = defaultdict(list)
        wild: dict[str, list[tuple[str, str, re.Pattern[str]]]] = defaultdict(list)
        for service in services:
            for pattern in service.paths:
                if not pattern or pattern.startswith(("!", "#")):
                    continue
                literal = literal_directory(pattern)
                if literal is None:
                    regex = compile_pattern(pattern)
                    if regex is not None:
                        wild[_wildcard_bucket(pattern)].append((service.name, pattern, regex))
                elif literal[0] == "under":
                    under[literal[1]].append((service.name, pattern))
                else:
                    exact[literal[1]].append((service.name, pattern))
                    under[literal[1]].append((service.name, pattern))
        self._under = dict(under)
        self._exact = dict(exact)
        self._wild_anywhere = tuple(wild.pop("", ()))
        self._wild = {k: tuple(v) for k, v in wild.items()}

    def claims(self, path: str) -> tuple[tuple[str, str], ...]:
        """Every ``(service, pattern)`` that matches ``path``, sorted."""
        found: list[tuple[str, str]] = list(self._exact.get(path, ()))
        candidates = self._wild_anywhere
        under, wild = self._under, self._wild
        i = path.find("/")
        while i >= 0:
            directory = path[:i]
            hit = under.get(directory)
            if hit:
                found.extend(hit)
            more = wild.get(directory)
            if more:
                candidates += more
            i = path.find("/", i + 1)
        if candidates:
            found.extend((n, p) for n, p, regex in candidates if regex.match(path))
        if len(found) <= 1:
            return tuple(found)
        return tuple(sorted(set(found)))

    def services_for(self, path: str) -> tuple[str, ...]:
        """The names of the services claiming ``path``, sorted (usually zero or one)."""
        claims = self.claims(path)
        if len(claims) <= 1:
            return (claims[0][0],) if claims else ()
        return tuple(sorted({name for name, _ in claims}))

    def map_paths(self, paths: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """``{path: services}`` for every path claimed by at least one service."""
        out = {}
        services_for = self.services_for
        for path in paths:
            names = services_for(path)
            if names:
                out[path] = names
        return out
