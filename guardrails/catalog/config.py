"""``guardrails.yaml``: parse and validate one file (DESIGN §4).

A hand-written validator over the YAML node tree: it reports every problem at once with
its line, and costs nothing to import (jsonschema would add ~140 ms to every pre-commit run).
``graph/guardrails.schema.json`` describes the same shape for editors; the tests keep the
two in agreement.

Checks that need every source at once (unknown owners and references, duplicates across
files, overlapping paths, cycles) live in :mod:`guardrails.catalog.checks`.

Id rules (decided here, shared by every source):

- team and service names: ``[A-Za-z0-9][A-Za-z0-9._-]*``;
- resource ids are typed, ``kind:name`` with ``kind`` in ``[a-z][a-z0-9_-]*``
  (``topic:user-events``); ``service:`` and ``team:`` are not resource kinds;
- ``depends_on`` takes a bare service name (``schema-registry``) or a typed id
  (``service:schema-registry``, ``api:search``); ``consumes``/``produces`` take resource ids
  only. A resource id that no source declares is accepted as an implicit resource and noted;
- ``schema``: ``path::Class`` or ``path::Outer.Inner`` (a nested class, dotted);
- ``policies``: ``builtin:<name>`` naming a pack shipped with guardrails (``default`` always),
  or a ``.yaml``/``.yml`` path relative to the repository root that exists in the tree.

This module is the file's entry point (:func:`parse_config`, the top-level keys); what it
declares is parsed in :mod:`guardrails.catalog.declarations`, its settings sections in
:mod:`guardrails.catalog.settings`. Every name is re-exported here, as before.
"""

from __future__ import annotations

from guardrails.catalog.declarations import (
    HANDLE_RE,
    MEMBER_RE,
    NAME_RE,
    NON_RESOURCE_KINDS,
    RESOURCE_KEYS,
    SCHEMA_RE,
    SERVICE_KEYS,
    TEAM_KEYS,
    TYPED_ID_RE,
    Declarations,
    FieldKey,
    _resources,
    _teams,
    check_path_pattern,
    check_resource_id,
    id_kind,
    is_typed_id,
    join_pattern,
    parse_service,
    service_from_spec,
)
from guardrails.catalog.model import CONFIG_FILE
from guardrails.catalog.settings import (
    AGENT_KEYS,
    BUILTIN_PREFIX,
    FILE_SOURCE_KEYS,
    FLAG_KINDS,
    FLAG_SOURCE_KEYS,
    INFERENCE_KEYS,
    LIMIT_KEYS,
    LIMITS_KEYS,
    OVERRIDE_SEVERITIES,
    OWNERSHIP_KEYS,
    READER_RE,
    ROLLOUT_KINDS,
    SUPPORTED_VERSION,
    Settings,
    _agents,
    _file_sources,
    _inference,
    _limits,
    _overrides,
    _policies,
    builtin_packs,
    policy_file,
)
from guardrails.catalog.yamltree import Reader, compose
from guardrails.errors import Problem

__all__ = [
    "AGENT_KEYS",
    "BUILTIN_PREFIX",
    "Declarations",
    "FILE_SOURCE_KEYS",
    "FLAG_KINDS",
    "FLAG_SOURCE_KEYS",
    "FieldKey",
    "HANDLE_RE",
    "INFERENCE_KEYS",
    "LIMITS_KEYS",
    "LIMIT_KEYS",
    "MEMBER_RE",
    "NAME_RE",
    "NON_RESOURCE_KINDS",
    "OVERRIDE_SEVERITIES",
    "OWNERSHIP_KEYS",
    "READER_RE",
    "RESOURCE_KEYS",
    "ROLLOUT_KINDS",
    "SCHEMA_RE",
    "SERVICE_KEYS",
    "SUPPORTED_VERSION",
    "Settings",
    "TEAM_KEYS",
    "TOP_KEYS",
    "TYPED_ID_RE",
    "builtin_packs",
    "check_path_pattern",
    "check_resource_id",
    "id_kind",
    "is_typed_id",
    "join_pattern",
    "parse_config",
    "parse_service",
    "policy_file",
    "service_from_spec",
]


TOP_KEYS = (
    "version",
    "teams",
    "agents",
    "services",
    "resources",
    "rollouts",
    "flags",
    "policies",
    "ownership",
    "inference",
    "overrides",
    "protect",
    "limits",
)


def parse_config(text: str, path: str = CONFIG_FILE) -> tuple[Settings, Declarations]:
    """Validate ``guardrails.yaml``'s text; problems (errors and infos) are in ``.problems``."""
    decl = Declarations()
    settings = Settings()
    node, syntax = compose(text, path)
    decl.problems.extend(syntax)
    if syntax:
        return settings, decl
    r = Reader(path, decl.problems)
    if node is None:
        decl.problems.append(
            Problem("the file is empty", path=path, line=1, fix="start it with `version: 1`")
        )
        return settings, decl
    top = r.mapping(node, "top level", TOP_KEYS, required=("version",))
    if top is None:
        return settings, decl

    if "version" in top:
        _, vnode = top["version"]
        version = r.integer(vnode, "version")
        if version is not None and version != SUPPORTED_VERSION:
            r.error(
                vnode, f"unsupported version {version}", fix=f"set `version: {SUPPORTED_VERSION}`"
            )
    if "teams" in top:
        _teams(r, top["teams"][1], decl)
    if "agents" in top:
        settings.agents = _agents(r, top["agents"][1])
    if "services" in top:
        entries = r.mapping(top["services"][1], "services")
        for name, (knode, vnode) in (entries or {}).items():
            service = parse_service(r, name, knode, vnode, decl, what=f"services.{name}")
            if service is not None:
                decl.services.append(service)
    if "resources" in top:
        _resources(r, top["resources"][1], decl)
    if "rollouts" in top:
        settings.rollouts = _file_sources(r, top["rollouts"][1], "rollouts", ROLLOUT_KINDS)
    if "flags" in top:
        settings.flags = _file_sources(r, top["flags"][1], "flags", FLAG_KINDS, FLAG_SOURCE_KEYS)
    if "limits" in top:
        settings.limits = _limits(r, top["limits"][1], decl)
    if "policies" in top:
        settings.policies = _policies(r, top["policies"][1], decl)
    if "ownership" in top:
        own = r.mapping(top["ownership"][1], "ownership", OWNERSHIP_KEYS) or {}
        if "codeowners" in own:
            flag = r.boolean(own["codeowners"][1], "ownership.codeowners")
            settings.codeowners_enabled = True if flag is None else flag
    if "inference" in top:
        settings.inference = _inference(r, top["inference"][1])
    if "overrides" in top:
        settings.overrides = _overrides(r, top["overrides"][1])
    if "protect" in top:
        settings.protect = tuple(
            value
            for value, item in r.strings(top["protect"][1], "protect")
            if check_path_pattern(r, item, value, "protect") is not None
        )
    return settings, decl
