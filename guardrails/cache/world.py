"""The resolved world of a snapshot, remembered: its catalog and its file claims.

Two entries, each keyed by exactly what its value was computed from:

- **catalog** (:func:`remembered_catalog`): the loader reads the snapshot's path list and a
  handful of files (the config, service and Backstage files, CODEOWNERS, pyproject.toml,
  policy packs, and files it looks for that are not there). The build runs against a
  :class:`RecordingSnapshot`, which notes every file read and the id of its content (the
  blob id; for a file outside the listing, a digest of its bytes or "absent"). The key is
  the path list plus the current ids of the files the last build read; the entry carries its
  reads again and is used only when every one still matches. Editing a Python file leaves
  the key alone; editing ``guardrails.yaml`` or CODEOWNERS, adding, moving or deleting a
  file, or upgrading guardrails gives another key.
- **claims** (:func:`remembered_claims`): which services claim each path and which
  CODEOWNERS teams own it, a pure function of the catalog and the path list: keyed by the
  path list and the catalog's own entry key (which names everything it was built from), or
  a digest of the catalog for one that did not come from the store. Compiling the ~400
  path and CODEOWNERS patterns of a large catalog and matching every file was most of a
  warm ``graph``.

Failures (a catalog with errors raises ConfigError) are never stored: they are rebuilt, so
the user always sees the loader's own message.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import msgspec

from guardrails.cache import active
from guardrails.cache.codec import CodecError, Decoder, encode, records_of
from guardrails.cache.reads import RecordingSnapshot, content_id, paths_digest
from guardrails.cache.store import EntryStore, key
from guardrails.catalog import model
from guardrails.catalog.model import Catalog
from guardrails.changes import Snapshot
from guardrails.records import repr_omitting

if TYPE_CHECKING:
    from guardrails.catalog.codeowners import CodeOwnersIndex
    from guardrails.catalog.paths import ServicePathIndex

# Entries kept per kind: one per path list (and version) seen; claims of a large repository
# are ~1 MiB each, so recent trees stay warm and old ones go.
KEEP = 64


@lru_cache(maxsize=1)
def _decoder() -> Decoder:
    return Decoder(records_of(model))


def remembered_catalog(
    snapshot: Snapshot, options: tuple[object, ...], build: Callable[[Snapshot], Catalog]
) -> Catalog:
    """``build(snapshot)``, or the catalog a previous build of the same inputs gave.

    ``options`` are the loader's arguments (config path, whether it is required).
    """
    store = active()
    if store is None:
        return build(snapshot)
    paths = snapshot.paths()
    listed = frozenset(paths)
    index_key = key("catalog-reads", options, paths_digest(paths))
    previous = store.get("catalog", index_key)
    if isinstance(previous, tuple) and all(isinstance(p, str) for p in previous):
        ids = tuple((p, content_id(snapshot, p, None, listed)) for p in previous)
        k = key("catalog", options, paths_digest(paths), ids)
        found = _load_catalog(store, k, ids)
        if found is not None:
            return _named(found, k)
    recorder = RecordingSnapshot(snapshot)
    catalog = build(recorder)
    reads = tuple(sorted(recorder.reads.items()))
    try:
        payload = (reads, encode(catalog))
    except CodecError:
        return catalog
    read_paths = tuple(p for p, _ in reads)
    k = key("catalog", options, paths_digest(paths), reads)
    store.put("catalog", k, payload, keep=KEEP)
    store.put("catalog", index_key, read_paths, keep=KEEP)
    return _named(catalog, k)


# The entry key of each catalog this process read or built, by the object: the key names
# everything the catalog was computed from, so it names the catalog for the claims' key too
# (encoding the catalog again to digest it was ~7 ms of every hook run). Kept with the
# object, so that an id is never taken for a later object's, and only the last few: a
# long-lived process (the MCP server) must not keep every catalog it ever read.
_KEYS: dict[int, tuple[Catalog, str]] = {}
_KEEP_KEYS = 8  # a check reads two catalogs (base and head)


def _named(catalog: Catalog, k: str) -> Catalog:
    _KEYS.pop(id(catalog), None)
    _KEYS[id(catalog)] = (catalog, k)
    while len(_KEYS) > _KEEP_KEYS:
        del _KEYS[next(iter(_KEYS))]
    return catalog


def _catalog_name(catalog: Catalog) -> str | None:
    """What names ``catalog``'s content: its entry key, or None (encode it to know)."""
    known = _KEYS.get(id(catalog))
    if known is not None and known[0] is catalog:
        return "entry:" + known[1]
    try:
        encoded = encode(catalog)
    except CodecError:
        return None
    return hashlib.blake2b(marshal.dumps(cast(Any, encoded), 4), digest_size=20).hexdigest()


