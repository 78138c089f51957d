"""The policy packs in force, remembered: parsed and checked once per pack content.

Loading the packs costs every ``check`` the import of PyYAML, a parse of each pack and a
compile of its CEL (~0.07 s of a pre-commit hook), for packs that rarely change. The loader
reports where each pack's text came from (:data:`guardrails.policy.load.Source`); like the
catalog (:mod:`guardrails.cache.world`) there are two entries:

- the *reads* of a set of loader arguments (the ``policies:`` refs, the overrides, the config
  path, where the built-in packs live): which repository paths and built-in files were read;
- the *packs*, keyed by those arguments and a digest of every text read, holding the texts'
  digests again: used only when each one matches what a read gives now.

So editing a pack (in the repository, or the built-in one in a checkout), naming another,
adding an override or upgrading guardrails (its fingerprint is in every key) gives another
key. A pack found through an entry point or a ``.yml`` built-in is never stored: what such a
ref resolves to depends on more than one file. Errors are never stored either: a bad pack is
loaded again, so the user always sees the loader's own message with its file and line.

A ``when`` is stored as its source and compiled again when the entry is read (~0.1 ms
each; a compiled CEL program is no plain data). One that no longer compiles (another CEL
binding) makes the entry a miss: the loader reports it, with its file and line.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec.structs import replace

from guardrails.cache import active
from guardrails.cache.codec import CodecError, Decoder, encode
from guardrails.cache.store import key
from guardrails.policy.cel import CelError, compile_expression
from guardrails.policy.model import Approvals, Pack, Policy, PolicySet

if TYPE_CHECKING:
    from guardrails.policy.load import Source

KIND = "policies"
KEEP = 64  # entries: one per pack set (and content) seen, a few KiB each
ABSENT = "absent"

Read = Callable[[str], "bytes | None"]
Load = Callable[["list[Source]"], PolicySet]


@lru_cache(maxsize=1)
def _decoder() -> Decoder:
    return Decoder((Approvals, Pack, Policy))


def _digest(text: str | None) -> str:
    if text is None:
        return ABSENT
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


def _current(kind: str, where: str, read: Read) -> str | None:
    """The digest of the text the loader would read from ``where`` now (None: unreadable)."""
    if kind == "repo":
        data = read(where)
        return _digest(None if data is None else data.decode("utf-8", "replace"))
    if kind == "builtin":
        try:
            return _digest(Path(where).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return None
    return None


def _encode(policies: PolicySet) -> object:
    return tuple(
        (
            encode(replace(pack, policies=())),
            tuple(
                (encode(replace(p, when=None)), None if p.when is None else p.when.source)
                for p in pack.policies
            ),
        )
        for pack in policies.packs
    )


def _decode(raw: object) -> PolicySet:
    decode = _decoder()
    packs = []
    if not isinstance(raw, tuple):
        raise CodecError("not a tuple of packs")
    for item in raw:
        pack_raw, policies_raw = item
        pack = decode(pack_raw)
        if not isinstance(pack, Pack) or not isinstance(policies_raw, tuple):
            raise CodecError("not a pack")
        policies = []
        for policy_raw, when in policies_raw:
            policy = decode(policy_raw)
            if not isinstance(policy, Policy) or not isinstance(when, (str, type(None))):
                raise CodecError("not a policy")
            if when is not None:
                policy = replace(policy, when=compile_expression(when))
            policies.append(policy)
        packs.append(replace(pack, policies=tuple(policies)))
    return PolicySet(tuple(packs))


def remembered_policies(options: tuple[object, ...], read: Read, load: Load) -> PolicySet:
    """``load(sources)``, or the packs a previous load of the same texts gave.

    ``options``: every loader argument but ``read`` (refs, overrides, config path,
    skip_missing); ``load`` fills the list it is given with the loader's sources.
    """
    store = active()
    if store is None:
        return load([])
    from guardrails.resources import data_path

    try:
        shipped = str(data_path("policies"))
    except FileNotFoundError:
        shipped = ABSENT
    options = (*options, shipped)
    index_key = key("policy-reads", options)
    previous = store.get(KIND, index_key)
    if isinstance(previous, tuple) and all(
        isinstance(r, tuple) and len(r) == 2 and all(isinstance(x, str) for x in r)
        for r in previous
    ):
        ids = tuple((kind, where, _current(kind, where, read)) for kind, where in previous)
        if all(digest is not None for *_, digest in ids):
            raw = store.get(KIND, key("policies", options, ids))
            if isinstance(raw, tuple) and len(raw) == 2 and raw[0] == ids:
                try:
                    return _decode(raw[1])
                except CelError:
                    pass  # compiled when stored, not now: the loader says why
                except (CodecError, TypeError, ValueError):
                    store.rejected += 1
    sources: list[Source] = []
    policies = load(sources)  # a ConfigError propagates: errors are never stored
    if any(kind not in ("repo", "builtin") for kind, _, _ in sources):
        return policies
    read_ids = tuple((kind, where, _digest(text)) for kind, where, text in sources)
    with contextlib.suppress(CodecError):
        payload = (read_ids, _encode(policies))
        store.put(KIND, key("policies", options, read_ids), payload, keep=KEEP)
        store.put(KIND, index_key, tuple((k, w) for k, w, _ in read_ids), keep=KEEP)
    return policies
