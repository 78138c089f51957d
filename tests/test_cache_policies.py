"""The policy packs remembered under .git/guardrails: every input that changes the packs in
force changes the answer, errors are never remembered, and a warm run loads no YAML.

Each test loads through the real wiring (``app.policy_source.load_policy_set``) against a
store in tmp_path and counts the loader's runs (the real loader, wrapped): a hit is a run
that did not parse. Nothing here is timed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from msgspec.structs import replace

import guardrails
from guardrails import cache
from guardrails.app.policy_source import load_policy_set, policy_problems
from guardrails.cache import store as store_mod
from guardrails.catalog.model import Catalog
from guardrails.errors import ConfigError
from guardrails.policy import load as load_mod
from guardrails.policy.model import PolicySet
from tests.cli_run import run_listing_modules
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parent.parent
REAL_LOAD = load_mod.load_policies  # uncounted: the reference the remembered packs must equal

PACK = """\
apiVersion: guardrails/v1
kind: PolicyPack
name: ranking
policies:
  - id: ranking.shell
    rule: safety.shell
    when: 'finding.path.startsWith("svc/")'
    severity: warn
  - id: ranking.reach
    require:
      approvals: {from: [team:ta], count: 2}
"""

BAD = PACK.replace("when: 'finding.path.startsWith(\"svc/\")'", "when: 'finding.path +'")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "store"
    cache.activate(root)
    yield root
    cache.activate(None)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per run of the real loader."""
    runs: list[int] = []

    def counted(*args: object, **kwargs: object) -> PolicySet:
        runs.append(1)
        return REAL_LOAD(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(load_mod, "load_policies", counted)
    return runs


def catalog(*refs: str, overrides: tuple[tuple[str, str, int], ...] = ()) -> Catalog:
    return Catalog(policies=refs, config_path="guardrails.yaml", overrides=overrides)


def fresh(cat: Catalog, files: dict[str, bytes], *, skip_missing: bool = False) -> PolicySet:
    return REAL_LOAD(
        cat.policies,
        files.get,
        overrides=cat.overrides,
        config_path=cat.config_path or "guardrails.yaml",
        skip_missing=skip_missing,
    )


def whens(policies: PolicySet) -> list[tuple[str, str | None]]:
    return [(p.id, p.when.source if p.when else None) for p in policies.policies]


def test_a_second_load_is_read_back_and_equal(store: Path, loads: list[int]) -> None:
    cat = catalog("builtin:default", "policies/ranking.yaml")
    files = {"policies/ranking.yaml": PACK.encode()}
    first = load_policy_set(cat, files.get)
    second = load_policy_set(cat, files.get)
    assert len(loads) == 1
    assert second == first == fresh(cat, files)
    assert whens(second) == whens(first)
    assert [p.qualified_id for p in second.policies][-2:] == [
        "policies/ranking.yaml/ranking.shell",
        "policies/ranking.yaml/ranking.reach",
    ]
    reach = second.policies[-1]
    assert reach.require is not None and (reach.require.sources, reach.require.count) == (
        ("team:ta",),
        2,
    )
    assert second.forbid_suppression() == first.forbid_suppression()


def test_a_remembered_when_is_compiled_again_and_gives_the_same_answer(
    store: Path, loads: list[int]
) -> None:
    cat = catalog("policies/ranking.yaml")
    files = {"policies/ranking.yaml": PACK.encode()}
    load_policy_set(cat, files.get)
    remembered = load_policy_set(cat, files.get)
    assert len(loads) == 1
    when = remembered.policies[0].when
    assert when is not None and when._compiled is not None
    assert when.evaluate({"finding": {"path": "svc/a.py"}}) is True
    assert when.evaluate({"finding": {"path": "lib/a.py"}}) is False


def test_a_when_that_no_longer_compiles_is_a_miss(store: Path, loads: list[int]) -> None:
    # As after an upgrade of the CEL binding: the entry was written when the source compiled.
    from guardrails.cache import active

    cat = catalog("policies/ranking.yaml")
    files = {"policies/ranking.yaml": PACK.encode()}
    first = load_policy_set(cat, files.get)
    entries = active()
    assert entries is not None
    (packs_key,) = [
        p.name
        for p in store.rglob("*")
        if p.is_file()
        and isinstance(entries.get("policies", p.name), tuple)
        and len(entries.get("policies", p.name)) == 2  # type: ignore[arg-type]
    ]
    ids, packs = entries.get("policies", packs_key)  # type: ignore[misc]
    ((pack, ((policy, when), *rest)),) = packs
    assert when == 'finding.path.startsWith("svc/")'
    entries.put("policies", packs_key, (ids, ((pack, ((policy, "finding.path +"), *rest)),)))
    assert load_policy_set(cat, files.get) == first
    assert len(loads) == 2


def test_a_pack_edit_changes_the_answer(store: Path, loads: list[int]) -> None:
    cat = catalog("policies/ranking.yaml")
    files = {"policies/ranking.yaml": PACK.encode()}
    load_policy_set(cat, files.get)
    files["policies/ranking.yaml"] = PACK.replace("severity: warn", "severity: info").encode()
    edited = load_policy_set(cat, files.get)
    assert edited.policies[0].severity == "info"
    assert edited == fresh(cat, files)
    files["policies/ranking.yaml"] = PACK.encode()
    assert load_policy_set(cat, files.get).policies[0].severity == "warn"
    assert len(loads) == 2  # the first content's entry was still there


def test_another_pack_an_override_or_a_config_path_changes_the_answer(
    store: Path, loads: list[int]
) -> None:
    files = {"policies/ranking.yaml": PACK.encode(), "policies/other.yaml": PACK.encode()}
    base = catalog("policies/ranking.yaml")
    load_policy_set(base, files.get)
    other = load_policy_set(catalog("policies/other.yaml"), files.get)
    assert other.packs[0].path == "policies/other.yaml"
    both = load_policy_set(catalog("policies/ranking.yaml", "builtin:default"), files.get)
    assert [p.ref for p in both.packs] == ["policies/ranking.yaml", "builtin:default"]
    override = catalog("policies/ranking.yaml", overrides=(("ranking.shell", "block", 7),))
    assert load_policy_set(override, files.get).policies[0].severity == "block"
    moved = replace(base, config_path="config/guardrails.yaml")
    assert load_policy_set(moved, files.get) == fresh(moved, files)
    assert len(loads) == 5


def test_an_edit_of_the_builtin_pack_changes_the_answer(
    store: Path, loads: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "shipped"
    shutil.copytree(ROOT / "policies", shipped)
    monkeypatch.setattr("guardrails.resources.data_path", lambda kind: shipped)
    cat = catalog("builtin:default")
    first = load_policy_set(cat, {}.get)
    assert first.packs[0].path == str(shipped / "default.yaml")
    text = (shipped / "default.yaml").read_text()
    (shipped / "default.yaml").write_text(text.replace("name: default", "name: edited"))
    assert load_policy_set(cat, {}.get).packs[0].name == "edited"
    # Another installation (another place for the built-in packs) never reads this one's.
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "policies", elsewhere)
    monkeypatch.setattr("guardrails.resources.data_path", lambda kind: elsewhere)
    assert load_policy_set(cat, {}.get).packs[0].path == str(elsewhere / "default.yaml")
    assert len(loads) == 3


def test_a_guardrails_upgrade_gives_new_keys(
    store: Path, loads: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = catalog("builtin:default")
    load_policy_set(cat, {}.get)
    monkeypatch.setattr(guardrails, "__version__", guardrails.__version__ + ".post1")
    store_mod.reset_fingerprint()
    try:
        load_policy_set(cat, {}.get)
        assert len(loads) == 2
    finally:
        monkeypatch.undo()
        store_mod.reset_fingerprint()


def test_errors_are_never_remembered(store: Path, loads: list[int]) -> None:
    cat = catalog("policies/ranking.yaml")
    files = {"policies/ranking.yaml": BAD.encode()}
    messages = []
    for _ in range(2):
        with pytest.raises(ConfigError) as err:
            load_policy_set(cat, files.get)
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("policies/ranking.yaml:7: policy ranking.shell: `when` is not")
    assert "\n" not in messages[0]
    assert not [p for p in store.rglob("*") if p.is_file()]
    files["policies/ranking.yaml"] = PACK.encode()
    assert load_policy_set(cat, files.get) == fresh(cat, files)
    files["policies/ranking.yaml"] = BAD.encode()
    with pytest.raises(ConfigError):
        load_policy_set(cat, files.get)
    assert policy_problems(cat, files.get)[0].line == 7
    assert len(loads) == 5


def test_a_missing_pack_is_remembered_as_missing_only_when_skipped(
    store: Path, loads: list[int]
) -> None:
    cat = catalog("builtin:default", "policies/ranking.yaml")
    assert [p.ref for p in load_policy_set(cat, {}.get, skip_missing=True).packs] == [
        "builtin:default"
    ]
    assert [p.ref for p in load_policy_set(cat, {}.get, skip_missing=True).packs] == [
        "builtin:default"
    ]
    assert len(loads) == 1
    files = {"policies/ranking.yaml": PACK.encode()}
    assert len(load_policy_set(cat, files.get, skip_missing=True).packs) == 2
    with pytest.raises(ConfigError, match="pack file 'policies/ranking.yaml' does not exist"):
        load_policy_set(cat, {}.get)


def test_what_resolves_through_more_than_one_file_is_not_remembered(
    store: Path, loads: list[int]
) -> None:
    cat = catalog("builtin:default", "builtin:no-such-pack")
    for _ in range(2):
        assert len(load_policy_set(cat, {}.get, skip_missing=True).packs) == 1
    assert len(loads) == 2


@pytest.mark.parametrize("how", ["truncate", "flip", "foreign"])
def test_damaged_entries_are_ignored_and_rebuilt(store: Path, loads: list[int], how: str) -> None:
    cat = catalog("builtin:default", "policies/ranking.yaml")
    files = {"policies/ranking.yaml": PACK.encode()}
    first = load_policy_set(cat, files.get)
    for path in (p for p in store.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if how == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif how == "flip":
            path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
        else:
            path.write_bytes(store_mod.MAGIC + b"\0" * 16 + data[len(store_mod.MAGIC) + 16 :])
    assert load_policy_set(cat, files.get) == first
    assert len(loads) == 2
    assert load_policy_set(cat, files.get) == first
    assert len(loads) == 2  # rebuilt, then read back


def test_a_warm_check_loads_no_yaml(repo: GitRepo, tmp_path: Path) -> None:
    repo.write(
        {
            "guardrails.yaml": "version: 1\nteams:\n  ta: {members: [ana]}\nservices:\n"
            "  a: {owner: ta, paths: ['a/**']}\npolicies: [builtin:default, policies/ranking.yaml]\n",
            "policies/ranking.yaml": PACK,
            "a/x.py": "x = 1\n",
            "README.md": "hi\n",
        }
    )
    repo.commit("initial")
    repo.write({"README.md": "hi\nthere\n"})
    repo.stage()
    runs = [
        run_listing_modules(
            repo.root, tmp_path / f"run{i}.txt", "check", "--staged", "--format", "json"
        )
        for i in range(2)
    ]
    assert [(r.returncode, "yaml" in loaded) for r, loaded in runs] == [(0, True), (0, False)]
    assert runs[0][0].stdout == runs[1][0].stdout
