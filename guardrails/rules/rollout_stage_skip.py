"""rollout.stage-skip: a change that lets a release skip a stage of its rollout.

Global pushes cause the largest outages: Cloudflare's 2019 WAF rule went to every machine at
once, CrowdStrike's Channel File 291 to ~8.5M hosts, Google Cloud's 2025 quota policy to
every region within seconds. A staged rollout only protects when each stage runs what the
stage before it already ran, and when the gates between weights (pauses, analyses,
experiments) stay in the plan.

What counts (only what the change does; an untouched file, or a sane new file, is fine):

- ``guardrails`` files: a stage set to a version the previous stage did not run in the base
  revision (a rollback to a version the stage or a later one already runs is fine); two
  stages changed in one change; a first stage that is production; a stage removed;
- Argo Rollouts: canary ``steps`` removed or emptied (a plain rolling update), a ``pause``,
  ``analysis`` or ``experiment`` step removed before the final weight, the background
  ``analysis`` removed; blue-green ``autoPromotionEnabled`` turned on, its
  ``prePromotionAnalysis`` removed, or (auto-promotion on) its ``autoPromotionSeconds`` wait;
- Flagger: ``skipAnalysis: true``, or analysis ``metrics`` / ``webhooks`` removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from msgspec.structs import replace

from guardrails.findings import Finding
from guardrails.rules._files import rollout_pairs, service_related
from guardrails.rules.base import Case, Expect, Rule, RuleContext

if TYPE_CHECKING:  # the parsers import PyYAML: loaded when a change has such a file
    from guardrails.semantic.rollouts import Rollout, Step

PRODUCTION = frozenset({"production", "prod", "prd", "live"})


class RolloutStageSkip(Rule):
    id = "rollout.stage-skip"
    default_severity = "block"
    summary = "a promotion that skips a stage, or canary steps and analysis removed"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for path, base, new in rollout_pairs(ctx):
            found: Iterator[Finding] = iter(())
            if new.format == "guardrails":
                found = self._staged(path, base, new)
            elif new.format == "argo-rollout":
                found = self._argo(path, base, new)
            elif new.format == "flagger":
                found = self._flagger(path, base, new)
            related = service_related(ctx, path, new)
            for f in found:
                yield replace(f, related=related) if related else f

    # -- guardrails ---------------------------------------------------------------------------
    def _staged(self, path: str, base: Rollout | None, new: Rollout) -> Iterator[Finding]:
        stages = new.stages()
        at = new.line_of("stages" if new.get("stages") is not None else "versions")
        if stages and stages[0] in PRODUCTION and (base is None or base.stages() != stages):
            yield self.finding(
                path,
                at,
                f"{stages[0]} is the first stage: a release reaches it with no earlier stage",
                f"add the stages before {stages[0]}: `stages: [staging, canary, {stages[0]}]`",
            )
        if base is None:
            return
        removed = [s for s in base.stages() if s not in stages]
        if removed:
            yield self.finding(
                path,
                at,
                f"stage {', '.join(removed)} removed from the rollout: releases now skip it",
                f"keep `stages: [{', '.join(base.stages())}]`; remove a stage in a change of its "
                "own, reviewed by the service owners",
            )
        was, now = base.versions(), new.versions()
        changed = [s for s in stages if s in now and now[s] != was.get(s)]
        skips = []
        for stage in changed:
            i = stages.index(stage)
            version = now[stage]
            # A rollback to what this stage or a later one already runs is always allowed.
            if i == 0 or version in {was.get(s) for s in stages[i:]}:
                continue
            prev = stages[i - 1]
            if version == was.get(prev):
                continue
            skips.append(stage)
            had = was.get(prev)
            earlier = next((s for s in stages[: i - 1][::-1] if was.get(s) == version), None)
            fix = (
                f"promote to {prev} first: set {prev} to {version}, which {earlier} already runs"
                if earlier
                else f"set {stage} back to {was.get(stage, 'its base version')}; release "
                f"{version} to {stages[0]} first and promote it one stage at a time"
            )
            yield self.finding(
                path,
                new.line_of("versions", stage),
                f"{stage} set to {version}, which {prev} did not run in the base revision"
                + (f" ({prev} runs {had})" if had else ""),
                fix,
            )
        if len(changed) > 1 and not skips:
            first, *rest = changed
            yield self.finding(
                path,
                new.line_of("versions", rest[0]),
                f"{' and '.join(changed)} changed in one change: each stage must run a release "
                "before the next one gets it",
                f"promote {first} in this change and {', '.join(rest)} in a later one",
            )

    # -- Argo Rollouts ------------------------------------------------------------------------
    def _argo(self, path: str, base: Rollout | None, new: Rollout) -> Iterator[Finding]:
        from guardrails.semantic.rollouts import GATES

        if base is None:
            return
        strategy = new.argo_strategy()
        old_steps, new_steps = base.argo_steps(), new.argo_steps()
        canary = ("spec", "strategy", "canary")
        if base.argo_strategy() == "canary" and strategy != "blueGreen":
            if old_steps and not new_steps:
                yield self.finding(
                    path,
                    new.line_of(*canary, "steps"),
                    f"canary steps removed from Rollout {new.name}: it now replaces every pod "
                    "at once, like a plain rolling update",
                    "restore the `steps:` (setWeight, pause, analysis) of the base revision",
                )
            elif old_steps and new_steps:
                lost = _gates(old_steps) - _gates(new_steps)
                for kind in GATES:
                    if lost.get(kind):
                        yield self.finding(
                            path,
                            new.line_of(*canary, "steps"),
                            f"{lost[kind]} `{kind}` step(s) removed before the final weight of "
                            f"Rollout {new.name}: traffic moves on without that gate",
                            f"keep the `{kind}` step before the next `setWeight`",
                        )
            if base.get(*canary, "analysis") is not None and new.get(*canary, "analysis") is None:
                yield self.finding(
                    path,
                    new.line_of(*canary),
                    f"background analysis removed from Rollout {new.name}: nothing aborts a "
                    "bad canary between steps any more",
                    "restore `canary.analysis` (the AnalysisTemplate the base revision ran)",
                )
        if base.argo_strategy() == "blueGreen" and strategy == "blueGreen":
            blue = ("spec", "strategy", "blueGreen")
            if base.get(*blue, "autoPromotionEnabled") is False and (
                new.get(*blue, "autoPromotionEnabled") is not False
            ):
                yield self.finding(
                    path,
                    new.line_of(*blue, "autoPromotionEnabled"),
                    f"blue-green auto-promotion turned on for Rollout {new.name}: the new "
                    "version takes all traffic with no one promoting it",
                    "keep `autoPromotionEnabled: false` and promote with "
                    "`kubectl argo rollouts promote`",
                )
            was, now = (
                base.get(*blue, "autoPromotionSeconds"),
                new.get(*blue, "autoPromotionSeconds"),
            )
            if (
                new.get(*blue, "autoPromotionEnabled") is not False
                and base.get(*blue, "autoPromotionEnabled") is not False
                and isinstance(was, int)
                and was > 0
                and not (isinstance(now, int) and now > 0)
            ):
                yield self.finding(
                    path,
                    new.line_of(*blue, "autoPromotionSeconds"),
                    f"autoPromotionSeconds ({was} s) removed from Rollout {new.name}: the preview "
                    "is promoted the moment it is ready",
                    f"keep `autoPromotionSeconds: {was}` (or turn auto-promotion off)",
                )
            if base.get(*blue, "prePromotionAnalysis") is not None and (
                new.get(*blue, "prePromotionAnalysis") is None
            ):
                yield self.finding(
                    path,
                    new.line_of(*blue),
                    f"prePromotionAnalysis removed from Rollout {new.name}: the preview is "
                    "promoted untested",
                    "restore `prePromotionAnalysis` from the base revision",
                )

    # -- Flagger ------------------------------------------------------------------------------
    def _flagger(self, path: str, base: Rollout | None, new: Rollout) -> Iterator[Finding]:
        if new.get("spec", "skipAnalysis") is True and (
            base is None or base.get("spec", "skipAnalysis") is not True
        ):
            yield self.finding(
                path,
                new.line_of("spec", "skipAnalysis"),
                f"skipAnalysis: true on Canary {new.name}: Flagger promotes the new version "
                "without running the canary analysis",
                "remove `skipAnalysis: true` (or set it to false)",
            )
        if base is None:
            return
        for part in ("metrics", "webhooks"):
            lost = sorted(
                _names(base.get("spec", "analysis", part))
                - _names(new.get("spec", "analysis", part))
            )
            if lost:
                yield self.finding(
                    path,
                    new.line_of("spec", "analysis", part),
                    f"analysis {part} removed from Canary {new.name}: {', '.join(lost)}",
                    f"restore the {part} {', '.join(lost)} in `spec.analysis.{part}`",
                )


class _Counts(dict[str, int]):
    def __sub__(self, other: _Counts) -> _Counts:
        return _Counts({k: v - other.get(k, 0) for k, v in self.items() if v > other.get(k, 0)})


def _gates(steps: tuple[Step, ...]) -> _Counts:
    """How many pause / analysis / experiment steps come before the final weight."""
    from guardrails.semantic.rollouts import GATES

    last = max((i for i, s in enumerate(steps) if s.kind == "setWeight"), default=len(steps))
    out = _Counts()
    for s in steps[:last]:
        if s.kind in GATES:
            out[s.kind] = out.get(s.kind, 0) + 1
    return out


def _names(items: object) -> set[str]:
    if not isinstance(items, list):
        return set()
    return {str(i.get("name")) for i in items if isinstance(i, dict) and i.get("name") is not None}


STAGED = "deploy/event_bus/rollout.yaml"
ARGO = "deploy/ranker/argo/ranker.yaml"
FLAGGER = "deploy/ranker/flagger/canary.yaml"

_STAGED_BASE = """\
# event-bus: one file per service; promotion = editing versions
service: event-bus
stages: [staging, canary, production]     # order matters
versions: {staging: "1.5.0", canary: "1.4.0", production: "1.4.0"}
canary_percent: 5
"""

_STAGED_BLOCK = """\
service: event-bus
stages: [staging, canary, production]
versions:
  staging: "1.5.0"
  canary: "1.4.0"
  production: "1.4.0"
