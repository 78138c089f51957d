"""YAML and JSON documents as plain values that remember their lines.

Rollout and flag rules compare plain values (dicts, lists, scalars) between the base and the
head of a file, and must point at the exact line of the new file. A :class:`Document` holds
the plain value and, for every key path (``("spec", "strategy", "canary", "steps", 2,
"setWeight")``), the line it was written on.

YAML is composed with pyyaml's node API (in :mod:`._yaml_documents`), so comments, several
documents in one stream (Argo Rollouts next to their Services), anchors, aliases and merge
keys (``<<: *defaults``) are read as Kubernetes reads them. JSON is read by a small scanner
that keeps positions (the stdlib parser forgets them); its values are exactly what
``json.loads`` returns.

A malformed file is a :class:`Malformed` value with the line of the error, never an
exception: the ``parse.error`` rule reports it and every other rule goes on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import msgspec

from guardrails.records import repr_omitting

KeyPath = tuple[str | int, ...]
MAX_DEPTH = 200  # deeper documents are reported, not recursed into (a stack overflow guard)


class Document(msgspec.Struct, frozen=True):
    """One YAML document or JSON file: its value, and the line of every key path."""

    value: Any
    lines: Mapping[KeyPath, int] = msgspec.field(default_factory=dict)  # not in the repr
    line: int = 1  # where the document starts

    def __repr__(self) -> str:
        return repr_omitting(self, ("lines",))

    def line_of(self, path: KeyPath) -> int:
        """The line of ``path``, or of its nearest written ancestor (a default the file left
        out is located at the mapping that would hold it)."""
        while path:
            found = self.lines.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.lines.get((), self.line)

    def get(self, *path: str | int) -> Any:
        """The value at ``path``; None when any step is missing or of the wrong shape."""
        node = self.value
        for step in path:
            if isinstance(step, int):
                if not isinstance(node, list) or not -len(node) <= step < len(node):
                    return None
                node = node[step]
            else:
                if not isinstance(node, dict) or step not in node:
                    return None
                node = node[step]
        return node


class Malformed(msgspec.Struct, frozen=True):
    """A file that could not be read: what went wrong, and where."""

    message: str
    line: int | None = None
    kind: str = "syntax"  # syntax | too-deep | encoding


# -- YAML ---------------------------------------------------------------------------------------


def read_yaml(text: str) -> list[Document] | Malformed:
    """Every document of a YAML stream (empty documents skipped)."""
    # PyYAML and its loader (~10 ms) only once a YAML file is read: a repository whose flag
    # files are JSON builds its flag nodes on every commit without them.
    from guardrails.semantic._yaml_documents import read_yaml as read

    return read(text)


# -- JSON ---------------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}


class _JsonError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


class _JsonReader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: dict[KeyPath, int] = {}
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, pos: int) -> int:
        import bisect

        return bisect.bisect_left(self._newlines, pos) + 1

    def ws(self, pos: int) -> int:
        m = _WS.match(self.text, pos)
        return m.end() if m else pos

    def value(self, pos: int, path: KeyPath, depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise _JsonError("JSON nesting is too deep", pos)
        pos = self.ws(pos)
        if pos >= len(self.text):
            raise _JsonError("unexpected end of file", pos)
        ch = self.text[pos]
        if ch == "{":
            return self.obj(pos + 1, path, depth)
        if ch == "[":
            return self.array(pos + 1, path, depth)
        if ch == '"':
            return self.string(pos + 1)
        for word, val in _LITERALS.items():
            if self.text.startswith(word, pos):
                return val, pos + len(word)
        m = _NUMBER.match(self.text, pos)
        if m is None or m.end() == pos:
            raise _JsonError(f"unexpected {self.text[pos]!r}", pos)
        number = m.group(0)
        if m.group(1) or m.group(2):
            return float(number), m.end()
        try:
            return int(number), m.end()
        except ValueError:  # Python refuses more than 4300 digits (a DoS guard)
            raise _JsonError("number too large", pos) from None

    def string(self, pos: int) -> tuple[str, int]:
        try:
            value, end = json.decoder.scanstring(self.text, pos)  # type: ignore[attr-defined]
        except json.JSONDecodeError as err:
            raise _JsonError(err.msg, err.pos) from None
        return str(value), int(end)

    def obj(self, pos: int, path: KeyPath, depth: int) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        pos = self.ws(pos)
        if self.text.startswith("}", pos):
            return out, pos + 1
        while True:
            pos = self.ws(pos)
            if not self.text.startswith('"', pos):
                raise _JsonError("expected a property name in double quotes", pos)
            key_line = self.line(pos)
            key, pos = self.string(pos + 1)
            pos = self.ws(pos)
            if not self.text.startswith(":", pos):
                raise _JsonError("expected ':' after a property name", pos)
            child = (*path, key)
            self.lines[child] = key_line
            out[key], pos = self.value(pos + 1, child, depth + 1)
            pos = self.ws(pos)
            if self.text.startswith(",", pos):
                pos += 1
                continue
            if self.text.startswith("}", pos):
                return out, pos + 1
            raise _JsonError("expected ',' or '}'", pos)

    def array(self, pos: int, path: KeyPath, depth: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        pos = self.ws(pos)
        if self.text.startswith("]", pos):
            return out, pos + 1
        while True:
            pos = self.ws(pos)
            child = (*path, len(out))
            self.lines[child] = self.line(pos)
            item, pos = self.value(pos, child, depth + 1)
            out.append(item)
            pos = self.ws(pos)
            if self.text.startswith(",", pos):
                pos += 1
                continue
            if self.text.startswith("]", pos):
                return out, pos + 1
            raise _JsonError("expected ',' or ']'", pos)


def read_json(text: str) -> Document | Malformed:
    """A JSON file (a UTF-8 byte-order mark is tolerated, as editors write one)."""
    reader = _JsonReader(text.removeprefix("\ufeff"))
    try:
        start = reader.ws(0)
        reader.lines[()] = reader.line(start)
        value, end = reader.value(start, (), 0)
        end = reader.ws(end)
        if end != len(reader.text):
            raise _JsonError("extra data after the JSON value", end)
    except _JsonError as err:
        return Malformed(f"JSON syntax error: {err.message}", reader.line(err.pos))
    return Document(value, dict(reader.lines), reader.lines[()])


def read_structured(path: str, text: str) -> list[Document] | Malformed:
    """JSON for ``.json`` files, else YAML (one Document per YAML document)."""
    if path.endswith(".json"):
        doc = read_json(text)
        return doc if isinstance(doc, Malformed) else [doc]
    return read_yaml(text)
