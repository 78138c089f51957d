"""Zero-config and `guardrails init` through the CLI on real repositories."""

from __future__ import annotations

import json

from click.testing import CliRunner, Result

from guardrails.cli import cli
from tests.gitrepo import GitRepo

FILES = {
    "CODEOWNERS": "/billing/ @acme/billing\n/payments/ @acme/pay\n/apps/web/ @acme/web\n",
    "billing/__init__.py": "",
    "billing/invoice.py": "from payments.api import charge\n",
    "payments/__init__.py": "",
    "payments/api.py": "def charge():\n    return 1\n",
    "apps/web/pyproject.toml": "[project]\nname = 'web'\nversion = '1'\n",
    "apps/web/web/__init__.py": "",
    "apps/web/web/views.py": "import billing.invoice\n",
}


def run(repo: GitRepo, *args: str) -> Result:
    return CliRunner().invoke(
        cli, [args[0], "-C", str(repo.root), *args[1:]], catch_exceptions=False
    )


def test_zero_config_infers_services_owners_and_import_edges(repo: GitRepo) -> None:
    repo.write(FILES)
    repo.commit("init")
    result = run(repo, "affected", "payments/api.py", "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["changed"] == [
        {"id": "service:payments", "owner": "team:pay", "tier": 2, "files": ["payments/api.py"]}
    ]
    assert [(a["id"], a["path"]) for a in out["affected"]] == [
        ("service:billing", ["service:billing", "service:payments"]),
        ("service:web", ["service:web", "service:billing", "service:payments"]),
    ]
    assert out["teams"] == ["team:billing", "team:pay", "team:web"]
    why = json.loads(
        run(repo, "affected", "payments/api.py", "--why", "service:web", "--format", "json").stdout
    )
    assert [
        [e["path"], e["line"], e["text"]]
        for hop in why["chains"][0]["hops"]
        for e in hop["evidence"]
    ] == [
        ["apps/web/web/views.py", 1, "import billing.invoice"],
        ["billing/invoice.py", 1, "from payments.api import charge"],
    ]


def test_init_writes_a_config_that_validates_and_never_overwrites(repo: GitRepo) -> None:
    repo.write(FILES)
    repo.commit("init")
    first = run(repo, "init")
    assert first.exit_code == 0 and "wrote" in first.stderr
    text = (repo.root / "guardrails.yaml").read_text()
    assert '"payments"  # billing/invoice.py:1 `from payments.api import charge`' in text
    assert run(repo, "validate").exit_code == 0
    (repo.root / "guardrails.yaml").write_text("version: 1\n# mine\n")
    again = run(repo, "init")
    assert again.exit_code == 2 and "already exists" in again.stderr and "--force" in again.stderr
    assert (repo.root / "guardrails.yaml").read_text() == "version: 1\n# mine\n"
    assert run(repo, "init", "--force").exit_code == 0
    assert (repo.root / "guardrails.yaml").read_text() == text


def test_validate_in_zero_config_counts_the_inferred_services(repo: GitRepo) -> None:
    repo.write(FILES)
    repo.commit("init")
    result = run(repo, "validate")
    assert result.exit_code == 0
    assert "no guardrails.yaml (zero-config): valid — 3 services" in result.stdout


def test_a_named_config_missing_on_both_sides_is_a_usage_error_in_ci(repo: GitRepo) -> None:
    repo.write(FILES)
    repo.commit("init")
    repo.branch("f")
    repo.write({"billing/x.py": "X = 1\n"})
    repo.commit("x")
    result = run(repo, "check", "--base", "main", "--config", "ci/guardrails.yaml")
    assert (
        result.exit_code == 2
        and "ci/guardrails.yaml" in result.stderr
        and "not found" in result.stderr
    )


def test_validate_lists_what_import_inference_could_not_read(repo: GitRepo) -> None:
    repo.write(
        {
            **FILES,
            "payments/broken.py": "from billing import (a,\n",
            "payments/more.py": "from ... import x\n",
        }
    )
    repo.commit("init")
    result = run(repo, "validate")
    assert result.exit_code == 0
    notes = [line for line in result.stdout.splitlines() if "import inference" in line]
    assert any("payments/broken.py" in n for n in notes)
    assert any("payments/more.py" in n for n in notes)
    assert "import problems" in result.stdout
