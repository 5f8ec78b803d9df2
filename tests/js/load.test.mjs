// The Load tab's figures as a person reads them (static/editor/load.js). Run with
// `node --test tests/js/` (make test does).
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// The editor's modules are ES modules served as .js: copied beside a package.json that says so.
const dir = mkdtempSync(join(tmpdir(), "archboard-load-"));
writeFileSync(join(dir, "package.json"), '{"type": "module"}');
for (const name of ["load.js", "labels.js", "overlay.js"]) copyFileSync(join(root, "static", "editor", name), join(dir, name));
const { formatAvailability, formatMs, formatPercent, formatScale, heatColour, scaleOf } = await import(pathToFileURL(join(dir, "load.js")).href);

test("availability shows the digits its nines need and the nines", () => {
  assert.equal(formatAvailability(0.9995), "99.95 % (3.3 nines)");
  assert.equal(formatAvailability(0.99995028), "99.995 % (4.3 nines)");
  assert.equal(formatAvailability(0.9), "90.0 % (1.0 nines)");
  assert.equal(formatAvailability(1), "100 % (no failure modelled)");
  assert.equal(formatAvailability(null), "—");
});

test("times are shown in the unit that reads best", () => {
  assert.equal(formatMs(4.25), "4.3 ms");
  assert.equal(formatMs(250), "250 ms");
  assert.equal(formatMs(1144.9), "1.14 s");
  assert.equal(formatMs(35971), "36.0 s");
  assert.equal(formatMs(1_800_000), "30.0 min");
  assert.equal(formatMs(null), "—");
});

test("utilisation is a whole percentage, a trickle below 1 % says so", () => {
  assert.equal(formatPercent(0.7347), "73 %");
  assert.equal(formatPercent(0.004), "<1 %");
  assert.equal(formatPercent(0), "0 %");
  assert.equal(formatPercent(2.11), "211 %");
});

test("heat runs from green through amber to red and stays red over capacity", () => {
  assert.equal(heatColour(0), "rgb(23, 178, 106)");
  assert.equal(heatColour(0.6), "rgb(247, 144, 9)");
  assert.equal(heatColour(1), "rgb(217, 45, 32)");
  assert.equal(heatColour(3), "rgb(217, 45, 32)");
});

test("the slider is logarithmic from x0.1 to x10", () => {
  assert.equal(scaleOf(-1), 0.1);
  assert.equal(scaleOf(0), 1);
  assert.equal(scaleOf(1), 10);
});

test("a scale reads as a factor", () => {
  assert.equal(formatScale(1), "×1");
  assert.equal(formatScale(3.16), "×3.16");
  assert.equal(formatScale(1.5), "×1.5");
  assert.equal(formatScale(0.1), "×0.10");
  assert.equal(formatScale(12500), "×12,500");
});
