"""The application layer: the one place that wires the stages for every entry point.

``check.run_check`` is what the CLI, the pre-commit hook, CI, ``guardrails demo`` and
``guardrails policies test`` call; ``affected.run_affected`` computes a blast radius. The
commands only parse options, call these, and hand the result to a reporter.
"""
