"""safety.pickle: deserialising pickle/marshal data, added by the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guardrails.rules._calls import CallRule
from guardrails.rules.base import Case, Expect

if TYPE_CHECKING:
    from guardrails.semantic.facts import CallSite

_NAMES = frozenset(
    f"{m}.{f}"
    for m in ("pickle", "cPickle", "_pickle", "marshal", "dill", "cloudpickle")
    for f in ("load", "loads")
) | {"pickle.Unpickler"}


class SafetyPickle(CallRule):
    id = "safety.pickle"
    summary = "added pickle.loads/marshal.loads on data that is not a literal"

    def match(self, call: CallSite) -> tuple[str, str] | None:
        if call.name not in _NAMES:
            return None
        first = call.positional()[:1]
        if first and first[0].is_literal:
            return None
        return (
            f"`{call.written}` added: unpickling untrusted data runs arbitrary code",
            "exchange data as JSON (or another schema'd format); if pickle must stay, "
            "sign it and verify with hmac first",
        )


SafetyPickle.INVALID = (
    Case(
        "import pickle\n",
        "import pickle\nobj = pickle.loads(body)\n",
        expect=(Expect(2, "block", ("`pickle.loads` added",)),),
    ),
    Case(
        "import marshal\n",
        "import marshal\ncode = marshal.loads(blob)\n",
        expect=(Expect(2, "block", ("`marshal.loads`",)),),
    ),
    Case(
        "from pickle import load\n",
        "from pickle import load\nwith open(p, 'rb') as fh:\n    state = load(fh)\n",
        expect=(Expect(3, "block", ("`load` added",)),),
    ),
)

SafetyPickle.VALID = (
    Case(
        "import pickle\n", "import pickle\nblob = pickle.dumps(obj)\n", note="dumps is not a load"
    ),
    Case("import json\n", "import json\nobj = json.loads(body)\n", note="json"),
    Case(
        "import pickle\nx = pickle.loads(b)\n",
        "import pickle\nx = pickle.loads(b)\ny = 2\n",
        note="pre-existing",
    ),
    Case(
        "import pickle\n",
        "import pickle\nx = pickle.loads(b'\\x80\\x04K\\x01.')\n",
        note="a literal",
    ),
)
