"""Read policy packs: YAML with lines, every ``when`` compiled now, every problem at once.

A pack comes from ``builtin:<name>`` (the ``policies/`` directory shipped in the wheel, or an
installed package's entry point in the group ``guardrails.policies``) or from a path in the
repository, read through the same snapshot the config came from (so in ``--base`` mode a
change cannot rewrite the pack that judges it). Nothing here imports code from a pack: CEL
is the only language, and it is sandboxed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import yaml
from msgspec.structs import replace

from guardrails.catalog.config import BUILTIN_PREFIX, policy_file
from guardrails.catalog.yamltree import Reader, compose, line_of
from guardrails.errors import ConfigError, Problem
from guardrails.policy.cel import CelError, compile_expression
from guardrails.policy.model import (
    AFFECTED_OWNERS,
    CHANGED_OWNERS,
    OWNERS_OF,
    SEVERITIES,
    Approvals,
    Pack,
    Policy,
    PolicySet,
    Severity,
)

API_VERSION = "guardrails/v1"
KIND = "PolicyPack"
ENTRY_POINT_GROUP = "guardrails.policies"
PACK_KEYS = ("apiVersion", "kind", "name", "owner", "description", "applies_to", "policies")
POLICY_KEYS = (
    "id",
    "rule",
    "when",
    "severity",
    "require",
    "rationale",
    "runbook",
    "forbid_suppression",
    "locked",
)
REQUIRE_KEYS = ("approvals",)
APPROVAL_KEYS = ("from", "count", "humans", "not_author", "trailers")
POLICY_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")

Read = Callable[[str], "bytes | None"]
# Where each pack's text came from, for a caller that remembers the result
# (guardrails.cache.policies): (kind, where, the text parsed or None), kind one of
# "repo" (where: the repository path read), "builtin" (where: ``<builtin_dir>/<name>.yaml``),
# "other" (a pack found through an entry point, a .yml built-in, an unknown name, a ref that
# names no path: what it resolves to depends on more than one file's content).
Source = tuple[str, str, "str | None"]


def builtin_dir() -> Path:
    from guardrails.resources import data_path

    return data_path("policies")


def _builtin_file(name: str) -> tuple[Path | None, str]:
    """The file of ``builtin:<name>`` and how to name it in messages."""
    for suffix in (".yaml", ".yml"):
        try:
            path = builtin_dir() / f"{name}{suffix}"
        except FileNotFoundError:
            break
        if path.is_file():
            return path, f"{BUILTIN_PREFIX}{name} ({path})"
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            # The entry point names a package (never imported: a pack is data); its pack is
            # <name>.yaml inside it.
            import importlib.util

            spec = importlib.util.find_spec(ep.value.partition(":")[0])
            folders = list(spec.submodule_search_locations or ()) if spec else []
            for folder in folders:
                path = Path(folder) / f"{name}.yaml"
                if path.is_file():
                    return path, f"{BUILTIN_PREFIX}{name} ({ep.value})"
    return None, f"{BUILTIN_PREFIX}{name}"


def load_policies(
    refs: Sequence[str],
    read: Read,
    *,
    overrides: Iterable[tuple[str, str, int]] = (),
    config_path: str = "guardrails.yaml",
    skip_missing: bool = False,
    sources: list[Source] | None = None,
) -> PolicySet:
    """Load and compile the packs ``refs`` name; raises ConfigError listing every problem.

    ``read`` reads a repository path from the revision the config came from;
    ``skip_missing``: a pack file that does not exist is left out (the catalog loader has
    already reported it, with its line); ``sources``: gets where every pack was read from.
    """
    packs: list[Pack] = []
    problems: list[Problem] = []
    noted: list[Source] = [] if sources is None else sources
    for ref in refs:
        text, shown = _read_pack(ref, read, [] if skip_missing else problems, config_path, noted)
        if text is None:
            continue
        pack = parse_pack(text, shown, ref, problems)
        if pack is not None:
            packs.append(pack)
    seen: dict[str, Policy] = {}
    for policy in (p for pack in packs for p in pack.policies):
        if policy.id in seen:
            first = seen[policy.id]
            problems.append(
                Problem(
                    f"policy id '{policy.id}' is also defined at {first.path}:{first.line}",
                    path=policy.path,
                    line=policy.line,
                    fix="give each policy its own id (prefix it with the pack's name)",
                )
            )
        seen.setdefault(policy.id, policy)
    packs = _apply_overrides(packs, tuple(overrides), config_path, problems)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ConfigError(
            f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the policy packs",
            problems=tuple(errors),
        )
    return PolicySet(tuple(packs))


def _read_pack(
    ref: str, read: Read, problems: list[Problem], config_path: str, sources: list[Source]
) -> tuple[str | None, str]:
    if ref.startswith(BUILTIN_PREFIX):
        name = ref[len(BUILTIN_PREFIX) :]
        path, shown = _builtin_file(name)
        if path is None:
            sources.append(("other", ref, None))
            problems.append(
                Problem(f"unknown built-in pack '{ref}'", path=config_path, fix="see `policies:`")
            )
            return None, shown
        shipped = path.read_text(encoding="utf-8")
        first = path.name == f"{name}.yaml" and path.parent == builtin_dir()
        sources.append(("builtin" if first else "other", str(path), shipped))
        return shipped, str(path)
    rel = policy_file(ref)
    data = read(rel) if rel is not None else None
    text = None if data is None else data.decode("utf-8", "replace")
    sources.append(("other", ref, None) if rel is None else ("repo", rel, text))
    if text is None:
        problems.append(
            Problem(
                f"policies: pack file '{ref}' does not exist",
                path=config_path,
                fix="create it, or remove it from `policies:`",
            )
        )
        return None, ref
    return text, rel or ref


def parse_pack(text: str, path: str, ref: str, problems: list[Problem]) -> Pack | None:
    node, syntax = compose(text, path)
    problems.extend(syntax)
    if syntax:
        return None
    r = Reader(path, problems)
    if node is None:
        r.error(None, "the pack is empty", fix=f"start it with `apiVersion: {API_VERSION}`")
        return None
    top = r.mapping(node, "pack", PACK_KEYS, required=("apiVersion", "kind", "name", "policies"))
    if top is None:
        return None
    for key, want in (("apiVersion", API_VERSION), ("kind", KIND)):
        if key in top:
            value = r.string(top[key][1], key)
            if value is not None and value != want:
                r.error(top[key][1], f"{key} must be '{want}', not '{value}'", fix=f"{key}: {want}")
    name = r.string(top["name"][1], "name") if "name" in top else None
    owner = r.string(top["owner"][1], "owner") if "owner" in top else None
    affects: tuple[str, ...] = ()
    if "applies_to" in top:
        applies = r.mapping(top["applies_to"][1], "applies_to", ("affects",)) or {}
        if "affects" in applies:
            affects = tuple(v for v, _ in r.strings(applies["affects"][1], "applies_to.affects"))
            for value, item in r.strings(applies["affects"][1], "applies_to.affects"):
                if ":" not in value:
                    r.error(
                        item,
                        f"applies_to.affects: '{value}' is not a node id",
                        fix=f"write a typed id such as 'team:{value}' or 'service:{value}'",
                    )
    policies: list[Policy] = []
    items = r.sequence(top["policies"][1], "policies") if "policies" in top else None
    for item in items or ():
        policy = _policy(r, item, ref)
        if policy is not None:
            policies.append(policy)
    return Pack(name or ref, ref, path, owner, affects, tuple(policies))


def _policy(r: Reader, node: yaml.Node, ref: str) -> Policy | None:
    fields = r.mapping(node, "policy", POLICY_KEYS, required=("id",))
    if fields is None or "id" not in fields:
        return None
    pid = r.string(fields["id"][1], "id")
    if pid is None:
        return None
    what = f"policy {pid}"
    if not POLICY_ID_RE.match(pid):
        r.error(fields["id"][1], f"{what}: id must be letters, digits, '.', '_' or '-'")
    rules: tuple[str, ...] = ()
    if "rule" in fields:
        rnode = fields["rule"][1]
        if isinstance(rnode, yaml.SequenceNode):
            rules = tuple(v for v, _ in r.strings(rnode, f"{what}: rule"))
        else:
            one = r.string(rnode, f"{what}: rule")
            rules = (one,) if one else ()
    when = None
    if "when" in fields:
        wnode = fields["when"][1]
        source = r.string(wnode, f"{what}: when")
        if source is not None:
            try:
                when = compile_expression(source)
            except CelError as exc:
                r.error(
                    wnode,
                    f"{what}: `when` is not valid CEL: {exc}",
                    fix="fix the expression (variables: change, impact, findings, approvals, "
                    "finding)",
                )
    severity: Severity | None = None
    if "severity" in fields:
        value = r.string(fields["severity"][1], f"{what}: severity")
        if value is not None and value not in SEVERITIES:
            r.error(
                fields["severity"][1],
                f"{what}: unknown severity '{value}'",
                fix="use one of: " + ", ".join(SEVERITIES),
            )
        elif value is not None:
            severity = value
    require = _require(r, fields["require"][1], what) if "require" in fields else None
    if not rules and require is None:
        r.error(
            node,
            f"{what}: a policy without `rule` must `require` approvals",
            fix="name the rule it grades (`rule: safety.shell`) or add `require: {approvals: ...}`",
        )

    def text(key: str) -> str | None:
        return r.string(fields[key][1], f"{what}: {key}") if key in fields else None

    def flag(key: str) -> bool:
        return bool(r.boolean(fields[key][1], f"{what}: {key}")) if key in fields else False

    return Policy(
        id=pid,
        pack=ref,
        path=r.path,
        line=line_of(node),
        rules=rules,
        when=when,
        severity=severity,
        require=require,
        rationale=text("rationale"),
        runbook=text("runbook"),
        forbid_suppression=flag("forbid_suppression"),
        locked=flag("locked"),
    )


def _require(r: Reader, node: yaml.Node, what: str) -> Approvals | None:
    req = r.mapping(node, f"{what}: require", REQUIRE_KEYS, required=("approvals",))
    if not req or "approvals" not in req:
        return None
    fields = r.mapping(req["approvals"][1], f"{what}: require.approvals", APPROVAL_KEYS) or {}
    sources: tuple[str, ...] = (AFFECTED_OWNERS,)
    if "from" in fields:
        fnode = fields["from"][1]
        if isinstance(fnode, yaml.SequenceNode):
            sources = tuple(v for v, _ in r.strings(fnode, f"{what}: require.approvals.from"))
        else:
            one = r.string(fnode, f"{what}: require.approvals.from")
            sources = (one,) if one else ()
        for value in sources:
            if value not in (AFFECTED_OWNERS, CHANGED_OWNERS) and not value.startswith(
                ("team:", "user:", OWNERS_OF)
            ):
                r.error(
                    fnode,
                    f"{what}: require.approvals.from: unknown source '{value}'",
                    fix="use affected-owners, changed-owners, owners-of:<node id> or a list "
                    "of team:<name>",
                )
    count = 1
    if "count" in fields:
        count = r.integer(fields["count"][1], f"{what}: require.approvals.count", minimum=1) or 1

    def flag(key: str) -> bool:
        if key not in fields:
            return True
        value = r.boolean(fields[key][1], f"{what}: require.approvals.{key}")
        return True if value is None else value

    return Approvals(sources, count, flag("humans"), flag("not_author"), flag("trailers"))


def _apply_overrides(
    packs: list[Pack],
    overrides: tuple[tuple[str, str, int], ...],
    config: str,
    problems: list[Problem],
) -> list[Pack]:
    if not overrides:
        return packs
    wanted = {key: severity for key, severity, _ in overrides}
    lines = {key: line for key, _, line in overrides}
    out = []
    known: set[str] = set()
    for pack in packs:
        policies = []
        for p in pack.policies:
            key = p.qualified_id if p.qualified_id in wanted else p.id
            known.update({p.id, p.qualified_id})
            severity = wanted.get(key)
            if severity is None or severity == p.severity:
                policies.append(p)
            elif p.locked:
                problems.append(
                    Problem(
                        f"overrides: policy '{key}' is locked; its severity stays "
                        f"{p.severity or 'the rule default'}",
                        path=config,
                        line=lines[key],
                        fix=f"remove '{key}' from `overrides:` (the pack's owner can unlock it)",
                    )
                )
                policies.append(p)
            else:
                policies.append(replace(p, severity=severity))
        out.append(replace(pack, policies=tuple(policies)))
    for key in sorted(set(wanted) - known):
        problems.append(
            Problem(
                f"overrides: no policy '{key}' in the packs in force",
                path=config,
                line=lines[key],
                fix="use a policy id `guardrails policies list` shows",
            )
        )
    return out
