"""Reporters for `guardrails check`: format name -> module, imported only when used.

Each reporter is one module exposing ``render(doc, meta) -> str``: ``doc`` is the
``guardrails.check/v1`` document (``Verdict.as_dict()``), ``meta`` maps rule id ->
:class:`RuleMeta`. Reporters never import the core; a new format is one file plus one line
here, and the CLI's ``--format`` choices come from :data:`CHECK_FORMATS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol, cast

import msgspec

CHECK_FORMATS: Mapping[str, str] = {
    "text": "guardrails.report.text",
    "json": "guardrails.report.json_out",
    "sarif": "guardrails.report.sarif",
    "github": "guardrails.report.github",
    "markdown": "guardrails.report.markdown",
    "gitlab": "guardrails.report.gitlab",
}


class RuleMeta(msgspec.Struct, frozen=True):
    id: str
    summary: str
    description: str
    default_severity: str


class LazyRuleMeta(Mapping[str, RuleMeta]):
    """Rule metadata loaded on first use: the text and JSON reporters never look, and loading
    every rule would cost the hook its start-up time."""

    def __init__(self, load: Callable[[], Iterable[RuleMeta]]) -> None:
        self._load = load
        self._meta: dict[str, RuleMeta] | None = None

    def _all(self) -> dict[str, RuleMeta]:
        if self._meta is None:
            self._meta = {m.id: m for m in self._load()}
        return self._meta

    def __getitem__(self, key: str) -> RuleMeta:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class Reporter(Protocol):
    def render(self, doc: Mapping[str, Any], meta: Mapping[str, RuleMeta]) -> str: ...


def formats() -> tuple[str, ...]:
    """The formats whose reporter module is installed (found, not imported)."""
    import importlib.util

    return tuple(name for name, mod in CHECK_FORMATS.items() if importlib.util.find_spec(mod))


def reporter(fmt: str) -> Reporter:
    return cast(Reporter, importlib.import_module(CHECK_FORMATS[fmt]))


def render(fmt: str, doc: Mapping[str, Any], meta: Mapping[str, RuleMeta]) -> str:
    return reporter(fmt).render(doc, meta)
