"""rollout.step-too-large: a rollout that moves too much traffic in one step.

A canary protects only the share of traffic it holds: Cloudflare's 2025-12-05 killswitch
reached ~28 % of traffic at once, and a plan that jumps from 5 % to 100 % is a global push
with extra steps. Limits come from ``limits:`` in guardrails.yaml (defaults: a first weight
of at most 10 %, steps of at most 25 points; per tier, then per service):

- ``guardrails`` files: ``canary_percent`` raised by more than ``max_step``, or a new one
  above ``first_weight``;
- Argo Rollouts: the first ``setWeight`` above ``first_weight``, a ``setWeight`` more than
  ``max_step`` above the previous one, ``setWeight: 100`` before the last step;
- Flagger: the same over the weights ``stepWeights`` lists, or that ``stepWeight`` walks up
  to ``maxWeight``;
- Kubernetes ``Deployment``: ``maxUnavailable`` raised to ``max_unavailable`` (50 %) or more,
  or ``strategy.type: Recreate``, on a tier-0/1 service.

Only what the change does is judged: a problem the base revision's plan already had is not
reported again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from guardrails.catalog.model import DEFAULT_TIER, StepLimits
from guardrails.findings import Finding
from guardrails.rules._files import rollout_pairs, rollout_service, service_related
from guardrails.rules.base import Case, Expect, Rule, RuleContext

if TYPE_CHECKING:  # the parsers import PyYAML: loaded when a change has such a file
    from guardrails.semantic.rollouts import Rollout


# A NamedTuple, not a dataclass: every check imports this module and few use the class
# (a frozen dataclass costs ~0.8 ms to create, a NamedTuple ~0.1 ms).
class Problem(NamedTuple):
    key: str  # what is wrong, without its line: compared between base and head
    line: int
    message: str
    fix: str


class RolloutStepTooLarge(Rule):
    id = "rollout.step-too-large"
    default_severity = "block"
    summary = "a rollout step (first weight, increase, maxUnavailable) above the limits"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for path, base, new in rollout_pairs(ctx):
            service = rollout_service(ctx, path, new)
            svc = ctx.catalog.services.get(service) if service else None
            tier = svc.tier if svc else DEFAULT_TIER
            limits = ctx.catalog.limits.for_service(service, tier)
            if new.format == "guardrails":
                found = _canary_percent(base, new, limits)
            else:
                before = {p.key for p in _problems(base, limits, tier)} if base else set()
                found = [p for p in _problems(new, limits, tier) if p.key not in before]
            related = service_related(ctx, path, new)
            for p in found:
                yield self.finding(path, p.line, p.message, p.fix, related=related)


def _canary_percent(base: Rollout | None, new: Rollout, limits: StepLimits) -> list[Problem]:
    from guardrails.semantic.rollouts import percent

    now = percent(new.get("canary_percent"))
    was = percent(base.get("canary_percent")) if base is not None else None
    if now is None or now == was:
        return []
    line = new.line_of("canary_percent")
    if was is None:
        if now > limits.first_weight:
            return [
                Problem(
                    "first",
                    line,
                    f"canary_percent starts at {now:g} %, above the first-step limit of "
                    f"{limits.first_weight:g} %",
                    f"start the canary at {limits.first_weight:g} %: `canary_percent: "
                    f"{limits.first_weight:g}`",
                )
            ]
        return []
    if now - was > limits.max_step:
        return [
            Problem(
                "step",
                line,
                f"canary_percent raised from {was:g} % to {now:g} %: {now - was:g} points in one "
                f"change, above the limit of {limits.max_step:g}",
                f"raise it by at most {limits.max_step:g} points: `canary_percent: "
                f"{min(100.0, was + limits.max_step):g}`, then more in a later change",
            )
        ]
    return []


def _weights(rollout: Rollout) -> tuple[tuple[float, int], ...]:
    from guardrails.semantic.rollouts import argo_weights

    if rollout.format == "argo-rollout":
        return argo_weights(rollout.argo_steps())
    if rollout.format == "flagger":
        return rollout.flagger_weights()
    return ()


def _problems(rollout: Rollout, limits: StepLimits, tier: int) -> list[Problem]:
    from guardrails.semantic.rollouts import percent

    out: list[Problem] = []
    what = "setWeight" if rollout.format == "argo-rollout" else "weight"
    weights = _weights(rollout)
    if weights and weights[0][0] > limits.first_weight:
        w, line = weights[0]
        out.append(
            Problem(
                f"first:{w:g}",
                line,
                f"the first {what} is {w:g} %, above the first-step limit of "
                f"{limits.first_weight:g} %",
                f"start with {limits.first_weight:g} %: "
                + (
                    f"`- setWeight: {limits.first_weight:g}`"
                    if rollout.format == "argo-rollout"
                    else f"put {limits.first_weight:g} first in `stepWeights`, or lower "
                    "`stepWeight`"
                ),
            )
        )
    seen_lines: set[int] = set()
    for (a, _), (b, line) in zip(weights, weights[1:], strict=False):
        if b - a > limits.max_step and line not in seen_lines:
            seen_lines.add(line)  # Flagger's stepWeight: one finding, not one per step
            out.append(
                Problem(
                    f"step:{b:g}",  # by target: a step inserted before it does not re-report it
                    line,
                    f"{what} {a:g} % -> {b:g} % adds {b - a:g} points in one step, above the "
                    f"limit of {limits.max_step:g}",
                    f"add a step at {min(100.0, a + limits.max_step):g} % between {a:g} % and "
                    f"{b:g} %",
                )
            )
    steps = rollout.argo_steps() if rollout.format == "argo-rollout" else None
    if steps:
        full = next(
            (i for i, s in enumerate(steps) if s.weight is not None and s.weight >= 100), None
        )
        if full is not None and full < len(steps) - 1:
            out.append(
                Problem(
                    "full-early",
                    steps[full].line,
                    "setWeight: 100 before the last step: every user gets the canary while "
                    "steps are still to run",
                    "remove `setWeight: 100` (the Rollout promotes after its last step), or move "
                    "it to the end",
                )
            )
    if rollout.format == "flagger":
        listed = rollout.get("spec", "analysis", "stepWeights")
        if isinstance(listed, list) and any(percent(w) == 100 for w in listed[:-1]):
            i = next(i for i, w in enumerate(listed) if percent(w) == 100)
            out.append(
                Problem(
                    "full-early",
                    rollout.line_of("spec", "analysis", "stepWeights", i),
                    "stepWeights reaches 100 % before its last step",
                    "end `stepWeights` below 100: Flagger promotes after the last step",
                )
            )
    if rollout.format == "kubernetes" and tier <= 1:
        out.extend(_deployment(rollout, limits, tier))
    return out


def _deployment(rollout: Rollout, limits: StepLimits, tier: int) -> list[Problem]:
    strategy = ("spec", "strategy")
    if rollout.get(*strategy, "type") == "Recreate":
        return [
            Problem(
                "recreate",
                rollout.line_of(*strategy, "type"),
                f"strategy Recreate on tier-{tier} Deployment {rollout.name}: every pod stops "
                "before the new ones start",
                "use `type: RollingUpdate` with `maxUnavailable: 25%`",
            )
        ]
    raw = rollout.get(*strategy, "rollingUpdate", "maxUnavailable")
    share = _share(raw, rollout.get("spec", "replicas"))
    if share is None or share < limits.max_unavailable:
        return []
    return [
        Problem(
            "max-unavailable",
            rollout.line_of(*strategy, "rollingUpdate", "maxUnavailable"),
            f"maxUnavailable {raw} on tier-{tier} Deployment {rollout.name}: {share:g} % of its "
            f"pods may be down at once (limit {limits.max_unavailable:g} %)",
            "keep `maxUnavailable` at 25% or lower (and `maxSurge: 25%` to keep capacity)",
        )
    ]


def _share(raw: object, replicas: object) -> float | None:
    from guardrails.semantic.rollouts import percent

    """maxUnavailable as a percentage of the replicas (Kubernetes defaults to 1 replica)."""
    if isinstance(raw, str) and raw.strip().endswith("%"):
        return percent(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        count = replicas if isinstance(replicas, int) and replicas > 0 else 1
        return 100.0 if raw >= count else 100.0 * raw / count
    return None


STAGED = "deploy/feature_store/rollout.yaml"
ARGO = "deploy/growth/argo/growth.yaml"
FLAGGER = "deploy/growth/flagger/canary.yaml"
K8S = "deploy/ranker/k8s/deployment.yaml"

_STAGED = """\
service: feature-store
stages: [staging, canary, production]
versions: {staging: "3.1.0", canary: "3.0.0", production: "3.0.0"}
canary_percent: 5   # share of traffic the canary takes
"""

_ARGO = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: growth-app
spec:
  strategy:
    canary:
      steps:
      - setWeight: 5
      - pause: {duration: 1h}
      - setWeight: 20
      - pause: {}
      - setWeight: 40
      - pause: {duration: 10m}
      - setWeight: 60
"""

