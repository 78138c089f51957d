"""`guardrails policies list | show | test`, and the built-in pack's own fixture cases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from guardrails.app.policy_cases import find_cases
from guardrails.cli import cli
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "policies" / "tests"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("case", find_cases(CASES), ids=lambda p: p.name)
def test_builtin_pack_case(case: Path) -> None:
    result = run("policies", "test", str(case))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.endswith("1 passed, 0 failed\n")


def test_policies_test_runs_the_shipped_cases_by_default() -> None:
    result = run("policies", "test")
    assert result.exit_code == 0, result.stdout
    names = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("ok")]
    assert names == sorted(p.name for p in find_cases(CASES)) and len(names) >= 6


def test_a_failing_case_exits_1_with_a_readable_diff(tmp_path: Path) -> None:
    case = tmp_path / "cases" / "shell"
    shutil.copytree(CASES / "default" / "security-shell-blocks", case)
    expected = case / "expected.yaml"
    expected.write_text(expected.read_text().replace("decision: block", "decision: pass"))
    result = run("policies", "test", str(tmp_path / "cases"))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "FAIL  shell",
        "      --- expected",
        "      +++ got",
        "      @@ -1,4 +1,4 @@",
        "      -decision: pass",
        "      +decision: block",
        "       findings:",
        "       - path: ranker/rank.py",
        "         policy: default.security",
        "0 passed, 1 failed",
    ]


def test_no_cases_is_an_error(tmp_path: Path) -> None:
    result = run("policies", "test", str(tmp_path))
    assert result.exit_code == 2 and "no cases under" in result.stderr


def test_list_and_show(repo: GitRepo) -> None:
    repo.write(
        {
            "guardrails.yaml": "version: 1\npolicies: [builtin:default, ./team.yaml]\n",
            "team.yaml": "apiVersion: guardrails/v1\nkind: PolicyPack\nname: team\n"
            "applies_to: {affects: [team:ranking]}\npolicies:\n"
            "  - id: team.shell-warns\n    rule: safety.shell\n    severity: warn\n",
        }
    )
    listed = run("policies", "list", "-C", str(repo.root))
    assert listed.exit_code == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "builtin:default: default"
    assert (
        "  default.security: safety.shell, safety.os-system, safety.eval, safety.pickle, "
        "safety.yaml-load, safety.tls-verify-off, safety.secret -> block [locked]"
    ) in lines
    assert (
        '  default.agent-critical-reach: the change when change.author.kind != "human" && '
        "impact.min_tier <= 1; needs 1 human approval per team from affected-owners"
    ) in lines
    assert lines[-2:] == [
        "./team.yaml: team (runs when team:ranking is affected)",
        "  team.shell-warns: safety.shell -> warn",
    ]
    shown = run("policies", "show", "team.shell-warns", "-C", str(repo.root))
    assert shown.exit_code == 0
    assert "defined at:         team.yaml:6\n" in shown.stdout
    # a built-in policy names its pack, never the install location on this machine
    builtin = run("policies", "show", "default.security", "-C", str(repo.root))
    assert "defined at:         builtin:default:" in builtin.stdout
    assert str(ROOT) not in builtin.stdout
    missing = run("policies", "show", "team.shell-warn", "-C", str(repo.root))
    assert missing.exit_code == 2 and "did you mean 'team.shell-warns'?" in missing.stderr


INCIDENTS = (  # the public post-mortems builtin:default may cite
    "Google Cloud, 2025-06-12",
    "CrowdStrike, 2024-07-19",
    "Cloudflare, 2019-07-02",
    "Cloudflare, 2025-11-18",
    "Cloudflare, 2025-12-05",
    "Facebook, 2021-10-04",
    "Knight Capital, 2012-08-01",
)


def test_every_builtin_policy_cites_an_incident_and_has_a_runbook() -> None:
    from guardrails.policy.load import load_policies

    policies = load_policies(["builtin:default"], lambda path: None).policies
    assert len(policies) >= 12
    for p in policies:
        assert p.rationale and any(i in p.rationale for i in INCIDENTS), p.id
        assert p.runbook and (ROOT / p.runbook).is_file(), (p.id, p.runbook)
    locked = sorted(p.id for p in policies if p.locked)
    assert locked == ["default.config-invalid", "default.security", "default.self-protect"]


def test_an_installed_package_provides_a_pack_by_entry_point(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from guardrails.catalog import config

    # A real package on sys.path with a real entry point (a dist-info declaring it), as
    # `pip install` would register.
    pkg = tmp_path / "site" / "acme_packs"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise RuntimeError('a pack is data: never imported')\n")
    (pkg / "acme.yaml").write_text(
        "apiVersion: guardrails/v1\nkind: PolicyPack\nname: acme\npolicies:\n"
        "  - id: acme.shell-warns\n    rule: safety.shell\n    severity: warn\n"
    )
    meta = tmp_path / "site" / "acme_packs-1.0.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-packs\nVersion: 1.0\n")
    (meta / "entry_points.txt").write_text("[guardrails.policies]\nacme = acme_packs\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    config.builtin_packs.cache_clear()
    try:
        repo.write({"guardrails.yaml": "version: 1\npolicies: [builtin:acme]\n"})
        listed = run("policies", "list", "-C", str(repo.root))
        assert listed.exit_code == 0, listed.stderr
        assert listed.stdout.splitlines() == [
            "builtin:acme: acme",
            "  acme.shell-warns: safety.shell -> warn",
        ]
        assert "acme_packs" not in sys.modules
    finally:
        config.builtin_packs.cache_clear()


def test_an_expression_that_is_not_utf8_is_a_cel_error_not_a_type_error() -> None:
    # found by the fuzz suite: cel-cpp's binding raised TypeError on a lone surrogate
    from guardrails.policy.cel import CelError, compile_expression

    with pytest.raises(CelError, match=r"^not valid UTF-8 text at column 3$"):
        compile_expression("1 \udc80")
