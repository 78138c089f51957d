"""Attribute use: which names of an imported module a file names (issue 9, item 2)."""

from __future__ import annotations

import pytest

from guardrails.imports.uses import FileUses, UseIndex

M = "esphome.components.font"

NAMES = [
    # (source, attribute, named)
    ("from esphome.components import font\nfont.validate_font(1)\n", "validate_font", True),
    ("from esphome.components import font\nfont.validate_font(1)\n", "download", False),
    ("from esphome.components import font as f\nf.download(1)\n", "download", True),
    ("import esphome.components.font\nesphome.components.font.download()\n", "download", True),
    ("import esphome.components.font as fonts\ngetattr(fonts, 'download')\n", "download", True),
    ("import esphome.components.font as fonts\ngetattr(fonts, name)\n", "download", False),
    ("from esphome import components\ncomponents.font.download()\n", "download", True),
    ("from .. import font\nfont.download()\n", "download", True),  # relative: a suffix
    ("from esphome.components import font\nfont.download_content.x\n", "download", False),
    ("import esphome.components.font\nfont.download()\n", "download", False),  # not bound
]


@pytest.mark.parametrize(("source", "attr", "named"), NAMES)
def test_a_site_names_a_member_only_through_a_binding(source: str, attr: str, named: bool) -> None:
    uses = FileUses.parse(source)
    assert uses is not None
    assert uses.names(M, attr) is named


def test_field_reads_and_unreadable_files() -> None:
    uses = FileUses.parse("def f(e):\n    return e['Kind'], e.user_id, Event(ts=1)\n")
    assert uses is not None
    assert [uses.reads_field(n) for n in ("Kind", "user_id", "ts", "other")] == [
        True,
        True,
        True,
        False,
    ]
    index = UseIndex({"ok.py": "import x\nx.y\n", "bad.py": "def (:\n"}.get)
    assert [index.names(p, "x", "y") for p in ("ok.py", "bad.py", "gone.py")] == [
        True,
        None,
        None,
    ]
