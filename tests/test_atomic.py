"""write_atomically: the whole file or the old one, never a leftover temp file."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from guardrails import atomic
from guardrails.atomic import write_atomically


def test_replaces_the_file_and_leaves_nothing_beside_it(tmp_path):
    target = tmp_path / "entry"
    target.write_bytes(b"old")
    write_atomically(target, b"new", prefix=".tmp-")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_a_new_file_is_private_unless_a_mode_is_asked_for(tmp_path):
    write_atomically(tmp_path / "a", b"x", prefix=".tmp-")
    assert stat.S_IMODE(os.stat(tmp_path / "a").st_mode) == 0o600
    write_atomically(tmp_path / "b", b"x", prefix=".tmp-", mode=0o644)
    assert stat.S_IMODE(os.stat(tmp_path / "b").st_mode) == 0o644


def test_a_failed_rename_removes_the_temp_file(tmp_path):
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "inside").write_bytes(b"")
    with pytest.raises(OSError):
        write_atomically(tmp_path / "dir", b"x", prefix=".tmp-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir"]


def test_a_name_already_taken_is_never_opened(tmp_path, monkeypatch):
    taken = tmp_path / ".tmp-aaaaaaaaaaaa"
    taken.write_bytes(b"planted")
    names = iter([bytes.fromhex("aaaaaaaaaaaa"), bytes.fromhex("bbbbbbbbbbbb")])
    monkeypatch.setattr(atomic.os, "urandom", lambda n: next(names))
    write_atomically(tmp_path / "entry", b"data", prefix=".tmp-")
    assert taken.read_bytes() == b"planted"
    assert (tmp_path / "entry").read_bytes() == b"data"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp-aaaaaaaaaaaa", "entry"]


def test_a_missing_directory_is_an_oserror_not_a_loop(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomically(tmp_path / "no" / "entry", b"x", prefix=".tmp-")
