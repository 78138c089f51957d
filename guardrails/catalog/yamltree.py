"""Reading YAML as a node tree, so that every problem can name its line.

``yaml.safe_load`` forgets where things were and silently keeps the last of two duplicate
keys; composing the node tree keeps both the marks and the duplicates. The :class:`Reader`
walks that tree, collects every :class:`Problem` instead of stopping at the first, and turns
scalars into plain values.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import msgspec
import yaml

from guardrails.catalog.model import Origin
from guardrails.errors import Problem
from guardrails.nogc import no_gc

_STR = "tag:yaml.org,2002:str"
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_IMPLICIT = _BaseLoader.yaml_implicit_resolvers
_tags: dict[str, str] = {}


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader with a memoised tag resolver: same tags, a third of the time.

    Names, owners and targets repeat across a big config; the stock resolver runs its
    regular expressions for every one of them.
    """

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is not yaml.ScalarNode:
            return str(super().resolve(kind, value, implicit))
        if not implicit[0]:
            return _STR  # quoted: always a string
        tag = _tags.get(value)
        if tag is None:
            tag = _STR
            for candidate, regex in _IMPLICIT.get(value[:1], ()):
                if regex.match(value):
                    tag = candidate
                    break
            if len(_tags) > 100_000:
                _tags.clear()
            _tags[value] = tag
        return tag


_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _syntax_problem(path: str, err: yaml.YAMLError) -> Problem:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    # A ReaderError (a control character) has no `problem` and a two-line str(): one line.
    what = " ".join(str(getattr(err, "problem", None) or err).split())
    context = getattr(err, "context", None)
    message = f"YAML syntax error: {what}" + (
        f" ({' '.join(str(context).split())})" if context else ""
    )
    return Problem(
        message,
        path=path,
        line=int(mark.line) + 1 if mark is not None else None,
        fix="fix the YAML syntax (indentation, quotes, brackets)",
    )


def _too_deep(path: str) -> Problem:
    # libyaml stops at 1000 levels itself; the pure-Python loader (no libyaml) recurses first.
    return Problem(
        "YAML nesting is too deep", path=path, fix="flatten the lists and mappings in this file"
    )


def compose(text: str, path: str) -> tuple[yaml.Node | None, list[Problem]]:
    """One YAML document as a node tree; ``None`` for an empty document."""
    try:
        with no_gc():
            return yaml.compose(text, Loader=_Loader), []
    except yaml.YAMLError as err:
        return None, [_syntax_problem(path, err)]
    except RecursionError:
        return None, [_too_deep(path)]


def compose_all(text: str, path: str) -> tuple[list[yaml.Node], list[Problem]]:
    """Every document of a multi-document stream (Backstage files hold several)."""
    nodes: list[yaml.Node] = []
    try:
        with no_gc():
            for node in yaml.compose_all(text, Loader=_Loader):
                if node is not None:
                    nodes.append(node)
    except yaml.YAMLError as err:
        return nodes, [_syntax_problem(path, err)]
    except RecursionError:
        return nodes, [_too_deep(path)]
    return nodes, []


def suggest(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return {
        _STR: "a string",
        _INT: "an integer",
        _BOOL: "a boolean",
        _NULL: "empty (null)",
        "tag:yaml.org,2002:float": "a number",
    }.get(node.tag, "a scalar")


class Reader(msgspec.Struct):
    """Walks one file's node tree; every check records a Problem and never raises."""

    path: str
    problems: list[Problem] = msgspec.field(default_factory=list)

    def origin(self, node: yaml.Node) -> Origin:
        return Origin(self.path, line_of(node))

    def error(self, node: yaml.Node | None, message: str, fix: str | None = None) -> None:
        self.problems.append(
            Problem(message, path=self.path, line=line_of(node) if node else None, fix=fix)
        )

    def info(self, node: yaml.Node | None, message: str) -> None:
        self.problems.append(
            Problem(message, path=self.path, line=line_of(node) if node else None, severity="info")
        )

    # -- containers ---------------------------------------------------------------------------

    def mapping(
        self,
        node: yaml.Node,
        what: str,
        allowed: Iterable[str] | None = None,
        *,
        required: Iterable[str] = (),
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """``{key: (key_node, value_node)}``; reports duplicates, unknown and missing keys.

        Returns None (after recording a problem) when ``node`` is not a mapping.
        """
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping, not {_kind(node)}")
            return None
        known = None if allowed is None else tuple(allowed)
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                self.error(key_node, f"{what}: keys must be strings, not {_kind(key_node)}")
                continue
            key = str(key_node.value)
            if key in out:
                self.error(
                    key_node,
                    f"{what}: duplicate key '{key}' (first at line {line_of(out[key][0])}); "
                    "YAML would silently keep only the last one",
                    fix=f"merge the two '{key}' entries into one",
                )
                continue
            if known is not None and key not in known:
                hint = suggest(key, known)
                self.error(
                    key_node,
                    f"{what}: unknown key '{key}'",
                    fix=f"did you mean '{hint}'?" if hint else f"use one of: {', '.join(known)}",
                )
                continue
            out[key] = (key_node, value_node)
        for key in required:
            if key not in out:
                self.error(node, f"{what}: missing required key '{key}'")
        return out

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{what} must be a list, not {_kind(node)}")
            return None
        return list(node.value)

    # -- scalars ------------------------------------------------------------------------------

    def string(self, node: yaml.Node, what: str, *, nonempty: bool = True) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            self.error(node, f"{what} must be a string, not {_kind(node)}", fix="quote it")
            return None
        if nonempty and not str(node.value).strip():
            self.error(node, f"{what} must not be empty")
            return None
        return str(node.value)

    def integer(self, node: yaml.Node, what: str, *, minimum: int | None = None) -> int | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _INT:
            self.error(node, f"{what} must be an integer, not {_kind(node)}")
            return None
        text = str(node.value)
        value = _int(text)
        if value is None:
            # Python refuses to parse more than 4300 decimal digits (a DoS guard).
            too_big = len(text) > 100 and text.lstrip("+-").isdigit()
            self.error(
                node, f"{what} is too large" if too_big else f"{what} must be a plain integer"
            )
            return None
        if minimum is not None and value < minimum:
            self.error(node, f"{what} must be >= {minimum}, not {value}")
            return None
        return value

    def boolean(self, node: yaml.Node, what: str) -> bool | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL:
            self.error(node, f"{what} must be true or false, not {_kind(node)}")
            return None
        return str(node.value).lower() in ("true", "yes", "on", "y")

    def strings(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        """A list of strings, each with its node (for its line); bad items are reported."""
        items = self.sequence(node, what)
        if items is None:
            return []
        out: list[tuple[str, yaml.Node]] = []
        scalar = yaml.ScalarNode
        for item in items:
            # The common case inline: this runs for every dependency of every service.
            if item.__class__ is scalar and item.tag == _STR and item.value.strip():
                out.append((str(item.value), item))
            else:
                self.string(item, f"{what} item")  # records why it is not
        return out


def _int(text: str) -> int | None:
    text = text.replace("_", "")
    try:
        if text.lower().startswith(("0x", "-0x", "+0x")):
            return int(text, 16)
        if text.lower().startswith(("0o", "-0o", "+0o")):
            return int(text, 8)
        return int(text, 10)
    except ValueError:
        return None
