"""The catalog: who owns what and what depends on what, as declared by the repository.

Sources, merged in this order: ``guardrails.yaml``, per-service ``guardrails-service.yaml``,
Backstage ``catalog-info.yaml``, CODEOWNERS. See :mod:`guardrails.catalog.model` for the data.
"""