"""

_ARGO = """\
# ranker is rolled out by Argo Rollouts; the Service below routes to its pods.
apiVersion: v1
kind: Service
metadata:
  name: ranker
spec:
  ports:
  - port: 80
    targetPort: http
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: ranker
spec:
  replicas: 5
  template:
    spec:
      containers:
      - name: ranker
        image: ghcr.io/acme/ranker:2.0.3
  strategy:
    canary:
      analysis:              # background analysis, from the first step on
        templates:
        - templateName: success-rate
      steps:
      - setWeight: 10
      - pause: {duration: 10m}
      - setWeight: 30
      - analysis:
          templates:
          - templateName: success-rate
      - setWeight: 60
      - pause: {}            # wait for a human
"""

_BLUE = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: ranker
spec:
  strategy:
    blueGreen:
      activeService: ranker-active
      previewService: ranker-preview
      autoPromotionEnabled: false
      prePromotionAnalysis:
        templates:
        - templateName: smoke-tests
"""

_FLAGGER = """\
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: ranker
  namespace: ranking
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ranker
  analysis:
    interval: 1m
    threshold: 5
    stepWeights: [1, 5, 10, 25, 50]
    metrics:
    - name: request-success-rate
      thresholdRange: {min: 99}
      interval: 1m
    - name: request-duration
      thresholdRange: {max: 500}
    webhooks:
    - name: load-test
      url: http://flagger-loadtester.test/
"""

