"""The repository-wide settings only ``guardrails.yaml`` can hold: agents, rollouts and flags
sources, limits, policy packs, overrides, ownership and inference switches.
"""

from __future__ import annotations

import functools
import posixpath
import re

import msgspec
import yaml

from guardrails.catalog.declarations import Declarations, _owner, check_path_pattern
from guardrails.catalog.model import AgentIdentities, FileSource, Inference, Limits
from guardrails.catalog.yamltree import Reader, suggest
from guardrails.resources import data_path, may_provide

SUPPORTED_VERSION = 1

BUILTIN_PREFIX = "builtin:"

ROLLOUT_KINDS = ("guardrails", "argo-rollout", "flagger", "kubernetes")
FLAG_KINDS = ("flagd", "python-constants", "absl", "yaml")

AGENT_KEYS = ("emails", "names")

FILE_SOURCE_KEYS = ("path", "kind")
FLAG_SOURCE_KEYS = ("path", "kind", "owner", "readers")
LIMIT_KEYS = ("first_weight", "max_step", "max_factor", "max_unavailable")
LIMITS_KEYS = (*LIMIT_KEYS, "tier", "services")
READER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
OWNERSHIP_KEYS = ("codeowners",)
INFERENCE_KEYS = ("python_imports", "roots", "type_only", "weak")


class Settings(msgspec.Struct):
    """The repository-wide settings only ``guardrails.yaml`` can hold."""

    version: int = SUPPORTED_VERSION
    agents: AgentIdentities = AgentIdentities()
    rollouts: tuple[FileSource, ...] = ()
    flags: tuple[FileSource, ...] = ()
    limits: Limits = Limits()
    policies: tuple[str, ...] = ("builtin:default",)
    codeowners_enabled: bool = True
    inference: Inference = Inference()
    overrides: tuple[tuple[str, str, int], ...] = ()  # (policy id, severity, line), file order
    protect: tuple[str, ...] = ()


OVERRIDE_SEVERITIES = ("block", "warn", "info")


def _overrides(r: Reader, node: yaml.Node) -> tuple[tuple[str, str, int], ...]:
    """``{policy id: severity}``; whether the policy exists (or is locked) is the policy
    loader's question, since packs are read after the config."""
    out: list[tuple[str, str, int]] = []
    for key, (knode, vnode) in (r.mapping(node, "overrides") or {}).items():
        value = r.string(vnode, f"overrides.{key}")
        if value is None:
            continue
        if value not in OVERRIDE_SEVERITIES:
            r.error(
                vnode,
                f"overrides.{key}: unknown severity '{value}'",
                fix="use one of: " + ", ".join(OVERRIDE_SEVERITIES),
            )
            continue
        out.append((key, value, r.origin(knode).line or 1))
    return tuple(out)


def _agents(r: Reader, node: yaml.Node) -> AgentIdentities:
    spec = r.mapping(node, "agents", AGENT_KEYS) or {}
    emails = (
        tuple(v for v, _ in r.strings(spec["emails"][1], "agents.emails"))
        if "emails" in spec
        else ()
    )
    names = (
        tuple(v for v, _ in r.strings(spec["names"][1], "agents.names")) if "names" in spec else ()
    )
    return AgentIdentities(emails, names)


def _policies(r: Reader, node: yaml.Node, decl: Declarations) -> tuple[str, ...]:
    """``builtin:<name>`` or a pack file relative to the repository root.

    Whether a pack file exists is checked with the whole tree (``load.py``): its line is kept
    in ``decl.where`` under ``("policy", ref, "")``.
    """
    refs: list[str] = []
    builtins = builtin_packs()
    for value, item in r.strings(node, "policies"):
        if value.startswith(BUILTIN_PREFIX):
            name = value[len(BUILTIN_PREFIX) :]
            if name not in builtins:
                hint = suggest(name, builtins)
                known = "use one of: " + ", ".join(BUILTIN_PREFIX + b for b in sorted(builtins))
                r.error(
                    item,
                    f"policies: unknown built-in pack '{value}'",
                    fix=f"did you mean '{BUILTIN_PREFIX}{hint}'? or {known}" if hint else known,
                )
                continue
        elif policy_file(value) is None:
            outside = value.startswith("/") or posixpath.normpath(value).split("/")[0] == ".."
            r.error(
                item,
                f"policies: '{value}' is outside the repository"
                if outside
                else f"policies: '{value}' is neither `builtin:<name>` nor a relative path to a "
                ".yaml or .yml file",
                fix="write e.g. `builtin:default` or `./policies/ranking.yaml`",
            )
            continue
        else:
            decl.where.setdefault(("policy", value, ""), r.origin(item))
        refs.append(value)
    return tuple(refs)


def policy_file(ref: str) -> str | None:
    """The repository path a pack reference names (``./policies/a.yaml`` -> ``policies/a.yaml``).

    None when ``ref`` is not a relative ``.yaml``/``.yml`` path inside the repository.
    """
    if ref.startswith(("/", "\\")) or ":" in ref or not ref.endswith((".yaml", ".yml")):
        return None
    path = posixpath.normpath(ref)
    if path == ".." or path.startswith("../") or ref != ref.strip():
        return None
    return path


@functools.cache
def builtin_packs() -> frozenset[str]:
    """Names of the packs shipped with guardrails (``default`` always, the zero-config one)
    and of those installed packages provide (entry point group ``guardrails.policies``)."""
    installed: set[str] = set()
    # importlib.metadata (~25 ms to import) only when a distribution may declare the group.
    if may_provide("guardrails.policies"):
        from importlib.metadata import entry_points

        installed = {ep.name for ep in entry_points(group="guardrails.policies")}
    try:
        folder = data_path("policies")
    except FileNotFoundError:
        return frozenset({"default", *installed})
    shipped = {p.stem for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()}
    return frozenset({"default", *shipped, *installed})


