"""safety.yaml-load: ``yaml.load`` without a safe loader, added by the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guardrails.rules._calls import CallRule
from guardrails.rules.base import Case, Expect

if TYPE_CHECKING:
    from guardrails.semantic.facts import CallSite

_LOADS = frozenset({"yaml.load", "yaml.load_all"})
_UNSAFE = frozenset({"yaml.unsafe_load", "yaml.unsafe_load_all"})
_SAFE_LOADERS = frozenset({"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"})


class SafetyYamlLoad(CallRule):
    id = "safety.yaml-load"
    summary = "added yaml.load without a safe loader"

    def match(self, call: CallSite) -> tuple[str, str] | None:
        fix = "use yaml.safe_load(...) (or Loader=yaml.SafeLoader)"
        if call.name in _UNSAFE:
            return f"`{call.written}` added: constructs arbitrary Python objects", fix
        if call.name not in _LOADS:
            return None
        loader = call.keyword("Loader")
        if loader is None and len(call.positional()) > 1:
            loader = call.positional()[1]
        if loader is not None and loader.code.rsplit(".", 1)[-1] in _SAFE_LOADERS:
            return None
        if loader is None and call.has_star_kwargs:
            return None
        used = f"Loader={loader.code}" if loader is not None else "no Loader"
        return f"`{call.written}` with {used} added: can construct arbitrary Python objects", fix


SafetyYamlLoad.INVALID = (
    Case(
        "import yaml\n",
        "import yaml\ncfg = yaml.load(text)\n",
        expect=(Expect(2, "block", ("with no Loader",)),),
    ),
    Case(
        "import yaml\n",
        "import yaml\ncfg = yaml.load(fh, Loader=yaml.Loader)\n",
        expect=(Expect(2, "block", ("Loader=yaml.Loader",)),),
    ),
    Case(
        "from yaml import unsafe_load\n",
        "from yaml import unsafe_load\nx = unsafe_load(s)\n",
        expect=(Expect(2, "block", ("`unsafe_load`",)),),
    ),
)

SafetyYamlLoad.VALID = (
    Case("import yaml\n", "import yaml\ncfg = yaml.safe_load(text)\n", note="safe_load"),
    Case(
        "import yaml\n",
        "import yaml\ncfg = yaml.load(text, Loader=yaml.SafeLoader)\n",
        note="safe loader",
    ),
    Case(
        "import yaml\n",
        "import yaml\nfrom yaml import CSafeLoader\ncfg = yaml.load(text, CSafeLoader)\n",
        note="positional safe loader",
    ),
    Case(
        "import yaml\nx = yaml.load(t)\n", "import yaml\nx = yaml.load(t)\n\n", note="pre-existing"
    ),
)