RolloutStageSkip.INVALID = (
    Case(
        _STAGED_BASE,
        _STAGED_BASE.replace('production: "1.4.0"', 'production: "1.5.0"'),
        path=STAGED,
        expect=(
            Expect(
                4,
                "block",
                ("production set to 1.5.0, which canary did not run", "(canary runs 1.4.0)"),
            ),
        ),
        note="production skips canary",
    ),
    Case(
        _STAGED_BLOCK,
        _STAGED_BLOCK.replace('canary: "1.4.0"', 'canary: "1.5.0"').replace(
            'production: "1.4.0"', 'production: "1.5.0"'
        ),
        path=STAGED,
        expect=(Expect(6, "block", ("production set to 1.5.0, which canary did not run",)),),
        note="canary and production promoted together: production's version is new to canary",
    ),
    Case(
        _STAGED_BLOCK,
        _STAGED_BLOCK.replace('staging: "1.5.0"', 'staging: "1.6.0"').replace(
            'canary: "1.4.0"', 'canary: "1.5.0"'
        ),
        path=STAGED,
        expect=(Expect(5, "block", ("staging and canary changed in one change",)),),
    ),
    Case(
        None,
        "service: event-bus\nstages: [production]\nversions: {production: 1.0.0}\n",
        path=STAGED,
        expect=(Expect(2, "block", ("production is the first stage",)),),
    ),
    Case(
        None,
        "service: event-bus\nversions:\n  production: 1.0.0   # no stages: the order written\n",
        path=STAGED,
        expect=(Expect(2, "block", ("production is the first stage",)),),
    ),
    Case(
        _ARGO,
        _ARGO.split("      steps:\n")[0],
        path=ARGO,
        expect=(Expect(23, "block", ("canary steps removed from Rollout ranker",)),),
        note="steps deleted: located at the canary mapping that held them",
    ),
    Case(
        _ARGO,
        _ARGO.replace("      - pause: {duration: 10m}\n", "")
        .replace(
            "        templates:\n        - templateName: success-rate\n      steps:", "      steps:"
        )
        .replace(
            "      analysis:              # background analysis, from the first step on\n", ""
        ),
        path=ARGO,
        expect=(
            Expect(23, "block", ("background analysis removed",)),
            Expect(24, "block", ("1 `pause` step(s) removed before the final weight",)),
        ),
    ),
    Case(
        _BLUE,
        _BLUE.replace("autoPromotionEnabled: false", "autoPromotionEnabled: true"),
        path=ARGO,
        expect=(Expect(10, "block", ("blue-green auto-promotion turned on",)),),
    ),
    Case(
        _BLUE.replace("autoPromotionEnabled: false", "autoPromotionSeconds: 600"),
        _BLUE.replace("      autoPromotionEnabled: false\n", ""),
        path=ARGO,
        expect=(Expect(7, "block", ("autoPromotionSeconds (600 s) removed",)),),
        note="auto-promotion on: the wait before promotion was the gate",
    ),
    Case(
        _FLAGGER,
        _FLAGGER.replace("spec:\n  targetRef", "spec:\n  skipAnalysis: true\n  targetRef"),
        path=FLAGGER,
        expect=(Expect(7, "block", ("skipAnalysis: true on Canary ranker",)),),
    ),
    Case(
        _FLAGGER,
        _FLAGGER.split("    webhooks:\n")[0].replace(
            "    - name: request-duration\n      thresholdRange: {max: 500}\n", ""
        ),
        path=FLAGGER,
        expect=(
            Expect(15, "block", ("analysis metrics removed from Canary ranker: request-duration",)),
            Expect(11, "block", ("analysis webhooks removed from Canary ranker: load-test",)),
        ),
    ),
)