_FLAGGER = """\
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: growth-app
spec:
  analysis:
    interval: 1m
    threshold: 10
    maxWeight: 50
    stepWeight: 10
"""

_K8S = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ranker
spec:
  replicas: 4
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 1
"""

RolloutStepTooLarge.INVALID = (
    Case(
        _STAGED,
        _STAGED.replace("canary_percent: 5", "canary_percent: 100"),
        path=STAGED,
        expect=(Expect(4, "block", ("raised from 5 % to 100 %: 95 points",)),),
    ),
    Case(
        None,
        _STAGED.replace("canary_percent: 5", "canary_percent: 50"),
        path=STAGED,
        expect=(Expect(4, "block", ("starts at 50 %",)),),
        note="a new rollout file with an unsafe first step",
    ),
    Case(
        _ARGO,
        _ARGO.replace("setWeight: 40", "setWeight: 100"),
        path=ARGO,
        expect=(
            Expect(13, "block", ("setWeight 20 % -> 100 % adds 80 points",)),
            Expect(13, "block", ("setWeight: 100 before the last step",)),
        ),
    ),
    Case(
        _ARGO,
        _ARGO.replace("setWeight: 5\n", "setWeight: 25\n"),
        path=ARGO,
        expect=(Expect(9, "block", ("the first setWeight is 25 %",)),),
    ),
    Case(
        _FLAGGER,
        _FLAGGER.replace("stepWeight: 10", "stepWeight: 50"),
        path=FLAGGER,
        expect=(Expect(10, "block", ("the first weight is 50 %",)),),
    ),
    Case(
        _FLAGGER,
        _FLAGGER.replace("    stepWeight: 10\n", "    stepWeights: [1, 2, 50, 80]\n"),
        path=FLAGGER,
        expect=(Expect(10, "block", ("weight 2 % -> 50 % adds 48 points",)),),
    ),
    Case(
        _K8S,
        _K8S.replace("maxUnavailable: 1", "maxUnavailable: 50%"),
        path=K8S,
        expect=(Expect(11, "block", ("maxUnavailable 50% on tier-1 Deployment ranker",)),),
    ),
    Case(
        _K8S,
        _K8S.replace("maxUnavailable: 1", "maxUnavailable: 3"),
        path=K8S,
        expect=(Expect(11, "block", ("75 % of its pods",)),),
    ),
    Case(
        _ARGO.replace("growth-app", "event-bus"),
        _ARGO.replace("growth-app", "event-bus").replace("setWeight: 20", "setWeight: 18"),
        path="deploy/event_bus/argo/event-bus.yaml",
        expect=(Expect(11, "block", ("adds 13 points in one step, above the limit of 10",)),),
        note="tier 0 takes steps of at most 10 points (limits.tier)",
    ),
)

RolloutStepTooLarge.VALID = (
    Case(
        _STAGED,
        _STAGED.replace("canary_percent: 5", "canary_percent: 25"),
        path=STAGED,
        note="5 -> 25: within the default 25 points",
    ),
    Case(_ARGO, _ARGO.replace("setWeight: 60", "setWeight: 50"), path=ARGO, note="smaller steps"),
    Case(None, _ARGO, path=ARGO, note="a new Rollout with a sane plan"),
    Case(
        _ARGO.replace("setWeight: 5\n", "setWeight: 25\n"),
        _ARGO.replace("setWeight: 5\n", "setWeight: 25\n").replace("1h", "2h"),
        path=ARGO,
        note="the base plan already started at 25 %: the change did not do it",
    ),
    Case(
        _ARGO.replace("growth-app", "ranker"),
        _ARGO.replace("growth-app", "ranker").replace("setWeight: 5\n", "setWeight: 20\n"),
        path="deploy/ranker/argo/ranker.yaml",
        note="ranker's own limit allows a first weight of 20 (limits.services)",
    ),
    Case(
        _K8S,
        _K8S.replace("maxUnavailable: 1", "maxUnavailable: 25%"),
        path=K8S,
        note="25 % unavailable is the Kubernetes default",
    ),
    Case(
        _K8S.replace("ranker", "growth-app"),
        _K8S.replace("ranker", "growth-app").replace("maxUnavailable: 1", "maxUnavailable: 50%"),
        path="deploy/growth/k8s/deployment.yaml",
        note="a tier-2 service may take half its pods down",
    ),
    Case(
        _FLAGGER,
        _FLAGGER.replace("    stepWeight: 10\n", "    stepWeights: [1, 2, 10, 20, 45]\n"),
        path=FLAGGER,
    ),
)
