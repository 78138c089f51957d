"""The catalog: who owns what and what depends on what, as declared by the repository.

Sources, merged in this order: ``guardrails.yaml``, per-service ``guardrails-service.yaml``,
Backstage ``catalog-info.yaml``, CODEOWNERS. See :mod:`guardrails.catalog.model` for the data.

- :func:`guardrails.catalog.load.load_catalog` / ``build_catalog`` / ``find_problems``:
  read every source through a Snapshot, validate, merge.
- :mod:`~guardrails.catalog.config`: ``guardrails.yaml`` (one file, line-exact problems).
- :func:`~guardrails.catalog.text.decode_text`: every catalog file is UTF-8, or a problem.
- :mod:`~guardrails.catalog.service_files`, :mod:`~guardrails.catalog.backstage`: the
  per-service sources.
- :mod:`~guardrails.catalog.checks`: cross-file checks (references, duplicates, overlaps,
  cycles).
- :class:`~guardrails.catalog.paths.ServicePathIndex`: path -> services, fast.
- :class:`~guardrails.catalog.codeowners.CodeOwnersIndex`: path -> CODEOWNERS owners/teams.
"""
