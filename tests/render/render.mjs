// Renders Mermaid diagrams with the real mermaid library in headless Chromium (Debian's),
// driven by playwright-core. Input: a JSON file [{"name", "text"}]; output on stdout:
// [{"name", "svg", "error"}]. With a second argument DIR, a PNG of each diagram goes there.
// No network: the page is about:blank and mermaid comes from node_modules.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const mermaidJs = join(dirname(require.resolve("mermaid/package.json")), "dist", "mermaid.min.js");

const [input, shots] = process.argv.slice(2);
const diagrams = JSON.parse(readFileSync(input, "utf8"));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.setContent("<!doctype html><meta charset=utf-8><body><div id=out></div></body>");
  await page.addScriptTag({ path: mermaidJs });
  await page.evaluate(() => window.mermaid.initialize({ startOnLoad: false }));
  const results = [];
  for (const [i, d] of diagrams.entries()) {
    const r = await page.evaluate(async ({ text, id }) => {
      try {
        const { svg } = await window.mermaid.render(id, text);
        document.getElementById("out").innerHTML = svg;
        return { svg, error: null };
      } catch (e) {
        return { svg: null, error: String(e && e.message ? e.message : e) };
      }
    }, { text: d.text, id: `d${i}` });
    if (shots && r.svg) {
      await page.locator("#out svg").screenshot({ path: join(shots, `${d.name}.png`) });
    }
    results.push({ name: d.name, ...r, pageErrors: consoleErrors.splice(0) });
  }
  process.stdout.write(JSON.stringify(results));
} finally {
  await browser.close();
}
