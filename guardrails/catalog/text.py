"""Catalog files as text: UTF-8 or a located problem.

``changes.decode`` keeps bytes that are not UTF-8 as surrogates, which suits diffs (a line
with a Latin-1 comment still diffs), but the C YAML loader cannot encode surrogates and a
``# café`` saved as Latin-1 in ``guardrails.yaml`` became an internal error. Catalog files
(``guardrails.yaml``, ``guardrails-service.yaml``, ``catalog-info.yaml``, CODEOWNERS) are
decoded strictly instead, and the first bad byte is a :class:`Problem` naming its line.
"""

from __future__ import annotations

from guardrails.errors import Problem

_BOM = b"\xef\xbb\xbf"


def decode_text(data: bytes, path: str) -> tuple[str | None, Problem | None]:
    """``(text, None)`` for UTF-8 (a leading BOM dropped), else ``(None, problem)``."""
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as err:
        return None, _not_utf8(body, err.start, path)


def _not_utf8(body: bytes, start: int, path: str) -> Problem:
    line_start = body.rfind(b"\n", 0, start) + 1
    # Everything before the first bad byte decodes: count characters, as an editor shows them.
    column = len(body[line_start:start].decode("utf-8")) + 1
    return Problem(
        f"not valid UTF-8 (byte 0x{body[start]:02x} at column {column})",
        path=path,
        line=body.count(b"\n", 0, start) + 1,
        fix="save the file as UTF-8",
    )
