// The op semantics of SPEC section 5 as data (tests/conformance/ops.json), run against the
// editor's model (static/editor/model.js); tests/test_ops_conformance.py runs the same vectors
// against the server's. Run with `node --test tests/js/` (make test does).
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// model.js is an ES module served to browsers as is; Node reads .js files in this package as
// CommonJS, so it is imported from a copy named .mjs.
const copy = join(mkdtempSync(join(tmpdir(), "archboard-model-")), "model.mjs");
copyFileSync(join(root, "static", "editor", "model.js"), copy);
const { Board, OpError } = await import(pathToFileURL(copy).href);

const spec = JSON.parse(readFileSync(join(root, "tests", "conformance", "ops.json"), "utf8"));

function expectedAfter(vector) {
  if (vector.after) return vector.after;
  const after = structuredClone(spec.boards[vector.before]);
  for (const section of ["nodes", "edges", "groups"]) {
    if (vector[`after_${section}`]) after[section] = vector[`after_${section}`];
  }
  return { ...after, ...(vector.after_top || {}) };
}

function byId(doc) {
  const sorted = (list) => [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { ...doc, nodes: sorted(doc.nodes), edges: sorted(doc.edges), groups: sorted(doc.groups) };
}

for (const vector of spec.vectors) {
  if (vector.server_only) continue;
  test(vector.name, () => {
    const before = spec.boards[vector.before];
    const board = new Board(structuredClone(before));
    if (vector.error) {
      assert.throws(() => board.apply(vector.op), OpError);
      assert.deepEqual(board.toDocument(), before, "a rejected op leaves the board as it was");
      return;
    }
    board.apply(structuredClone(vector.op));
    assert.deepEqual(board.toDocument(), expectedAfter(vector));
  });
  if (!vector.error) {
    test(`${vector.name}: and its inverse restores the board`, () => {
      const before = spec.boards[vector.before];
      const board = new Board(structuredClone(before));
      const undo = board.inverse(vector.op);
      board.apply(structuredClone(vector.op));
      board.apply(undo);
      // Undo puts an element back at the end of its list: the same board, in another order.
      assert.deepEqual(byId(board.toDocument()), byId(before));
    });
  }
}
