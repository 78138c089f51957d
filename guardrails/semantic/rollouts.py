"""Rollout files, read into one plain shape the rollout rules compare.

Four formats, chosen by the ``kind`` of the catalog's ``rollouts:`` entry that matches the
file:

- ``guardrails``: ``service``, ordered ``stages``, a version per stage, ``canary_percent``;
- ``argo-rollout``: Argo Rollouts ``Rollout`` objects (any other document in the stream,
  a Service or an AnalysisTemplate, is skipped): canary ``steps`` (``setWeight``, ``pause``,
  ``analysis``, ``experiment``, ``setCanaryScale``), background ``analysis``, and
  ``blueGreen`` (``autoPromotionEnabled``, ``prePromotionAnalysis``, ``autoPromotionSeconds``);
- ``flagger``: Flagger ``Canary`` objects: ``spec.analysis`` (``stepWeight``,
  ``stepWeights``, ``maxWeight``, ``iterations``, ``threshold``, ``metrics``, ``webhooks``)
  and ``spec.skipAnalysis``;
- ``kubernetes``: ``Deployment`` objects' ``strategy.rollingUpdate`` (``maxUnavailable``,
  ``maxSurge``, as numbers or percentages).

Objects are paired between base and head by ``key`` (kind and name), so a Service edited
next to a Rollout, or a second Rollout added to the stream, compares only like with like.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec

from guardrails.semantic.structured import Document, KeyPath, Malformed, read_structured

ARGO_STEP_KINDS = ("setWeight", "pause", "analysis", "experiment", "setCanaryScale")
GATES = (
    "pause",
    "analysis",
    "experiment",
)  # steps that hold traffic until someone/something agrees


class Step(msgspec.Struct, frozen=True):
    kind: str  # setWeight | pause | analysis | experiment | setCanaryScale | other
    weight: float | None
    line: int


class Rollout(msgspec.Struct, frozen=True):
    """One rollout object of a file (a file may hold several)."""

    key: str  # "Rollout/ranker", "Canary/podinfo", "Deployment/web", "guardrails"
    format: str  # guardrails | argo-rollout | flagger | kubernetes
    name: str | None  # the service (guardrails) or metadata.name
    doc: Document
    line: int  # where the object starts

    def line_of(self, *path: str | int) -> int:
        return self.doc.line_of(tuple(path))

    def get(self, *path: str | int) -> Any:
        return self.doc.get(*path)

    # -- guardrails ------------------------------------------------------------------------
    def stages(self) -> tuple[str, ...]:
        """The ordered stages; without a `stages:` list, the order `versions:` is written in."""
        stages = self.get("stages")
        if isinstance(stages, list):
            return tuple(str(s) for s in stages)
        versions = self.get("versions")
        return (
            tuple(str(s) for s in versions) if isinstance(versions, dict) and stages is None else ()
        )

    def versions(self) -> dict[str, str]:
        versions = self.get("versions")
        if not isinstance(versions, dict):
            return {}
        return {str(k): str(v) for k, v in versions.items() if v is not None}

    # -- argo ------------------------------------------------------------------------------
    def argo_strategy(self) -> str | None:
        strategy = self.get("spec", "strategy")
        if not isinstance(strategy, dict):
            return None
        return next((s for s in ("canary", "blueGreen") if s in strategy), None)

    def argo_steps(self) -> tuple[Step, ...] | None:
        """The canary steps; None when there are none (a plain rolling update)."""
        steps = self.get("spec", "strategy", "canary", "steps")
        if not isinstance(steps, list) or not steps:
            return None
        out = []
        base: KeyPath = ("spec", "strategy", "canary", "steps")
        for i, step in enumerate(steps):
            kind = "other"
            weight = None
            if isinstance(step, dict):
                kind = next((k for k in ARGO_STEP_KINDS if k in step), "other")
                if kind == "setWeight":
                    weight = percent(step.get("setWeight"))
            out.append(Step(kind, weight, self.doc.line_of((*base, i))))
        return tuple(out)

    # -- flagger ---------------------------------------------------------------------------
    def flagger_weights(self) -> tuple[tuple[float, int], ...]:
        """The traffic weights Flagger walks through, each with the line that sets it."""
        analysis = self.get("spec", "analysis")
        if not isinstance(analysis, dict):
            return ()
        listed = analysis.get("stepWeights")
        if isinstance(listed, list):
            out = []
            for i, w in enumerate(listed):
                value = percent(w)
                if value is not None:
                    out.append((value, self.line_of("spec", "analysis", "stepWeights", i)))
            return tuple(out)
        step = percent(analysis.get("stepWeight"))
        if step is None or step <= 0:
            return ()
        top = percent(analysis.get("maxWeight"))
        top = 50.0 if top is None else top  # Flagger's default maxWeight
        line = self.line_of("spec", "analysis", "stepWeight")
        if step >= top:  # one step straight to maxWeight: the step size is the culprit
            return ((top, line),)
        if top / step > 1000:  # steps too fine to list: none of them is a large one
            return ((step, line),)
        weights: list[tuple[float, int]] = []
        w = step
        while w < top:
            weights.append((w, line))
            w += step
        weights.append((top, self.line_of("spec", "analysis", "maxWeight")))
        return tuple(weights)


def percent(value: object) -> float | None:
    """``20``, ``20.5``, ``"20%"`` -> 20.0; anything else None. Booleans are not numbers."""
    if isinstance(value, bool):
        return None
    number: float
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an integer with hundreds of digits
            return None
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            text = text[:-1].strip()
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None  # "inf" and "nan" are not percentages


def argo_weights(steps: tuple[Step, ...] | None) -> tuple[tuple[float, int], ...]:
    return tuple((s.weight, s.line) for s in steps or () if s.weight is not None)


_OBJECT_KINDS = {"argo-rollout": "Rollout", "flagger": "Canary", "kubernetes": "Deployment"}


def read_rollouts(fmt: str, path: str, text: str) -> list[Rollout] | Malformed:
    """The rollout objects of one file in format ``fmt``; other documents are skipped."""
    docs = read_structured(path, text)
    if isinstance(docs, Malformed):
        return docs
    out: list[Rollout] = []
    seen: set[str] = set()
    for doc in docs:
        value = doc.value
        if not isinstance(value, dict):
            continue
        if fmt == "guardrails":
            service = value.get("service")
            rollout = Rollout(
                "guardrails", fmt, service if isinstance(service, str) else None, doc, doc.line
            )
        else:
            if value.get("kind") != _OBJECT_KINDS.get(fmt):
                continue
            name = doc.get("metadata", "name")
            name = name if isinstance(name, str) else None
            namespace = doc.get("metadata", "namespace")
            key = f"{value['kind']}/{namespace + '/' if isinstance(namespace, str) else ''}{name}"
            rollout = Rollout(key, fmt, name, doc, doc.line)
        if rollout.key in seen:  # a duplicate object: the first one counts, as kubectl would refuse
            continue
        seen.add(rollout.key)
        out.append(rollout)
    return out
