"""YAML streams as :class:`~guardrails.semantic.structured.Document` values (see there):
pyyaml's node API, with the line of every key path. A module of its own so that reading a
JSON file never imports PyYAML.
"""

from __future__ import annotations

from typing import Any

import yaml

from guardrails.catalog.yamltree import _BaseLoader
from guardrails.nogc import no_gc
from guardrails.semantic.structured import MAX_DEPTH, Document, KeyPath, Malformed

_MERGE = "tag:yaml.org,2002:merge"


class _Scalars(_BaseLoader):  # type: ignore[misc,valid-type]
    """Only its scalar constructors are used (ints, floats, bools, nulls, timestamps)."""


def _scalar_constructor() -> Any:
    return _Scalars("")


def read_yaml(text: str) -> list[Document] | Malformed:
    """Every document of a YAML stream (empty documents skipped)."""
    try:
        with no_gc():
            nodes = [n for n in yaml.compose_all(text, Loader=_BaseLoader) if n is not None]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        what = getattr(err, "problem", None) or str(err).splitlines()[0]
        return Malformed(
            f"YAML syntax error: {what}", int(mark.line) + 1 if mark is not None else None
        )
    except RecursionError:
        return Malformed("YAML nesting is too deep", None, "too-deep")
    constructor = _scalar_constructor()
    docs: list[Document] = []
    for node in nodes:
        lines: dict[KeyPath, int] = {(): node.start_mark.line + 1}
        try:
            value = _yaml_value(node, (), lines, constructor, 0)
        except _TooDeep:
            return Malformed("YAML nesting is too deep", node.start_mark.line + 1, "too-deep")
        except (yaml.YAMLError, ValueError, TypeError) as err:  # a bad timestamp, an odd tag
            return Malformed(f"YAML value error: {err}", node.start_mark.line + 1)
        docs.append(Document(value, lines, node.start_mark.line + 1))
    return docs


class _TooDeep(Exception):
    pass


def _yaml_value(
    node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], ctor: Any, depth: int
) -> Any:
    if depth > MAX_DEPTH:
        raise _TooDeep
    if isinstance(node, yaml.ScalarNode):
        return ctor.construct_object(node)
    if isinstance(node, yaml.SequenceNode):
        out_list: list[Any] = []
        for i, item in enumerate(node.value):
            lines.setdefault((*path, i), item.start_mark.line + 1)
            out_list.append(_yaml_value(item, (*path, i), lines, ctor, depth + 1))
        return out_list
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                # `<<: *defaults` (or a list of them): keys written here win over merged ones.
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for src in sources:
                    part = _yaml_value(src, path, lines, ctor, depth + 1)
                    if isinstance(part, dict):
                        for k, v in part.items():
                            merged.setdefault(k, v)
                continue
            key = _yaml_value(key_node, (), {}, ctor, depth + 1)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                key = str(key)
            child = (*path, key) if isinstance(key, (str, int)) else path
            lines[child] = key_node.start_mark.line + 1
            out[key] = _yaml_value(value_node, child, lines, ctor, depth + 1)
        for k, v in merged.items():
            out.setdefault(k, v)
        return out
    return None