def _load_catalog(store: EntryStore, k: str, ids: tuple[tuple[str, str], ...]) -> Catalog | None:
    raw = store.get("catalog", k)
    if not (isinstance(raw, tuple) and len(raw) == 2 and raw[0] == ids):
        return None
    try:
        value = _decoder()(raw[1])
    except (CodecError, TypeError, ValueError):
        store.rejected += 1
        return None
    if not isinstance(value, Catalog):
        store.rejected += 1
        return None
    return value


# -- file claims ----------------------------------------------------------------------------


# (team ids of a path's CODEOWNERS owners, the owners as CODEOWNERS writes them)
PathOwners = tuple[tuple[str, ...], tuple[str, ...]]
# The catalog with owners filled in, from every path, its services and its PathOwners.
FillOwners = Callable[
    [Catalog, Sequence[str], Mapping[str, tuple[str, ...]], Mapping[str, PathOwners]], Catalog
]


class Claims(msgspec.Struct):
    """Services and CODEOWNERS teams of every path of one snapshot, under one catalog.

    ``catalog`` is the input catalog with CODEOWNERS owners filled in for services that
    declare none. Paths outside the snapshot (a deleted file asked of the head) fall back to
    the indexes, built on first need.
    """

    catalog: Catalog
    services: Mapping[str, tuple[str, ...]]
    owners: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]
    source: Catalog  # the catalog before owners were filled in: what the indexes read
    # Built on first need; not in the repr.
    _paths: ServicePathIndex | None = None
    _owners: CodeOwnersIndex | None = None
    _owners_built: bool = False

    def __repr__(self) -> str:
        return repr_omitting(self, ("_paths", "_owners", "_owners_built"))

    def services_of(self, path: str) -> tuple[str, ...]:
        found = self.services.get(path)
        if found is not None:
            return found
        if self._paths is None:
            from guardrails.catalog.paths import ServicePathIndex

            self._paths = ServicePathIndex(self.source)
        return self._paths.services_for(path)

    def owners_of(self, path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        found = self.owners.get(path)
        if found is not None:
            return found
        index = self.codeowners_index()
        if index is None:
            return (), ()
        return owners_of(index, path)

    def codeowners_index(self) -> CodeOwnersIndex | None:
        if not self._owners_built:
            self._owners_built = True
            self._owners = codeowners_index(self.source)
        return self._owners


def codeowners_index(catalog: Catalog) -> CodeOwnersIndex | None:
    from guardrails.catalog.codeowners import CodeOwnersIndex

    if catalog.codeowners_enabled and catalog.codeowners:
        return CodeOwnersIndex(catalog.codeowners, catalog.teams)
    return None


def owners_of(index: CodeOwnersIndex, path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(team ids of the path's CODEOWNERS owners, the owners as CODEOWNERS writes them)."""
    owners = tuple(index.owners(path))
    teams = {t for o in owners for t in index.teams_for_owner(o)}
    return tuple(sorted(f"team:{t}" for t in teams)), owners


def build_claims(snapshot: Snapshot, catalog: Catalog, fill_owners: FillOwners) -> Claims:
    from guardrails.catalog.paths import ServicePathIndex

    paths = snapshot.paths()
    index = ServicePathIndex.of(catalog)
    codeowners = codeowners_index(catalog)
    services: dict[str, tuple[str, ...]] = {}
    intern: dict[tuple[str, ...], tuple[str, ...]] = {}
    for p in paths:
        names = index.services_for(p)
        services[p] = intern.setdefault(names, names)
    owners: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    if codeowners is not None:
        seen: dict[PathOwners, PathOwners] = {}
        for p in paths:
            got = owners_of(codeowners, p)
            owners[p] = seen.setdefault(got, got)
    # The services nobody declared an owner for get one from these claims: matching every
    # path again for them was ~10 ms of a cold django graph.
    filled = fill_owners(catalog, paths, services, owners) if codeowners is not None else catalog
    claims = Claims(filled, services, owners, catalog, index, codeowners, True)
    return claims


def remembered_claims(snapshot: Snapshot, catalog: Catalog, fill_owners: FillOwners) -> Claims:
    store = active()
    if store is None:
        return build_claims(snapshot, catalog, fill_owners)
    name = _catalog_name(catalog)
    if name is None:
        return build_claims(snapshot, catalog, fill_owners)
    paths = snapshot.paths()
    k = key("claims", name, paths_digest(paths))
    raw = store.get("claims", k)
    if isinstance(raw, tuple) and len(raw) == 3:
        try:
            filled = _decoder()(raw[0])
            services, owners = raw[1], raw[2]
            if (
                isinstance(filled, Catalog)
                and isinstance(services, dict)
                and isinstance(owners, dict)
            ):
                return Claims(filled, services, owners, catalog)
        except (CodecError, TypeError, ValueError):
            pass
        store.rejected += 1
    claims = build_claims(snapshot, catalog, fill_owners)
    with contextlib.suppress(CodecError):  # not plain data: not cached
        store.put("claims", k, (encode(claims.catalog), claims.services, claims.owners), keep=KEEP)
    return claims
