// Which elements of a large board the canvas draws in detail (static/editor/detail.js).
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// An ES module served to browsers as is: imported from a copy named .mjs (see model.test.mjs).
const copy = join(mkdtempSync(join(tmpdir(), "archboard-detail-")), "detail.mjs");
copyFileSync(join(root, "static", "editor", "detail.js"), copy);
const { BEYOND, IN_VIEW, KEEP, MARGIN, grow, segmentIn, wantedDetail, zoneOfPoint, zoneOfSegment, zonesAround } = await import(pathToFileURL(copy).href);

const view = { x1: 0, y1: 0, x2: 100, y2: 50 };
const zones = zonesAround(view, { pad: 0, margin: 1, keep: 2 });

test("a rectangle grows by its own size per screen on each side", () => {
  assert.deepEqual(grow(view, 1), { x1: -100, y1: -50, x2: 200, y2: 100 });
});

test("points fall in the view, the margin, the keep distance or beyond", () => {
  assert.equal(zoneOfPoint({ x: 50, y: 25 }, zones), IN_VIEW);
  assert.equal(zoneOfPoint({ x: 150, y: 25 }, zones), MARGIN);
  assert.equal(zoneOfPoint({ x: 50, y: -80 }, zones), KEEP);
  assert.equal(zoneOfPoint({ x: 400, y: 25 }, zones), BEYOND);
});

test("a connection between two components outside the view that crosses it is in view", () => {
  assert.ok(segmentIn({ x: -50, y: 25 }, { x: 150, y: 25 }, view));
  assert.ok(segmentIn({ x: 50, y: -500 }, { x: 50, y: 500 }, view));
  assert.equal(zoneOfSegment({ x: -500, y: -500 }, { x: 500, y: 500 }, zones), IN_VIEW);
});

test("a connection that passes by the view is not in it", () => {
  assert.ok(!segmentIn({ x: -50, y: 60 }, { x: 150, y: 60 }, view));
  assert.ok(!segmentIn({ x: 90, y: -50 }, { x: 150, y: 20 }, view));
  assert.equal(zoneOfSegment({ x: 150, y: 60 }, { x: 180, y: 80 }, zones), MARGIN);
});

test("zoomed far out everything is far; closer in the view and the margin are near", () => {
  const near = "near zoom-s";
  assert.equal(wantedDetail(IN_VIEW, "near", { far: true, near: "near" }), "far");
  assert.equal(wantedDetail(IN_VIEW, "far", { far: false, near }), near);
  assert.equal(wantedDetail(MARGIN, "far", { far: false, near }), near);
  assert.equal(wantedDetail(BEYOND, near, { far: false, near }), "far");
});

test("within the keep distance an element keeps its detail, at this zoom's label size", () => {
  assert.equal(wantedDetail(KEEP, "far", { far: false, near: "near" }), "far");
  assert.equal(wantedDetail(KEEP, "near zoom-xs", { far: false, near: "near zoom-s" }), "near zoom-s");
});
