// The board as the client holds it, and what ops do to it.
//
// The server (whiteboard/domain/ops.py) is the authority on op semantics; this module applies
// them too, held to the same conformance vectors (tests/conformance/ops.json, run against both
// sides), so that the client can show an edit before the server confirms it (optimistic apply),
// replay unconfirmed edits on top of the confirmed board, and compute the op that undoes an edit.
// It does not validate shapes: a bad op is rejected by the server and rolled back here.
//
// Elements are never mutated: an update makes a new object. So two boards (the confirmed one and
// the one on screen) can share every element an op did not touch.

const SECTIONS = { node: "nodes", edge: "edges", group: "groups" };
const NODE_KEYS = ["id", "kind", "label", "x", "y", "group", "props"];
const EDGE_KEYS = ["id", "source", "target", "label", "props"];
const GROUP_KEYS = ["id", "label", "parent", "props"];
const KEYS = { node: NODE_KEYS, edge: EDGE_KEYS, group: GROUP_KEYS };

export class OpError extends Error {}

export class Board {
  constructor(doc) {
    this.top = {};
    this.nodes = new Map();
    this.edges = new Map();
    this.groups = new Map();
    if (doc) this.load(doc);
  }

  load(doc) {
    this.top = {};
    for (const [key, value] of Object.entries(doc)) {
      if (!["nodes", "edges", "groups"].includes(key)) this.top[key] = value;
    }
    this.nodes = new Map((doc.nodes || []).map((n) => [n.id, n]));
    this.edges = new Map((doc.edges || []).map((e) => [e.id, e]));
    this.groups = new Map((doc.groups || []).map((g) => [g.id, g]));
  }

  clone() {
    const copy = new Board();
    copy.top = { ...this.top };
    copy.nodes = new Map(this.nodes);
    copy.edges = new Map(this.edges);
    copy.groups = new Map(this.groups);
    return copy;
  }

  section(kind) {
    return this[SECTIONS[kind]];
  }

  get(id) {
    return this.nodes.get(id) || this.edges.get(id) || this.groups.get(id) || null;
  }

  kindOf(id) {
    if (this.nodes.has(id)) return "node";
    if (this.edges.has(id)) return "edge";
    if (this.groups.has(id)) return "group";
    return null;
  }

  has(id) {
    return this.kindOf(id) !== null;
  }

  toDocument() {
    return {
      format: "archboard/1",
      ...this.top,
      nodes: [...this.nodes.values()],
      edges: [...this.edges.values()],
      groups: [...this.groups.values()],
    };
  }

  // Apply one op in place and return the set of element ids it touched (for the canvas).
  apply(op, touched = new Set()) {
    const action = op.action;
    if (action === "batch") {
      // All or nothing, as on the server: the ops go to a copy (it shares every element), which
      // becomes this board only once every op has applied.
      const scratch = this.clone();
      const seen = new Set();
      for (const sub of op.ops) scratch.apply(sub, seen);
      Object.assign(this, { top: scratch.top, nodes: scratch.nodes, edges: scratch.edges, groups: scratch.groups });
      for (const id of seen) touched.add(id);
      return touched;
    }
    if (action === "replace") {
      for (const id of this.allIds()) touched.add(id);
      this.load(op.board);
      for (const id of this.allIds()) touched.add(id);
      touched.add("@board");
      return touched;
    }
    if (action === "set_board") {
      for (const [key, value] of Object.entries(op.set)) {
        if (value === null) delete this.top[key];
        else this.top[key] = value;
      }
      touched.add("@board");
      return touched;
    }
    const [verb, kind] = action.split("_");
    const section = this.section(kind);
    if (verb === "add") {
      const element = op[kind];
      if (this.has(element.id)) throw new OpError(`id '${element.id}' is already used`);
      if (kind === "edge") this.requireEnds(element);
      if (kind === "node" && element.group != null) this.require("group", element.group);
      if (kind === "group" && element.parent != null) this.require("group", element.parent);
      section.set(element.id, element);
      touched.add(element.id);
      return touched;
    }
    const old = this.require(kind, op.id);
    if (verb === "update") {
      const merged = mergeElement(old, op.set, KEYS[kind]);
      if (kind === "edge") this.requireEnds(merged);
      if (kind === "node" && op.set.group != null) this.require("group", op.set.group);
      if (kind === "group" && op.set.parent != null) this.requireParent(op.id, op.set.parent);
      section.set(op.id, merged);
      touched.add(op.id);
      return touched;
    }
    section.delete(op.id);
    touched.add(op.id);
    if (kind === "node") {
      for (const edge of [...this.edges.values()]) {
        if (edge.source === op.id || edge.target === op.id) {
          this.edges.delete(edge.id);
          touched.add(edge.id);
        }
      }
    } else if (kind === "group") {
      const parent = old.parent ?? null;
      for (const node of [...this.nodes.values()]) {
        if (node.group === op.id) {
          this.nodes.set(node.id, mergeElement(node, { group: parent }, NODE_KEYS));
          touched.add(node.id);
        }
      }
      for (const group of [...this.groups.values()]) {
        if (group.parent === op.id) {
          this.groups.set(group.id, mergeElement(group, { parent }, GROUP_KEYS));
          touched.add(group.id);
        }
      }
    }
    return touched;
  }

