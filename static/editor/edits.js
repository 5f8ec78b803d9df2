// The editing actions behind the commands: each reads the selection and the board as shown and
// submits one op (a batch when it changes several elements), so one undo takes it back.

import { snap } from "./canvas.js";
import { kindName } from "./labels.js";

export function selectedElements(app) {
  const board = app.sync.view;
  const ids = app.canvas.selectedIds().filter((id) => board.has(id));
  return {
    ids,
    nodes: ids.filter((id) => board.nodes.has(id)),
    edges: ids.filter((id) => board.edges.has(id)),
    groups: ids.filter((id) => board.groups.has(id)),
  };
}

function one(ops) {
  return ops.length === 1 ? ops[0] : { action: "batch", ops };
}

function groupDepth(board, id) {
  let d = 0;
  for (let g = board.groups.get(id); g && g.parent != null && d < 10; g = board.groups.get(g.parent)) d += 1;
  return d;
}

export function deleteSelection(app) {
  const board = app.sync.view;
  const { nodes, edges, groups } = selectedElements(app);
  const nodeSet = new Set(nodes);
  const ops = [];
  for (const id of edges) {
    const edge = board.edges.get(id);
    if (!nodeSet.has(edge.source) && !nodeSet.has(edge.target)) ops.push({ action: "delete_edge", id });
  }
  for (const id of nodes) ops.push({ action: "delete_node", id });
  // Inner groups first, so each delete finds its group still there.
  for (const id of groups.sort((a, b) => groupDepth(board, b) - groupDepth(board, a))) ops.push({ action: "delete_group", id });
  if (!ops.length) return;
  app.canvas.cy.$(":selected").unselect();
  app.edits.submit(one(ops));
}

export function groupSelection(app) {
  const board = app.sync.view;
  const { nodes, groups } = selectedElements(app);
  if (nodes.length + groups.length < 1) return app.toast("Select the components to group first.");
  const parents = new Set([...nodes.map((id) => board.nodes.get(id).group ?? null), ...groups.map((id) => board.groups.get(id).parent ?? null)]);
  const parent = parents.size === 1 ? [...parents][0] : null;
  const id = board.freshId("group");
  const group = { id, label: "New group", props: {} };
  if (parent != null) group.parent = parent;
  const ops = [{ action: "add_group", group }];
  for (const nid of nodes) ops.push({ action: "update_node", id: nid, set: { group: id } });
  for (const gid of groups) ops.push({ action: "update_group", id: gid, set: { parent: id } });
  if (app.edits.submit({ action: "batch", ops })) {
    app.canvas.select([id]);
    app.machine.editText(id);
  }
}

export function ungroup(app) {
  const { groups } = selectedElements(app);
  if (!groups.length) return app.toast("Select a group to ungroup.");
  app.edits.submit(one(groups.map((id) => ({ action: "delete_group", id }))));
}

// A new connection with the board's default route for new connections; it is selected.
export function addEdge(app, source, target) {
  const board = app.sync.view;
  if (!board.nodes.has(source) || !board.nodes.has(target) || source === target) return null;
  const id = board.freshId("e");
  const props = app.routeDefault() ? { route: app.routeDefault() } : {};
  if (!app.edits.submit({ action: "add_edge", edge: { id, source, target, label: "", props } })) return null;
  app.canvas.select([id]);
  return id;
}

export function connectSelected(app) {
  const { nodes } = selectedElements(app);
  if (nodes.length !== 2) return app.toast("Select exactly two components to connect them.");
  const order = app.canvas.cy.$(":selected").nodes().map((n) => n.id());
  addEdge(app, order[0], order[1]);
}

export function reverseEdges(app) {
  const board = app.sync.view;
  const { edges } = selectedElements(app);
  if (!edges.length) return app.toast("Select a connection to reverse it.");
  const ops = edges.map((id) => {
    const edge = board.edges.get(id);
    return { action: "update_edge", id, set: { source: edge.target, target: edge.source } };
  });
  app.edits.submit(one(ops));
}

// Set how the selected connections are routed, and make it the default for new ones.
export function setRoute(app, route) {
  app.setRouteDefault(route);
  const board = app.sync.view;
  const ops = selectedElements(app)
    .edges.filter((id) => board.edges.get(id).props?.route !== route)
    .map((id) => ({ action: "update_edge", id, set: { props: { route } } }));
  if (ops.length) app.edits.submit(one(ops));
  else app.toast(`New connections will be ${route}.`);
}

export function nudge(app, dx, dy) {
  const board = app.sync.view;
  const { nodes, groups } = selectedElements(app);
  const moving = new Set(nodes);
  for (const gid of groups) {
    const sub = board.groupSubtree(gid);
    for (const node of board.nodes.values()) if (node.group != null && sub.has(node.group)) moving.add(node.id);
  }
  const ops = [];
  for (const id of moving) {
    const p = app.canvas.cy.getElementById(id).position();
    ops.push({ action: "update_node", id, set: { x: snap(p.x) + dx, y: snap(p.y) + dy } });
  }
  if (ops.length) app.edits.submit(one(ops));
}

// A component of `kind` (with the technology `tech`, if any) at a canvas position (snapped);
// inside the innermost group there. It is named after its technology, else its kind.
export function placeNode(app, kind, pos, { tech = null } = {}) {
  const board = app.sync.view;
  const id = board.freshId(kind);
  const named = tech ? app.config.kinds[kind]?.techs?.find((t) => t.id === tech) : null;
  const label = app.canvas.isNote(kind) ? "" : named?.name || kindName(kind);
  const node = { id, kind, label, x: snap(pos.x), y: snap(pos.y), props: named ? { tech: named.id } : {} };
  const hit = app.canvas.cy
    .nodes(".group")
    .filter((g) => {
      const bb = g.boundingBox({ includeLabels: false });
      return node.x >= bb.x1 && node.x <= bb.x2 && node.y >= bb.y1 && node.y <= bb.y2;
    })
    .sort((a, b) => b.ancestors().length - a.ancestors().length);
  if (hit.nonempty()) node.group = hit[0].id();
  if (!app.edits.submit({ action: "add_node", node })) return null;
  app.canvas.select([id]);
  app.canvas.container.focus({ preventScroll: true });
  return id;
}

// The kind the palette offers for free text (SPEC 1.1: category `annotation`), if any.
export function noteKind(app) {
  return Object.keys(app.config.kinds).find((kind) => app.canvas.isNote(kind)) || null;
}

export function addNote(app, pos = null) {
  const kind = noteKind(app);
  if (!kind) return app.toast("This server's palette has no note kind yet.");
  const id = placeNode(app, kind, pos || app.canvas.viewCenter());
  if (id) app.machine.editText(id);
}

export async function autoLayout(app) {
  app.toast("Laying out…");
  try {
    const response = await fetch(app.config.layoutUrl, { credentials: "same-origin" });
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || response.statusText);
    const board = app.sync.view;
    const ops = [];
    for (const [id, pos] of Object.entries(body.positions)) {
      const node = board.nodes.get(id);
      if (!node) continue;
      const x = snap(pos.x);
      const y = snap(pos.y);
      if (node.x !== x || node.y !== y) ops.push({ action: "update_node", id, set: { x, y } });
    }
    if (!ops.length) return app.toast("Already laid out.");
    app.edits.submit({ action: "batch", ops });
    app.canvas.fit();
  } catch (error) {
    app.toast(`Auto-layout failed: ${error.message}`, "error");
  }
}
