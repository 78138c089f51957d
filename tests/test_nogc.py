"""The collector pause: switched back on however the block ends, never switched on by it."""

from __future__ import annotations

import gc

import pytest

from guardrails.changes import MODIFIED, FileChange
from guardrails.nogc import no_gc
from guardrails.semantic.python import diff_python


@pytest.fixture(autouse=True)
def _restore_gc():
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_paused_inside_and_back_on_after_an_exception():
    gc.enable()
    with pytest.raises(KeyError), no_gc():
        assert not gc.isenabled()
        raise KeyError("x")
    assert gc.isenabled()


def test_a_collector_the_caller_paused_stays_paused():
    gc.disable()
    with no_gc():
        pass
    assert not gc.isenabled()


def test_nested_pauses_restore_only_at_the_outermost():
    gc.enable()
    with no_gc():
        with no_gc():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_semantic_diff_leaves_the_collector_on_also_for_unreadable_input():
    gc.enable()
    for old, new in ((b"def f():\n    return 1\n", b"def f(x):\n    return x\n"), (b"x = (", b"\0")):
        change = FileChange(MODIFIED, "a.py", "a.py", old_data=old, new_data=new)
        diff = diff_python(change)
        assert gc.isenabled()
        assert diff.new_path == "a.py"
