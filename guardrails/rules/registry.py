"""Which rules exist: the built-ins and the installed plugins, loaded on first use.

Plugins come only from installed packages (entry point group ``guardrails.rules``), never
from the change under review. Each entry point names a Rule subclass (or an instance).
"""

from __future__ import annotations

import functools
import importlib

from guardrails.errors import GuardrailsError
from guardrails.rules.base import Rule

ENTRY_POINT_GROUP = "guardrails.rules"

BUILTIN = (
    "guardrails.rules.api_breaking_change:ApiBreakingChange",
    "guardrails.rules.data_schema_break:DataSchemaBreak",
    "guardrails.rules.flags_default_flip:FlagsDefaultFlip",
    "guardrails.rules.flags_new_flag_unsafe:FlagsNewFlagUnsafe",
    "guardrails.rules.flags_reused_key:FlagsReusedKey",
    "guardrails.rules.flags_rollout_jump:FlagsRolloutJump",
    "guardrails.rules.graph_private_import:GraphPrivateImport",
    "guardrails.rules.guardrails_config_invalid:GuardrailsConfigInvalid",
    "guardrails.rules.guardrails_self_protect:GuardrailsSelfProtect",
    "guardrails.rules.ownership_cross_team:OwnershipCrossTeam",
    "guardrails.rules.ownership_self_approval:OwnershipSelfApproval",
    "guardrails.rules.ownership_unowned:OwnershipUnowned",
    "guardrails.rules.parse_error:ParseError",
    "guardrails.rules.rollout_stage_skip:RolloutStageSkip",
    "guardrails.rules.rollout_step_too_large:RolloutStepTooLarge",
    "guardrails.rules.safety_shell:SafetyShell",
    "guardrails.rules.safety_os_system:SafetyOsSystem",
    "guardrails.rules.safety_eval:SafetyEval",
    "guardrails.rules.safety_pickle:SafetyPickle",
    "guardrails.rules.safety_yaml_load:SafetyYamlLoad",
    "guardrails.rules.safety_tls_verify_off:SafetyTlsVerifyOff",
    "guardrails.rules.safety_no_timeout:SafetyNoTimeout",
    "guardrails.rules.safety_secret:SafetySecret",
    "guardrails.rules.safety_swallowed_exception:SafetySwallowedException",
)


def _instance(obj: object, origin: str) -> Rule:
    rule = obj() if isinstance(obj, type) else obj
    if not isinstance(rule, Rule) or not rule.id:
        raise GuardrailsError(
            f"rule plugin {origin} is not a guardrails Rule with an id",
            fix="subclass guardrails.rules.base.Rule and set `id`",
        )
    return rule


def builtin_rules() -> tuple[Rule, ...]:
    out = []
    for spec in BUILTIN:
        module, _, name = spec.partition(":")
        out.append(_instance(getattr(importlib.import_module(module), name), spec))
    return tuple(out)


def _may_provide(group: str) -> bool:
    """Whether any installed distribution may declare ``group`` (see
    :func:`guardrails.resources.plugin_declarations`: no ``importlib.metadata`` import when
    none can)."""
    from guardrails.resources import may_provide

    return may_provide(group)


def plugin_rules() -> tuple[Rule, ...]:
    if not _may_provide(ENTRY_POINT_GROUP):
        return ()
    from importlib.metadata import entry_points

    out = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        origin = f"{ep.name} = {ep.value}"
        try:
            loaded = ep.load()
        except Exception as e:  # a broken plugin must stop the gate, not silently skip
            raise GuardrailsError(
                f"rule plugin {origin} failed to load: {e}",
                fix=f"fix or uninstall the package that provides {ep.value}",
            ) from e
        out.append(_instance(loaded, origin))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """Built-in rules then plugins, sorted by id; duplicate ids are an error."""
    rules = builtin_rules() + plugin_rules()
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen:
            raise GuardrailsError(
                f"two rules share the id {rule.id}: {type(seen[rule.id]).__module__} and "
                f"{type(rule).__module__}",
                fix="uninstall one of the plugins or rename its rule",
            )
        seen[rule.id] = rule
    return tuple(sorted(rules, key=lambda r: r.id))
