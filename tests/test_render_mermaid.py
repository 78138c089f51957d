"""The PR comment's picture really renders: real Mermaid in real headless Chromium.

Needs Debian's chromium and the npm packages in tests/render/node_modules, which
`tests/render/setup.sh` installs (`.ci/run` calls it). Without them the test is skipped and
says why, so `make test` stays runnable offline; GUARDRAILS_SETUP_REQUIRED=1 turns the skip
into a failure (for CI, where a missing install step must not pass quietly).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from guardrails.report import markdown
from tests import checkdocs

HERE = Path(__file__).resolve().parent / "render"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NODE_RE = re.compile(
    r'<g class="node default (?P<role>\w+)" id="[^"]*-flowchart-(?P<id>n\d+)-\d+"'
    r'.*?class="nodeLabel"[^>]*>(?P<label>.*?)</span>',
    re.S,
)

pytestmark = pytest.mark.slow


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    for pkg in ("mermaid", "playwright-core"):
        if not (HERE / "node_modules" / pkg / "package.json").exists():
            return f"the npm package {pkg} is not in tests/render/node_modules"
    return None


def _render(tmp_path: Path, diagrams: list[dict[str, str]]) -> list[dict[str, Any]]:
    missing = _missing()
    if missing:
        reason = f"Mermaid render test skipped: {missing}; run tests/render/setup.sh"
        if os.environ.get("GUARDRAILS_SETUP_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    src = tmp_path / "diagrams.json"
    src.write_text(json.dumps(diagrams), encoding="utf-8")
    node = shutil.which("node")
    assert node is not None
    proc = subprocess.run(
        [node, str(HERE / "render.mjs"), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "CHROMIUM": CHROMIUM},
    )
    assert proc.returncode == 0, proc.stderr
    out: list[dict[str, Any]] = json.loads(proc.stdout)
    return out


def _nodes(svg: str) -> dict[str, tuple[str, list[str]]]:
    """Mermaid id -> (role class, label lines), read off the rendered SVG."""
    out = {}
    for m in NODE_RE.finditer(svg):
        text = re.sub(r"<br\s*/?>", "\n", m.group("label"))
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
        out[m.group("id")] = (m.group("role"), text.split("\n"))
    return out


CASES = {
    "small": checkdocs.small(),
    "radius300": checkdocs.radius(300),
    "awkward": checkdocs.radius(len(checkdocs.AWKWARD), names=checkdocs.AWKWARD),
}


def test_the_markdown_picture_renders_in_a_real_browser(tmp_path: Path) -> None:
    charts = {name: markdown.mermaid(doc)[0] for name, doc in CASES.items()}
    # the exact text the PR comment carries, cut out of the rendered report
    for name, doc in CASES.items():
        report = markdown.render(doc, checkdocs.META)
        assert f"```mermaid\n{charts[name]}```" in report
    results = _render(tmp_path, [{"name": k, "text": v} for k, v in charts.items()])
    assert [r["name"] for r in results] == list(charts)
    for r in results:
        doc = CASES[r["name"]]
        assert r["error"] is None, (r["name"], r["error"])
        assert r["pageErrors"] == []
        svg = r["svg"]
        assert svg.startswith("<svg") and "Syntax error" not in svg
        nodes = _nodes(svg)
        changed = {lines[0] for role, lines in nodes.values() if role == "changed"}
        assert changed == {n["id"] for n in doc["impact"]["changed"]}, r["name"]
        if r["name"] == "radius300":
            assert len(nodes) == markdown.MAX_NODES
        if r["name"] == "awkward":
            drawn = {lines[0] for _, lines in nodes.values()}
            assert set(checkdocs.AWKWARD) <= drawn
            assert "tier 0" in {lines[-1] for _, lines in nodes.values()}


def test_a_broken_chart_is_reported_as_an_error(tmp_path: Path) -> None:
    """The render check can fail: names written as they are, unescaped, break real Mermaid."""
    raw = 'flowchart LR\n    n0[service:arr[0]] --> n1[say "hi"]\n'
    [result] = _render(tmp_path, [{"name": "raw", "text": raw}])
    assert result["svg"] is None
    assert "Parse error" in result["error"]
