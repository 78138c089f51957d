"""Load the whole catalog from a Snapshot: ``guardrails.yaml``, service files, Backstage,
CODEOWNERS, merged and checked together.

Sources in order (the first declaration of an id wins; a second one is a problem naming
both files): ``guardrails.yaml``, ``guardrails-service.yaml`` files, ``catalog-info.yaml``
files, then ``inferred`` services (the zero-config import inference hands them in; they
yield to any declared service of the same name and are not overlap-checked).

Without a ``guardrails.yaml`` (zero-config) the catalog is built from the other sources:
owners need not be declared teams (they become implicit teams), and CODEOWNERS team
handles (``@acme/ranking``) become teams named after their slug (``ranking``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from msgspec.structs import replace

from guardrails.catalog.backstage import parse_backstage_files
from guardrails.catalog.checks import (
    Merged,
    check_paths,
    check_references,
    find_cycles,
    merge,
)
from guardrails.catalog.codeowners import load_codeowners
from guardrails.catalog.config import Declarations, FieldKey, Settings, parse_config, policy_file
from guardrails.catalog.model import (
    BACKSTAGE_FILE,
    CONFIG_FILE,
    SERVICE_FILE,
    Catalog,
    CodeOwners,
    Origin,
    Resource,
    Service,
    Team,
)
from guardrails.catalog.service_files import find_catalog_files, parse_service_file
from guardrails.catalog.text import decode_text
from guardrails.catalog.yamltree import suggest
from guardrails.changes import Snapshot
from guardrails.errors import ConfigError, Problem
from guardrails.nogc import no_gc


def build_catalog(
    snapshot: Snapshot,
    *,
    config_path: str = CONFIG_FILE,
    inferred: Sequence[Service] = (),
) -> tuple[Catalog, tuple[Problem, ...]]:
    """The catalog and every problem (errors and infos, sorted); never raises for bad input.

    When errors exist the catalog is best-effort (invalid entries left out).
    """
    with no_gc():
        return _build(snapshot, config_path, inferred)


def _build(
    snapshot: Snapshot, config_path: str, inferred: Sequence[Service]
) -> tuple[Catalog, tuple[Problem, ...]]:
    paths = list(snapshot.paths())
    problems: list[Problem] = []
    decl = Declarations()
    settings = Settings()

    config_data = snapshot.read(config_path)
    has_config = config_data is not None
    # A config that cannot be read at all (bytes that are not UTF-8, broken YAML) declares
    # nothing, so every team and service other files name would look unknown: one real
    # problem would arrive with a crowd of false ones. Cross-references wait for a readable
    # config.
    config_unreadable = False
    if config_data is not None:
        text, bad = decode_text(config_data, config_path)
        if bad is not None:
            problems.append(bad)
            config_unreadable = True
        if text is not None:
            settings, config_decl = parse_config(text, config_path)
            decl.extend(config_decl)
            config_unreadable = any(
                p.path == config_path and p.message.startswith("YAML syntax error")
                for p in config_decl.problems
            )

    # A config kept in a subdirectory (--config ci/guardrails.yaml) does not make that
    # directory a nested project.
    others = [p for p in paths if p != config_path]
    service_files = find_catalog_files(others, SERVICE_FILE)
    backstage_files = find_catalog_files(others, BACKSTAGE_FILE)
    blobs = snapshot.read_many(service_files + backstage_files)
    texts = _decode_all(blobs, problems)
    for path in service_files:
        if path in texts:
            decl.extend(parse_service_file(texts[path], path))
    decl.extend(parse_backstage_files({p: texts[p] for p in backstage_files if p in texts}))
    problems.extend(decl.problems)

    merged = merge(decl, inferred)
    codeowners: CodeOwners | None = None
    if settings.codeowners_enabled:
        codeowners, co_problems = load_codeowners(snapshot)
        problems.extend(co_problems)
        if codeowners is not None and not has_config:
            _teams_from_codeowners(codeowners, merged.teams)
    if not config_unreadable:
        check_references(merged, decl.where, teams_required=has_config)
        problems.extend(_settings_references(settings, merged, decl.where))
    problems.extend(merged.problems)
    declared = [s for s in merged.services.values() if s.name not in merged.inferred]
    problems.extend(check_paths(declared, decl.where, paths))
    problems.extend(find_cycles(merged.services.values(), merged.resources.values()))
    problems.extend(_missing_files(merged.resources.values(), set(paths)))
    problems.extend(_missing_packs(snapshot, settings.policies, decl.where, set(paths)))

    ordered = tuple(sorted(set(problems), key=_sort_key))
    catalog = Catalog(
        version=settings.version,
        teams=dict(sorted(merged.teams.items())),
        agents=settings.agents,
        services=dict(sorted(merged.services.items())),
        resources=dict(sorted(merged.resources.items())),
        rollouts=settings.rollouts,
        flags=settings.flags,
        limits=settings.limits,
        policies=settings.policies,
        codeowners_enabled=settings.codeowners_enabled,
        codeowners=codeowners,
        inference=settings.inference,
        overrides=settings.overrides,
        protect=settings.protect,
        config_path=config_path if has_config else None,
        notes=tuple(p.render() for p in ordered if p.severity == "info"),
    )
    return catalog, ordered


def _decode_all(blobs: dict[str, bytes], problems: list[Problem]) -> dict[str, str]:
    """The files that are UTF-8; one problem for each that is not."""
    texts: dict[str, str] = {}
    for path, data in blobs.items():
        text, bad = decode_text(data, path)
        if text is not None:
            texts[path] = text
        if bad is not None:
            problems.append(bad)
    return texts


def _sort_key(p: Problem) -> tuple[str, int, str, str]:
    return (p.path or "", p.line or 0, p.severity, p.message)


def find_problems(
    snapshot: Snapshot, *, config_path: str = CONFIG_FILE, inferred: Sequence[Service] = ()
) -> tuple[Problem, ...]:
    """Every problem, errors and infos, sorted by file and line: for ``guardrails validate``."""
    return build_catalog(snapshot, config_path=config_path, inferred=inferred)[1]


def load_catalog(
    snapshot: Snapshot,
    *,
    config_path: str = CONFIG_FILE,
    inferred: Sequence[Service] = (),
    require_config: bool = False,
) -> Catalog:
    """The catalog, or a :class:`ConfigError` listing every error at once.

    ``require_config``: a missing config file is an error (``--config PATH`` named it),
    rather than zero-config mode.
    """
    if require_config and snapshot.read(config_path) is None:
        raise ConfigError(
            f"{config_path} not found in {snapshot.label}",
            path=config_path,
            fix="create it (`guardrails init`) or point --config at it",
        )
    catalog, problems = build_catalog(snapshot, config_path=config_path, inferred=inferred)
    errors = tuple(p for p in problems if p.severity == "error")
    if errors:
        count = len(errors)
        raise ConfigError(
            f"the catalog has {count} problem{'s' if count > 1 else ''}",
            fix="fix each one below; `guardrails validate` lists them",
            problems=errors,
        )
    return catalog


def _teams_from_codeowners(codeowners: CodeOwners, teams: dict[str, Team]) -> None:
    handled = {h.lower() for t in teams.values() for h in t.handles}
    for rule in codeowners.rules:
        for owner in rule.owners:
            if not owner.startswith("@") or "/" not in owner or owner.lower() in handled:
                continue
            slug = owner.rsplit("/", 1)[1]
            handled.add(owner.lower())
            team = teams.get(slug)
            if team is None:
                teams[slug] = Team(slug, handles=(owner,), origin=rule.origin)
            elif not team.handles:
                teams[slug] = replace(team, handles=(owner,))


def _settings_references(
    settings: Settings, merged: Merged, where: Mapping[tuple[str, str, str], Origin]
) -> list[Problem]:
    """`flags[].owner` must be a declared team; `limits.services` keys declared services."""
    out: list[Problem] = []
    for i, source in enumerate(settings.flags):
        if source.owner is not None and source.owner not in merged.teams:
            hint = suggest(source.owner, merged.teams)
            out.append(
                Problem(
                    f"flags[{i}].owner: '{source.owner}' is not a declared team",
                    path=source.origin.path if source.origin else None,
                    line=source.origin.line if source.origin else None,
                    fix=f"did you mean '{hint}'?"
                    if hint
                    else f"declare '{source.owner}' under `teams:`",
                )
            )
    for name, _ in settings.limits.services:
        if name not in merged.services:
            origin = where.get(("limits", name, ""))
            hint = suggest(name, merged.services)
            out.append(
                Problem(
                    f"limits.services: '{name}' is not a declared service",
                    path=origin.path if origin else None,
                    line=origin.line if origin else None,
                    fix=f"did you mean '{hint}'?" if hint else "name a service from `services:`",
                )
            )
    return out


def _missing_files(resources: Iterable[Resource], files: set[str]) -> list[Problem]:
    out = []
    for resource in resources:
        for label, path in (("schema file", resource.schema_path), ("file", resource.file)):
            if path and path not in files:
                origin = resource.origin
                out.append(
                    Problem(
                        f"resource '{resource.id}': {label} '{path}' does not exist",
                        path=origin.path if origin else None,
                        line=origin.line if origin else None,
                        severity="info",
                    )
                )
    return out


def _missing_packs(
    snapshot: Snapshot, refs: Iterable[str], where: Mapping[FieldKey, Origin], files: set[str]
) -> list[Problem]:
    out = []
    for ref in refs:
        path = policy_file(ref)
        # The work tree lists tracked files only; a pack not added yet still counts.
        if path is None or path in files or snapshot.read(path) is not None:
            continue
        origin = where.get(("policy", ref, ""))
        out.append(
            Problem(
                f"policies: pack file '{ref}' does not exist",
                path=origin.path if origin else None,
                line=origin.line if origin else None,
                fix="create it, or remove it from `policies:`",
            )
        )
    return out