RolloutStageSkip.VALID = (
    Case(
        _STAGED_BASE,
        _STAGED_BASE.replace('canary: "1.4.0"', 'canary: "1.5.0"'),
        path=STAGED,
        note="a one-stage promotion: canary takes what staging already runs",
    ),
    Case(
        _STAGED_BASE,
        _STAGED_BASE.replace('staging: "1.5.0"', 'staging: "1.4.0"'),
        path=STAGED,
        note="a rollback to what the later stages already run",
    ),
    Case(
        _STAGED_BASE,
        _STAGED_BASE.replace('staging: "1.5.0"', 'staging: "1.6.0"'),
        path=STAGED,
        note="the first stage takes any new release",
    ),
    Case(
        _ARGO,
        _ARGO.replace("ranker:2.0.3", "ranker:2.1.0"),
        path=ARGO,
        note="an image-tag bump: the canary steps are what roll it out",
    ),
    Case(
        _ARGO,
        _ARGO.replace("      - pause: {}            # wait for a human\n", ""),
        path=ARGO,
        note="a pause after the final weight is not a gate before it",
    ),
    Case(None, _ARGO, path=ARGO, note="a new Rollout with a sane plan"),
    Case(
        _FLAGGER,
        _FLAGGER.replace("threshold: 5", "threshold: 3"),
        path=FLAGGER,
        note="a stricter analysis",
    ),
    Case(
        _STAGED_BASE,
        _STAGED_BASE.replace('production: "1.4.0"', 'production: "1.5.0"'),
        path="deploy/event_bus/notes.yaml",
        note="not a rollout file: no `rollouts:` entry matches it",
    ),
)
