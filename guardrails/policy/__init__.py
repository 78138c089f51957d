"""Policy packs: CEL-gated policies that re-grade findings and ask for approvals.

``model`` (the records), ``load`` (YAML packs, every expression compiled on load), ``cel``
(the sandboxed expression language), ``approvals`` (review payloads -> who approved what),
``evaluate`` (findings + impact + authorship + approvals -> requirements and grades) and
``testing`` (``guardrails policies test`` fixture cases).
"""
