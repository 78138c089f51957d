"""Which service claims a repository path: fast enough for 10,000 services × 100,000 files.

Service ``paths`` are gitwildmatch patterns (gitignore semantics: a pattern that matches a
directory matches everything in it; a pattern with a slash before its end is anchored at the
root). Almost every real pattern is a literal directory (``services/x/**``, ``/libs/y/``,
``tools/z``); those go into dictionaries keyed by the directory, so a lookup costs one dict
probe per directory level of the path. The rest are compiled with ``pathspec`` (imported only
when needed) and bucketed by their literal leading directory, so ``services/*/api/**`` is only
tried on paths under ``services/``; each compiles on the first path its
:func:`match_condition` admits, so a lookup of a few paths compiles a few patterns.
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


# -- a cheap necessary condition, so most patterns are never compiled ------------------------
#
# Compiling one pattern (pathspec's translation plus re.compile) costs about a millisecond; a
# pre-commit hook asking who owns one README line walked ~150 CODEOWNERS rules and compiled
# every one. Most rules cannot match most paths, and that shows without a regex: a matching
# path starts with the pattern's anchored literal prefix and holds its literal runs in
# order. The condition only ever says "cannot match"; whatever it admits is still decided by
# the compiled regex, so answers are the regex's own.

Condition = tuple[str, tuple[str, ...]]  # (prefix the path starts with, runs that follow in order)
_ANYTHING: Condition = ("", ())


def _literal_runs(segment: str) -> list[str] | None:
    """The literal runs of one segment's glob, split where a wildcard stands (``*``, ``?``,
    ``[...]``), read exactly as pathspec's translation reads them: ``\\x`` is ``x``, and a
    bracket expression ends at the first ``]`` after its optional ``!``/``^`` and leading
    ``]``, escapes inside it notwithstanding. None where the translation fails (an unclosed
    bracket, a trailing escape): such a pattern compiles to nothing, so no run is promised."""
    runs: list[str] = []
    current: list[str] = []
    i, end = 0, len(segment)
    while i < end:
        c = segment[i]
        i += 1
        if c == "\\":
            if i >= end:
                return None
            current.append(segment[i])
            i += 1
        elif c in "*?[":
            if c == "[":
                j = i
                if j < end and segment[j] in "!^":
                    j += 1
                if j < end and segment[j] == "]":
                    j += 1
                while j < end and segment[j] != "]":
                    j += 1
                if j >= end:
                    return None
                i = j + 1
            runs.append("".join(current))
            current = []
        else:
            current.append(c)
    runs.append("".join(current))
    return runs


@lru_cache(maxsize=8192)
def match_condition(pattern: str) -> Condition:
    """What every path ``compile_pattern(pattern)`` matches has, found without compiling it:
    ``(prefix, runs)`` such that a matching path starts with ``prefix`` and holds each of
    ``runs`` after it, in order, without overlap (see :func:`admits`).

    Follows pathspec's normalization: a pattern without a slash before its end matches at any
    depth (no prefix); otherwise it is anchored at the root, and each literal segment before
    the first wildcard is followed by ``/`` in every match (the next segment, or the
    directory marker, or a ``**`` that begins with one). Anything unusual (whitespace, which
    pathspec strips; a comment or negation; an empty inner segment) promises nothing.
    """
    if not pattern or pattern[0] in "#!" or any(c.isspace() for c in pattern):
        return _ANYTHING
    segments = pattern.split("/")
    if not segments[0]:
        del segments[0]
        anchored = True
    else:
        anchored = not (len(segments) == 1 or (len(segments) == 2 and not segments[1]))
    if not segments:
        return _ANYTHING
    if not segments[-1]:
        segments[-1] = "**"  # `dir/`: everything below it
    if any(not seg for seg in segments):
        return _ANYTHING
    prefix: list[str] = []
    runs: list[str] = []
    last = len(segments) - 1
    for i, seg in enumerate(segments):
        if seg == "**":
            anchored = False  # from here on, any number of segments may stand between
            continue
        parts = _literal_runs(seg)
        if parts is None:
            return _ANYTHING
        if anchored:
            prefix.append(parts[0])
            if len(parts) == 1:
                if i < last:
                    prefix.append("/")
                continue
            anchored = False
            parts = parts[1:]
        runs.extend(part for part in parts if part)
    return "".join(prefix), tuple(runs)


def admits(condition: Condition, path: str) -> bool:
    """False only when no pattern with this :func:`match_condition` can match ``path``."""
    prefix, runs = condition
    if not path.startswith(prefix):
        return False
    at = len(prefix)
    for run in runs:
        at = path.find(run, at)
        if at < 0:
            return False
        at += len(run)
    return True


# The commonest shapes need no regex at all: an anchored literal (``/docs/``, ``a/b``), a
# suffix at any depth (``*.md``) and everything (``*``). For them the answer is decided by
# string tests that say exactly what the compiled regex says, so asking about a README line
# or a file under a listed directory compiles nothing (nor imports pathspec). A path holding
# a newline is left to the regex: its ``.`` and ``$`` treat a newline specially.
Decision = tuple[str, str]  # (kind, literal): "under", "exact-or-under", "suffix", "any"


@lru_cache(maxsize=8192)
def match_decision(pattern: str) -> Decision | None:
    """How to decide ``compile_pattern(pattern).match(path) is not None`` without the regex
    (for paths without a newline; see :func:`decides`), or None for other shapes."""
    if not pattern or pattern[0] in "#!" or any(c.isspace() for c in pattern):
        return None
    if pattern in ("*", "**"):
        return ("any", "")
    body = pattern.rstrip("/")
    if pattern.endswith("//") or not body:
        return None
    if "/" not in body:
        tail = body[1:]
        if body[0] == "*" and tail and not _has_wildcard(tail) and pattern == body:
            return ("suffix", tail)
        return None
    if "**" in body or _has_wildcard(body):
        return None
    anchored_body = body[1:] if body.startswith("/") else body
    if not anchored_body or "//" in anchored_body or anchored_body.startswith("/"):
        return None
    # A slash before the end anchors at the root (``a/b``; ``/a``), and ``a/`` alone does not.
    if not (body.startswith("/") or "/" in anchored_body):
        return None
    return ("under" if pattern.endswith("/") else "exact-or-under", anchored_body)


def decides(decision: Decision, path: str) -> bool:
    """Whether the pattern of ``decision`` matches ``path`` (which holds no newline)."""
    kind, literal = decision
    if kind == "any":
        return bool(path)
    if kind == "under":
        return path.startswith(literal + "/")
    if kind == "exact-or-under":
        return path == literal or path.startswith(literal + "/")
    # `*SUF` at any depth: some segment ends with SUF; the segment after a leading empty
    # one does not count, since the regex's `(?:.+/)?` needs a character before its slash.
    parts = path.split("/")
    return any(
        part.endswith(literal) for i, part in enumerate(parts) if not (i == 1 and not parts[0])
    )


class LazyPattern:
    """A pattern decided by its :func:`match_decision` where it has one, else compiled on
    the first path its :func:`match_condition` admits, then kept.

    Mutable on purpose: it memoizes one compilation for the life of the index that holds it
    (an index of 10,000 services must not depend on ``compile_pattern``'s bounded cache).
    """

    __slots__ = ("_compiled", "_regex", "condition", "decision", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.condition = match_condition(pattern)
        self.decision = match_decision(pattern)
        self._regex: re.Pattern[str] | None = None
        self._compiled = False

    def matches(self, path: str) -> bool:
        """``self.match(path) is not None``, without compiling where a string test decides."""
        if self.decision is not None and "\n" not in path:
            return decides(self.decision, path)
        return self.match(path) is not None

    def match(self, path: str) -> re.Match[str] | None:
        """``compile_pattern(pattern).match(path)``, or None when the pattern compiles to
        nothing."""
        if not admits(self.condition, path):
            return None
        if not self._compiled:
            self._regex = compile_pattern(self.pattern)
            self._compiled = True
        return None if self._regex is None else self._regex.match(path)


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


def _services_of(services: Catalog | Mapping[str, Service] | Iterable[Service]) -> list[Service]:
    if isinstance(services, Catalog):
        return list(services.services.values())
    if isinstance(services, Mapping):
        return list(services.values())
    return list(services)


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
    """Maps repository paths to the services whose ``paths`` claim them.

    :meth:`of` gives the index of a set of services (by name and paths) already built in
    this process, if any: a cold run matches every path of the tree against the declared
    services when it checks the config, and again when it claims the files for the
    catalog's services, which are usually the same ones. Each index remembers its answers.
    """

    _built: dict[tuple[tuple[str, tuple[str, ...]], ...], ServicePathIndex] = {}

    @classmethod
    def of(cls, services: Catalog | Mapping[str, Service] | Iterable[Service]) -> ServicePathIndex:
        found = _services_of(services)
        k = tuple(sorted((s.name, s.paths) for s in found))
        index = cls._built.get(k)
        if index is None:
            index = cls(found)
            if len(cls._built) >= 4:  # a few catalogs per run (head, base, guarded)
                cls._built.clear()
            cls._built[k] = index
        return index

    def __init__(self, services: Catalog | Mapping[str, Service] | Iterable[Service]) -> None:
        services = _services_of(services)
        self._memo: dict[str, tuple[str, ...]] = {}
        under: dict[str, list[tuple[str, str]]] = defaultdict(list)
        exact: dict[str, list[tuple[str, str]]] = defaultdict(list)
        # Wildcard patterns compile on the first path that passes their bucket and their
        # match_condition: the hook asks about a handful of paths, not the whole tree.
        wild: dict[str, list[tuple[str, LazyPattern]]] = defaultdict(list)
        lazy: dict[str, LazyPattern] = {}
        for service in services:
            for pattern in service.paths:
                if not pattern or pattern.startswith(("!", "#")):
                    continue
                literal = literal_directory(pattern)
                if literal is None:
                    matcher = lazy.get(pattern)
                    if matcher is None:
                        matcher = lazy[pattern] = LazyPattern(pattern)
                    wild[_wildcard_bucket(pattern)].append((service.name, matcher))
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
            found.extend((n, m.pattern) for n, m in candidates if m.matches(path))
        if len(found) <= 1:
            return tuple(found)
        return tuple(sorted(set(found)))

    def services_for(self, path: str) -> tuple[str, ...]:
        """The names of the services claiming ``path``, sorted (usually zero or one)."""
        found = self._memo.get(path)
        if found is None:
            claims = self.claims(path)
            if len(claims) <= 1:
                found = (claims[0][0],) if claims else ()
            else:
                found = tuple(sorted({name for name, _ in claims}))
            self._memo[path] = found
        return found

    def map_paths(self, paths: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """``{path: services}`` for every path claimed by at least one service."""
        out = {}
        services_for = self.services_for
        for path in paths:
            names = services_for(path)
            if names:
                out[path] = names
        return out
