"""Import extraction's fast path (top-level spans, large classes and defs narrowed to their
importing statements) against a parse of the whole file: wherever the whole file parses,
both read the same records, line for line; wherever it does not, neither raises."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails.imports.extract import _extract_whole, extract_raw
from tests.fuzz.conftest import tried

_METHODS = "".join(
    f"    def m{i}(self, a, b={i}):\n        return a + b\n\n" for i in range(30)
).encode()
BASE = (
    b"import os\n\n\nclass Big(Base):\n    '''Doc.'''\n\n" + _METHODS
    + b"    def lazy(self):\n        import json\n        return json\n\n" + _METHODS
    + b"def top(\n    x=(1, 2),\n    y=[3],\n):\n" + _METHODS.replace(b"    def", b"    z = 1\n    def")
)

_lines = st.sampled_from(
    [
        b"    import a\n",
        b"        from . import b\n",
        b"    try:\n        import c\n    except ImportError:\n        c = None\n",
        b"    if TYPE_CHECKING:\n        import d\n    else:\n        import e\n",
        b"    @decorate(importer)\n",
        b"    @property\n",
        b"    def f(self):\n        importlib.import_module('dyn')\n",
        b"    x = imported + \\\n",
        b"    y = [1,\n",
        b"    2]\n",
        b"    )\n",
        b"    '''\n",
        b'    """import inside a string\n    """\n',
        b"    # import in a comment\n",
        b"    class Inner:\n        import g\n",
        b"\tdef tabbed(self):\n\t\timport h\n",
        b"    async def co(self):\n        async with s:\n            import i\n",
        b"    lam = lambda: __import__('j')\n",
        b"    match v:\n        case 1:\n            import k\n",
        b"\n",
        b"    \n",
        b"\r\n",
        b"\\\n",
        b"def broken(:\n",
        b"class After:\n    import l\n",
        b"\fdef fed():\n    import m\n",
        b"    \fif TYPE_CHECKING:\n    import n\n",
        b"    x = [lambda:\n    __import__('o'),\n    2]\n",
        b"    y = (')',\n    importlib.import_module('p'), '(',\n    3)\n",
    ]
)


@st.composite
def _large(draw: st.DrawFn) -> bytes:
    lines = BASE.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 6))):
        # Mostly between two statements of a body (where the result may still parse),
        # sometimes anywhere at all.
        between = [i for i, ln in enumerate(lines) if ln.startswith((b"    def ", b"def "))]
        if draw(st.integers(0, 4)):
            at, cut = between[draw(st.integers(0, len(between) - 1))], 0
        else:
            at, cut = draw(st.integers(0, len(lines))), draw(st.integers(0, 3))
        lines[at : at + cut] = [draw(_lines)]
    return b"".join(lines)


@settings(max_examples=1500)
@given(_large())
def test_the_fast_path_reads_what_the_whole_file_holds(data: bytes) -> None:
    fast = extract_raw(data)
    whole = _extract_whole(data)
    if whole[1] is None and whole[2] == "ast":
        tried("Python source (import extraction, parses)")
        assert fast == whole
    else:
        tried("Python source (import extraction, does not parse)")
