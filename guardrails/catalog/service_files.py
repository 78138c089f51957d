"""Per-service ``guardrails-service.yaml`` files, and finding catalog files in a tree.

A service file sits next to its code and holds one ``services:`` entry plus ``name``::

    # services/ranker/guardrails-service.yaml
    name: ranker
    owner: ranking
    tier: 1
    depends_on: [feature-store]

Its ``paths`` are relative to the file's directory and default to everything below it
(``services/ranker/**``).

A directory holding its own ``guardrails.yaml`` (other than the root) is another project
(an example, a fixture, a vendored repo): the catalog files below it are not read.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence

from msgspec.structs import replace

from guardrails.catalog.config import NAME_RE, SERVICE_KEYS, Declarations, service_from_spec
from guardrails.catalog.model import CONFIG_FILE, SERVICE_FILE
from guardrails.catalog.yamltree import Reader, compose
from guardrails.errors import Problem


def nested_roots(paths: Iterable[str], config_name: str = CONFIG_FILE) -> tuple[str, ...]:
    """Directories (other than the root) holding their own config: separate projects."""
    return tuple(
        sorted(
            posixpath.dirname(p) for p in paths if posixpath.basename(p) == config_name and "/" in p
        )
    )


def find_catalog_files(
    paths: Sequence[str], name: str, *, config_name: str = CONFIG_FILE
) -> list[str]:
    """Paths named ``name``, sorted, leaving out those inside nested projects."""
    roots = nested_roots(paths, config_name)
    prefixes = tuple(r + "/" for r in roots)
    return sorted(
        p
        for p in paths
        if posixpath.basename(p) == name and not (prefixes and p.startswith(prefixes))
    )


def parse_service_file(text: str, path: str) -> Declarations:
    decl = Declarations()
    node, syntax = compose(text, path)
    decl.problems.extend(syntax)
    if syntax:
        return decl
    r = Reader(path, decl.problems)
    if node is None:
        decl.problems.append(
            Problem("the file is empty", path=path, line=1, fix="add `name: <service>`")
        )
        return decl
    spec = r.mapping(node, "service file", ("name", *SERVICE_KEYS), required=("name",))
    if spec is None or "name" not in spec:
        return decl
    name_node = spec.pop("name")[1]
    name = r.string(name_node, "name")
    if name is None:
        return decl
    if not NAME_RE.match(name):
        r.error(
            name_node, f"bad service name '{name}'", fix="use letters, digits, '.', '_' and '-'"
        )
        return decl
    base = posixpath.dirname(path)
    service = service_from_spec(
        r, name, r.origin(name_node), spec, decl, what=name, source=SERVICE_FILE, path_base=base
    )
    if "paths" not in spec:
        service = replace(service, paths=default_paths(base))
    decl.services.append(service)
    return decl


def default_paths(directory: str) -> tuple[str, ...]:
    return (f"{directory}/**",) if directory else ("**",)