  // The op that undoes `op` on this board (as it is before `op`). Mirrors ops.inverse_op.
  inverse(op) {
    const scratch = this.clone();
    return scratch.inverseAndApply(op);
  }

  inverseAndApply(op) {
    if (op.action === "batch") {
      const undo = [];
      for (const sub of op.ops) {
        const inv = this.inverseAndApply(sub);
        undo.push(inv.action === "batch" ? inv.ops : [inv]);
      }
      return { action: "batch", ops: undo.reverse().flat() };
    }
    const inv = this.inverseOne(op);
    this.apply(op);
    return inv;
  }

  inverseOne(op) {
    const action = op.action;
    if (action === "replace") return { action: "replace", board: this.toDocument() };
    if (action === "set_board") {
      const back = {};
      for (const key of Object.keys(op.set)) back[key] = this.top[key] ?? null;
      return { action: "set_board", set: back };
    }
    const [verb, kind] = action.split("_");
    if (verb === "add") return { action: `delete_${kind}`, id: op[kind].id };
    const old = this.require(kind, op.id);
    if (verb === "update") {
      const back = {};
      for (const [key, value] of Object.entries(op.set)) {
        if (key === "props") {
          back.props = {};
          for (const prop of Object.keys(value)) back.props[prop] = (old.props || {})[prop] ?? null;
        } else {
          back[key] = old[key] ?? null;
        }
      }
      return { action, id: op.id, set: back };
    }
    if (kind === "edge") return { action: "add_edge", edge: old };
    if (kind === "node") {
      const ops = [{ action: "add_node", node: old }];
      for (const edge of this.edges.values()) {
        if (edge.source === op.id || edge.target === op.id) ops.push({ action: "add_edge", edge });
      }
      return { action: "batch", ops };
    }
    const ops = [{ action: "add_group", group: old }];
    for (const group of this.groups.values()) {
      if (group.parent === op.id) ops.push({ action: "update_group", id: group.id, set: { parent: op.id } });
    }
    for (const node of this.nodes.values()) {
      if (node.group === op.id) ops.push({ action: "update_node", id: node.id, set: { group: op.id } });
    }
    return { action: "batch", ops };
  }

  require(kind, id) {
    const element = this.section(kind).get(id);
    if (!element) throw new OpError(`no ${kind} with id '${id}' (it was deleted or never added)`);
    return element;
  }

  requireEnds(edge) {
    this.require("node", edge.source);
    this.require("node", edge.target);
    if (edge.source === edge.target) throw new OpError("an edge cannot connect a node to itself");
  }

  requireParent(groupId, parent) {
    let cursor = this.require("group", parent);
    while (cursor) {
      if (cursor.id === groupId) throw new OpError("groups cannot contain themselves");
      cursor = cursor.parent != null ? this.groups.get(cursor.parent) : null;
    }
  }

  *allIds() {
    yield* this.nodes.keys();
    yield* this.edges.keys();
    yield* this.groups.keys();
  }

  // Ids of a group and every group nested in it.
  groupSubtree(groupId) {
    const result = new Set([groupId]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const group of this.groups.values()) {
        if (group.parent != null && result.has(group.parent) && !result.has(group.id)) {
          result.add(group.id);
          grew = true;
        }
      }
    }
    return result;
  }

  freshId(prefix) {
    const base = prefix.replace(/[^A-Za-z0-9_.:-]/g, "_").slice(0, 40) || "el";
    for (;;) {
      const id = `${base}_${Math.random().toString(36).slice(2, 7)}`;
      if (!this.has(id)) return id;
    }
  }
}

function mergeElement(old, changes, keys) {
  const merged = { ...old };
  for (const [key, value] of Object.entries(changes)) {
    if (key === "props") {
      const props = { ...(old.props || {}) };
      for (const [prop, propValue] of Object.entries(value)) {
        if (propValue === null) delete props[prop];
        else props[prop] = propValue;
      }
      merged.props = props;
    } else if (value === null) {
      delete merged[key];
    } else {
      merged[key] = value;
    }
  }
  const ordered = {};
  for (const key of keys) if (key in merged) ordered[key] = merged[key];
  return ordered;
}