def _file_sources(
    r: Reader,
    node: yaml.Node,
    what: str,
    kinds: tuple[str, ...],
    keys: tuple[str, ...] = FILE_SOURCE_KEYS,
) -> tuple[FileSource, ...]:
    out = []
    for i, item in enumerate(r.sequence(node, what) or []):
        spec = r.mapping(item, f"{what}[{i}]", keys, required=FILE_SOURCE_KEYS)
        if spec is None or not all(k in spec for k in FILE_SOURCE_KEYS):
            continue
        path = r.string(spec["path"][1], f"{what}[{i}].path")
        if path is not None:
            path = check_path_pattern(r, spec["path"][1], path, f"{what}[{i}].path")
        kind = r.string(spec["kind"][1], f"{what}[{i}].kind")
        if kind is not None and kind not in kinds:
            hint = suggest(kind, kinds)
            r.error(
                spec["kind"][1],
                f"{what}[{i}].kind: unknown kind '{kind}'",
                fix=f"did you mean '{hint}'?" if hint else f"use one of: {', '.join(kinds)}",
            )
            kind = None
        owner = _owner(r, spec["owner"][1], f"{what}[{i}].owner") if "owner" in spec else None
        readers: list[str] = []
        if "readers" in spec:
            for value, reader in r.strings(spec["readers"][1], f"{what}[{i}].readers"):
                if READER_RE.match(value):
                    readers.append(value)
                else:
                    r.error(
                        reader,
                        f"{what}[{i}].readers: '{value}' is not a function name",
                        fix="write the name the code calls, e.g. `is_on` or `flags.enabled`",
                    )
        if path is not None and kind is not None:
            out.append(FileSource(path, kind, r.origin(item), owner, tuple(readers)))
    return tuple(out)


def _limit_values(r: Reader, node: yaml.Node, what: str) -> tuple[tuple[str, float], ...]:
    spec = r.mapping(node, what, LIMIT_KEYS) or {}
    out: list[tuple[str, float]] = []
    for key in LIMIT_KEYS:
        if key not in spec:
            continue
        vnode = spec[key][1]
        value = _number(vnode)
        low = 1.0 if key == "max_factor" else 0.0
        if value is None or not low <= value <= (1000.0 if key == "max_factor" else 100.0):
            top = "1000" if key == "max_factor" else "100"
            r.error(
                vnode,
                f"{what}.{key} must be a number from {low:g} to {top}",
                fix=f"write e.g. `{key}: {5 if key == 'max_factor' else 10}`",
            )
            continue
        out.append((key, value))
    return tuple(out)


def _number(node: yaml.Node) -> float | None:
    if not isinstance(node, yaml.ScalarNode) or node.tag not in (
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
    ):
        return None
    try:
        return float(str(node.value).replace("_", ""))
    except ValueError:
        return None


def _limits(r: Reader, node: yaml.Node, decl: Declarations) -> Limits:
    """``limits:`` (step limits of rollouts and flags): defaults, ``tier:``, ``services:``."""
    spec = r.mapping(node, "limits", LIMITS_KEYS)
    if spec is None:
        return Limits()
    top = {k: spec[k] for k in LIMIT_KEYS if k in spec}
    default = Limits().default
    if top:
        mapping = yaml.MappingNode("tag:yaml.org,2002:map", list(top.values()))
        default = default.merged(_limit_values(r, mapping, "limits"))
    tiers: list[tuple[int, tuple[tuple[str, float], ...]]] = []
    if "tier" in spec:
        tnode = spec["tier"][1]
        if not isinstance(tnode, yaml.MappingNode):
            r.error(
                tnode, "limits.tier must be a mapping of tier numbers, e.g. `{0: {max_step: 10}}`"
            )
        else:
            # Tier keys are numbers (`0:`), which Reader.mapping (string keys only) refuses.
            for knode, vnode in tnode.value:
                tier = _number(knode)
                if tier is None or tier != int(tier) or tier < 0:
                    r.error(knode, "limits.tier: keys are tier numbers (0, 1, 2, ...)")
                    continue
                tiers.append((int(tier), _limit_values(r, vnode, f"limits.tier.{int(tier)}")))
    services: list[tuple[str, tuple[tuple[str, float], ...]]] = []
    if "services" in spec:
        for name, (knode, vnode) in (
            r.mapping(spec["services"][1], "limits.services") or {}
        ).items():
            decl.where[("limits", name, "")] = r.origin(knode)  # load.py checks the name exists
            services.append((name, _limit_values(r, vnode, f"limits.services.{name}")))
    return Limits(default, tuple(sorted(tiers)), tuple(sorted(services)))


def _inference(r: Reader, node: yaml.Node) -> Inference:
    spec = r.mapping(node, "inference", INFERENCE_KEYS) or {}
    default = Inference()

    def flag(key: str, fallback: bool) -> bool:
        if key not in spec:
            return fallback
        value = r.boolean(spec[key][1], f"inference.{key}")
        return fallback if value is None else value

    roots: tuple[str, ...] = ()
    if "roots" in spec:
        roots = tuple(v.strip("/") for v, _ in r.strings(spec["roots"][1], "inference.roots"))
    return Inference(
        python_imports=flag("python_imports", default.python_imports),
        roots=roots,
        include_type_only=flag("type_only", default.include_type_only),
        include_weak=flag("weak", default.include_weak),
    )
