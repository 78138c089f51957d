"""The fuzz suite: generated bad inputs for every reader of the gate, counted per kind.

Run on its own (`make test` leaves it out through the ``fuzz`` marker)::

    .venv/bin/python -m pytest tests/fuzz -m fuzz -q

Hypothesis runs derandomized (the same inputs on every run, so CI is reproducible and a
failure reproduces locally) and each test's ``max_examples`` bounds the run. At the end the
number of inputs tried per kind and the time taken are printed.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "fuzz",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("fuzz")

TRIED: Counter[str] = Counter()
_STARTED = [0.0]


def tried(kind: str) -> None:
    """Count one generated input of ``kind`` (called by every fuzz test, once per input)."""
    TRIED[kind] += 1


def pytest_configure(config: pytest.Config) -> None:
    # Generated globs like `[[a` make Python's re warn about future set syntax: noise here.
    config.addinivalue_line("filterwarnings", "ignore:Possible:FutureWarning")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/fuzz/" in item.nodeid.replace("\\", "/") or item.nodeid.startswith("fuzz/"):
            item.add_marker(pytest.mark.fuzz)


@pytest.fixture(scope="session", autouse=True)
def _clock() -> Iterator[None]:
    _STARTED[0] = time.perf_counter()
    yield


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TRIED:
        return
    took = time.perf_counter() - _STARTED[0]
    terminalreporter.section("fuzz inputs tried")
    for kind, n in sorted(TRIED.items()):
        terminalreporter.write_line(f"{kind:<28} {n:>7}")
    terminalreporter.write_line(f"{'total':<28} {sum(TRIED.values()):>7}  in {took:.1f} s")
