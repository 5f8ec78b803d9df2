// Board policies as a person reads them (static/editor/policies.js): kinds and categories by
// name, and the draft a finding about a connection gives. Run with `node --test tests/js/`.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// The editor's modules are ES modules served as .js: copied beside a package.json that says so.
const dir = mkdtempSync(join(tmpdir(), "archboard-policies-"));
writeFileSync(join(dir, "package.json"), '{"type": "module"}');
for (const name of ["policies.js", "labels.js"]) copyFileSync(join(root, "static", "editor", name), join(dir, name));
const { Policies } = await import(pathToFileURL(join(dir, "policies.js")).href);
const { useKinds } = await import(pathToFileURL(join(dir, "labels.js")).href);

const kinds = {
  agent: { name: "AI agent", category: "ai", techs: [] },
  sql_db: { name: "SQL database", category: "data", techs: [{ id: "postgresql", name: "PostgreSQL" }] },
  browser: { name: "Browser", category: "client", techs: [] },
};
useKinds(kinds);
const board = {
  nodes: new Map([
    ["a", { kind: "agent", label: "Planner" }],
    ["d", { kind: "sql_db" }],
  ]),
  edges: new Map([["e", { source: "a", target: "d" }]]),
  groups: new Map([["g", { label: "Backend" }]]),
};
const config = {
  max: 50,
  prefix: "policy:",
  schema: { properties: { id: { pattern: "^[a-z0-9-]{1,64}(?![\\s\\S])" }, severity: { enum: ["error", "warning", "info"], default: "warning" }, message: { maxLength: 2000 }, limit: { properties: { min_replicas: { minimum: 1, maximum: 1000 } } } } },
};
const policies = new Policies({
  root: null,
  sync: Object.assign(new EventTarget(), { view: board }),
  findings: { review: () => ({ policies: [{ id: "taken" }] }) },
  kinds,
  categories: { client: "Clients", ai: "AI", data: "Data" },
  config,
  editable: () => false,
});

test("a forbid policy reads with the kind and category names and its severity", () => {
  const policy = { id: "no-agent-to-data", severity: "error", forbid: { from: { kind: ["agent"] }, to: { category: ["data"] } } };
  assert.equal(policies.describe(policy), "no-agent-to-data: Forbid: AI agent → Data (direct edges) — error");
  assert.equal(policies.describe({ id: "p", forbid: { from: {}, to: { kind: ["sql_db", "agent"] }, direct: false } }), "p: Forbid: any component → SQL database or AI agent (any path) — warning");
});

test("require and limit policies name techs and groups by their names", () => {
  assert.equal(policies.describe({ id: "r", severity: "info", require: { from: { category: ["client"] }, to: { tech: ["postgresql"] }, through: { group: ["g"] } } }), "r: Require: Clients → PostgreSQL through group Backend — info");
  assert.equal(policies.describe({ id: "l", limit: { select: { category: ["data"] }, min_replicas: 3 } }), "l: Limit: Data at least 3 replicas — warning");
});

test("a finding on one connection drafts a policy from its ends, others none", () => {
  assert.deepEqual(Policies.draftFrom(board, { nodes: ["a", "d"], edges: ["e"] }), { source: "agent", target: "sql_db" });
  assert.equal(Policies.draftFrom(board, { nodes: ["a"], edges: [] }), null);
  assert.equal(Policies.draftFrom(board, { nodes: [], edges: ["gone"] }), null);
});

test("the form refuses a bad or taken id before sending", () => {
  assert.match(policies.problem({ id: "Bad id" }), /1 to 64 characters/);
  assert.match(policies.problem({ id: "taken" }), /already has a policy/);
  assert.equal(policies.problem({ id: "taken" }, "taken"), null);
  assert.equal(policies.problem({ id: "fresh", limit: { min_replicas: 0 } }) !== null, true);
  assert.equal(policies.problem({ id: "fresh" }), null);
});
