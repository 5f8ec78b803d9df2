// Which connection labels the canvas leaves out zoomed out (static/editor/declutter.js).
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// An ES module served to browsers as is: imported from a copy named .mjs (see model.test.mjs).
const copy = join(mkdtempSync(join(tmpdir(), "archboard-declutter-")), "declutter.mjs");
copyFileSync(join(root, "static", "editor", "declutter.js"), copy);
const { textBox, tuckedLabels } = await import(pathToFileURL(copy).href);

const box = (x1, y1, x2, y2) => ({ x1, y1, x2, y2 });

test("a label clear of everything is kept, one over a component is left out", () => {
  const labels = [
    { id: "clear", box: box(0, 0, 40, 10) },
    { id: "over", box: box(100, 100, 140, 110) },
  ];
  assert.deepEqual([...tuckedLabels(labels, [box(120, 90, 180, 150)])], ["over"]);
});

test("of two colliding labels the smaller stays, and a third clear of the kept one stays too", () => {
  const labels = [
    { id: "long", box: box(0, 0, 100, 12) },
    { id: "short", box: box(50, 5, 80, 15) },
    { id: "beside", box: box(90, 20, 120, 30) },
  ];
  assert.deepEqual([...tuckedLabels(labels, [])], ["long"]);
});

test("equal labels are decided by id, whatever order they come in", () => {
  const a = { id: "a", box: box(0, 0, 40, 10) };
  const b = { id: "b", box: box(20, 0, 60, 10) };
  assert.deepEqual([...tuckedLabels([a, b], [])], ["b"]);
  assert.deepEqual([...tuckedLabels([b, a], [])], ["b"]);
});

test("boxes across grid cells are found in every cell they touch", () => {
  // A component straddling the cell border at x = 200 and a label wholly in the next cell.
  const labels = [{ id: "next", box: box(205, 10, 240, 20) }];
  assert.deepEqual([...tuckedLabels(labels, [box(150, 0, 250, 30)])], ["next"]);
});

test("a text box wraps at its width and is centred on its point", () => {
  const one = textBox("HTTPS", 10, 100, 50, 50);
  assert.ok(one.x1 < 50 && one.x2 > 50 && Math.abs(one.x1 + one.x2 - 100) < 1e-9);
  assert.ok(Math.abs((one.y1 + one.y2) / 2 - 50) < 1e-9);
  const wrapped = textBox("a rather long connection label that wraps", 10, 60, 0, 0, { top: true });
  assert.equal(wrapped.y1, 0);
  assert.ok(wrapped.x2 - wrapped.x1 <= 60 + 1e-9);
  assert.ok(wrapped.y2 - wrapped.y1 >= 3 * 10 * 1.2);
});
