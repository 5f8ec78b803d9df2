// The editor page: wires the canvas, palette, socket, presence and panels together, and holds
// the commands (undo/redo, clipboard, group, delete, layout) and their keyboard shortcuts.

import { Canvas, snap } from "./canvas.js";
import { Comments } from "./comments.js";
import { Palette } from "./palette.js";
import { Findings, Properties } from "./panels.js";
import { Presence } from "./presence.js";
import { Sync } from "./sync.js";

const config = JSON.parse(document.getElementById("editor-config").textContent);
const readOnly = config.role === "viewer";
const $ = (selector) => document.querySelector(selector);

// --- toasts --------------------------------------------------------------------------------

function toast(text, kind = "info", ms = 4500) {
  const box = $("#toasts");
  const item = document.createElement("div");
  item.className = `toast ${kind}`;
  item.setAttribute("role", kind === "error" ? "alert" : "status");
  item.textContent = text;
  box.append(item);
  while (box.children.length > 4) box.firstElementChild.remove();
  setTimeout(() => item.classList.add("leaving"), ms);
  setTimeout(() => item.remove(), ms + 300);
}

// --- the session ---------------------------------------------------------------------------

const sync = new Sync({ url: config.wsPath, board: config.board, version: config.version, user: config.user, readOnly });

// Undo/redo of this user's own edits: each entry is the op and the op that undoes it, computed
// against the board as shown when the op was made.
const history = { undo: [], redo: [] };

function submit(op, { record = true } = {}) {
  if (readOnly) return null;
  let inverse = null;
  try {
    inverse = sync.view.inverse(op);
  } catch (error) {
    toast(error.message, "error");
    return null;
  }
  const id = sync.submit(op);
  if (id && record) {
    history.undo.push({ op, inverse });
    if (history.undo.length > 200) history.undo.shift();
    history.redo = [];
  }
  return id;
}

function undo() {
  const entry = history.undo.pop();
  if (!entry) return toast("Nothing to undo.");
  let back;
  try {
    back = sync.view.inverse(entry.inverse);
  } catch {
    return toast("Cannot undo: what that edit changed has since been changed or deleted by someone.", "error");
  }
  if (sync.submit(entry.inverse)) history.redo.push({ op: entry.inverse, inverse: back });
}

function redo() {
  const entry = history.redo.pop();
  if (!entry) return toast("Nothing to redo.");
  let back;
  try {
    back = sync.view.inverse(entry.inverse);
  } catch {
    return toast("Cannot redo: the board has changed since.", "error");
  }
  if (sync.submit(entry.inverse)) history.undo.push({ op: entry.inverse, inverse: back });
}

// --- the canvas ----------------------------------------------------------------------------

const stage = $("#stage");
performance.mark("archboard:start");
const canvas = new Canvas({
  container: $("#cy"),
  stage,
  kinds: config.kinds,
  look: config.look,
  readOnly,
  onOp: (op) => submit(op),
  getBoard: () => sync.view,
});
performance.mark("archboard:cy");
canvas.load(sync.view);
performance.mark("archboard:loaded");
canvas.cy.resize();
canvas.fit();
performance.mark("archboard:fit");
// A node of a drawn picture exported with links (?links=1) links here as #node-<id>.
const linked = /^#node-(.+)$/.exec(window.location.hash);
if (linked && sync.view.nodes.has(decodeURIComponent(linked[1]))) {
  const id = decodeURIComponent(linked[1]);
  canvas.select([id]);
  canvas.centreOn(canvas.cy.getElementById(id));
}

const properties = new Properties({
  root: $("#inspector"),
  canvas,
  sync,
  kinds: config.kinds,
  readOnly,
  onOp: (op) => submit(op),
  onAction: (action) => commands[action]?.(),
});

const findings = new Findings({
  list: $("#findings"),
  summary: $("#review-summary"),
  count: $("#findings-count"),
  canvas,
  badges: $("#badges"),
  url: config.reviewUrl,
  sync,
  onFocus: (ids) => {
    const eles = canvas.cy.collection(ids.map((id) => canvas.cy.getElementById(id)).filter((el) => el.nonempty()));
    if (eles.empty()) return;
    canvas.select(ids);
    canvas.centreOn(eles);
    canvas.flash(eles);
  },
});

new Presence({ canvas, sync, layer: $("#cursors"), list: $("#peers"), me: config.user });

const comments = new Comments({
  canvas,
  sync,
  layer: $("#comment-markers"),
  panel: $("#comments-panel"),
  title: $("#comments-title"),
  count: $("#comments-count"),
  status: $("#review-status-slot"),
  urls: { comments: config.commentsUrl, markers: config.markersUrl, status: config.reviewStatusUrl },
  onOpen: () => showTab("comments"),
});

const palette = new Palette({
  root: $("#palette"),
  stage,
  canvas,
  kinds: config.kinds,
  readOnly,
  onPlace: (kind, pos, tech) => {
    const board = sync.view;
    const id = board.freshId(kind);
    const named = tech ? config.kinds[kind]?.techs.find((t) => t.id === tech) : null;
    const label = named?.name || config.kinds[kind]?.name || kind;
    const node = { id, kind, label, x: pos.x, y: pos.y, props: named ? { tech: named.id } : {} };
    // Dropped inside a group: it joins the innermost one.
    const hit = canvas.cy
      .nodes(".group")
      .filter((g) => {
        const bb = g.boundingBox({ includeLabels: false });
        return pos.x >= bb.x1 && pos.x <= bb.x2 && pos.y >= bb.y1 && pos.y <= bb.y2;
      })
      .sort((a, b) => b.ancestors().length - a.ancestors().length);
    if (hit.nonempty()) node.group = hit[0].id();
    if (submit({ action: "add_node", node })) {
      canvas.select([id]);
      canvas.container.focus();
    }
  },
});

// On-screen latency of other people's edits (issue 6, read by bench/editor.py): from the
// `applied` frame arriving to the first canvas draw that includes the change (`drawn`), and to
// the end of that frame, once the page is painted with it (`applied`).
const metrics = { applied: [], drawn: [] };
let undrawn = []; // arrival times of remote changes made on the canvas and not drawn yet
const record = (list, ms) => {
  list.push(ms);
  if (list.length > 2000) list.shift();
};
canvas.cy.on("render", () => {
  if (!undrawn.length) return;
  const arrivals = undrawn;
  undrawn = [];
  const drawn = performance.now();
  for (const arrived of arrivals) record(metrics.drawn, drawn - arrived);
  // A task posted during the frame runs once the frame is painted.
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const painted = performance.now();
    for (const arrived of arrivals) record(metrics.applied, painted - arrived);
  };
  channel.port2.postMessage(null);
});

sync.addEventListener("change", (event) => {
  const { touched, arrived } = event.detail;
  canvas.reconcile(touched, sync.view);
  if (arrived != null && undrawn.length < 1000) undrawn.push(arrived);
  properties.refresh(touched);
  if (touched.has("@board")) updateTitle();
  findings.refreshSoon();
});

sync.addEventListener("rejected", (event) => {
  const { error, local } = event.detail;
  toast(local ? error : `Your edit was undone: the server refused it (${error}).`, "error", 7000);
});
sync.addEventListener("status", (event) => showStatus(event.detail));
sync.addEventListener("snapshot", () => findings.refreshSoon(0));
window.addEventListener("online", () => sync.retry());

function showStatus({ state, text }) {
  if (state === "online" && !performance.getEntriesByName("archboard:live").length) performance.mark("archboard:live");
  const el = $("#conn");
  el.className = `conn conn-${state}`;
  const pending = sync.pending.length;
  const label = {
    connecting: "Connecting…",
    online: "Live",
    reconnecting: "Reconnecting…",
    offline: pending ? `Offline · ${pending} edit${pending === 1 ? "" : "s"} waiting` : "Offline · reconnecting",
    forbidden: "No access",
  }[state];
  el.querySelector(".conn-text").textContent = label;
  el.title = text || label;
  document.body.classList.toggle("is-offline", state === "offline" || state === "reconnecting");
  if (state === "forbidden") toast(text || "You no longer have access to this board.", "error", 15000);
}

function updateTitle() {
  const name = sync.view.top.name || "";
  const input = $("#board-name");
  if (input.tagName === "INPUT") {
    if (document.activeElement !== input) input.value = name;
  } else {
    input.textContent = name || "Untitled board";
  }
  document.title = `${name || "Untitled board"} · Archboard`;
}

const nameInput = $("#board-name");
if (nameInput.tagName === "INPUT") {
  const commitName = () => {
    const value = nameInput.value.trim();
    if (value !== (sync.view.top.name || "")) submit({ action: "set_board", set: { name: value } });
  };
  nameInput.addEventListener("change", commitName);
  nameInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") nameInput.blur();
    if (event.key === "Escape") {
      nameInput.value = sync.view.top.name || "";
      nameInput.blur();
    }
  });
}

// --- commands ------------------------------------------------------------------------------

let clipboard = null;

function selectedElements() {
  const board = sync.view;
  const ids = canvas.selectedIds().filter((id) => board.has(id));
  return {
    nodes: ids.filter((id) => board.nodes.has(id)),
    edges: ids.filter((id) => board.edges.has(id)),
    groups: ids.filter((id) => board.groups.has(id)),
  };
}

function deleteSelection() {
  const board = sync.view;
  const { nodes, edges, groups } = selectedElements();
  const nodeSet = new Set(nodes);
  const ops = [];
  for (const id of edges) {
    const edge = board.edges.get(id);
    if (!nodeSet.has(edge.source) && !nodeSet.has(edge.target)) ops.push({ action: "delete_edge", id });
  }
  for (const id of nodes) ops.push({ action: "delete_node", id });
  // Inner groups first, so each delete finds its group still there.
  const depth = (id) => {
    let d = 0;
    for (let g = board.groups.get(id); g && g.parent != null && d < 10; g = board.groups.get(g.parent)) d += 1;
    return d;
  };
  for (const id of groups.sort((a, b) => depth(b) - depth(a))) ops.push({ action: "delete_group", id });
  if (!ops.length) return;
  canvas.cy.$(":selected").unselect();
  submit(ops.length === 1 ? ops[0] : { action: "batch", ops });
}

function copySelection() {
  const board = sync.view;
  const { nodes } = selectedElements();
  const groupIds = new Set(selectedElements().groups);
  // A selected group brings its members.
  for (const gid of [...groupIds]) for (const sub of board.groupSubtree(gid)) groupIds.add(sub);
  const nodeIds = new Set(nodes);
  for (const node of board.nodes.values()) if (node.group != null && groupIds.has(node.group)) nodeIds.add(node.id);
  if (!nodeIds.size) return false;
  clipboard = {
    nodes: [...nodeIds].map((id) => board.nodes.get(id)),
    edges: [...board.edges.values()].filter((e) => nodeIds.has(e.source) && nodeIds.has(e.target)),
    groups: [...groupIds].map((id) => board.groups.get(id)),
    pastes: 0,
  };
  return true;
}

function paste() {
  if (!clipboard) return toast("Nothing to paste: copy components first.");
  const board = sync.view;
  clipboard.pastes += 1;
  const shift = 40 * clipboard.pastes;
  const ids = new Map();
  const fresh = (old, prefix) => {
    let id = board.freshId(prefix);
    while ([...ids.values()].includes(id)) id = board.freshId(prefix);
    ids.set(old, id);
    return id;
  };
  const ops = [];
  const groups = clipboard.groups.slice();
  const copied = new Set(groups.map((g) => g.id));
  // Parents before children.
  groups.sort((a, b) => (copied.has(a.parent) ? 1 : 0) - (copied.has(b.parent) ? 1 : 0));
  for (const g of groups) fresh(g.id, g.id.split("_")[0] || "group");
  for (const g of groups) {
    const group = { id: ids.get(g.id), label: g.label, props: { ...(g.props || {}) } };
    if (copied.has(g.parent)) group.parent = ids.get(g.parent);
    else if (g.parent != null && board.groups.has(g.parent)) group.parent = g.parent;
    ops.push({ action: "add_group", group });
  }
  for (const n of clipboard.nodes) {
    const node = { id: fresh(n.id, n.kind), kind: n.kind, label: n.label, props: { ...(n.props || {}) } };
    if (Number.isFinite(n.x)) {
      node.x = snap(n.x + shift);
      node.y = snap(n.y + shift);
    }
    if (n.group != null && copied.has(n.group)) node.group = ids.get(n.group);
    else if (n.group != null && board.groups.has(n.group)) node.group = n.group;
    ops.push({ action: "add_node", node });
  }
  for (const e of clipboard.edges) {
    ops.push({
      action: "add_edge",
      edge: { id: fresh(e.id, "e"), source: ids.get(e.source), target: ids.get(e.target), label: e.label, props: { ...(e.props || {}) } },
    });
  }
  if (submit({ action: "batch", ops })) canvas.select(clipboard.nodes.map((n) => ids.get(n.id)));
}

function groupSelection() {
  const board = sync.view;
  const { nodes, groups } = selectedElements();
  if (nodes.length + groups.length < 1) return toast("Select the components to group first.");
  const parents = new Set([...nodes.map((id) => board.nodes.get(id).group ?? null), ...groups.map((id) => board.groups.get(id).parent ?? null)]);
  const parent = parents.size === 1 ? [...parents][0] : null;
  const id = board.freshId("group");
  const group = { id, label: "New group", props: {} };
  if (parent != null) group.parent = parent;
  const ops = [{ action: "add_group", group }];
  for (const nid of nodes) ops.push({ action: "update_node", id: nid, set: { group: id } });
  for (const gid of groups) ops.push({ action: "update_group", id: gid, set: { parent: id } });
  if (submit({ action: "batch", ops })) {
    canvas.select([id]);
    setTimeout(() => properties.focusLabel(), 0);
  }
}

function ungroup() {
  const { groups } = selectedElements();
  if (!groups.length) return toast("Select a group to ungroup.");
  submit(groups.length === 1 ? { action: "delete_group", id: groups[0] } : { action: "batch", ops: groups.map((id) => ({ action: "delete_group", id })) });
}

function connectSelected() {
  const { nodes } = selectedElements();
  if (nodes.length !== 2) return toast("Select exactly two components to connect them.");
  const order = canvas.cy.$(":selected").nodes().map((n) => n.id());
  const id = sync.view.freshId("e");
  submit({ action: "add_edge", edge: { id, source: order[0], target: order[1], label: "", props: {} } });
}

function nudge(dx, dy) {
  const board = sync.view;
  const { nodes, groups } = selectedElements();
  const moving = new Set(nodes);
  for (const gid of groups) {
    const sub = board.groupSubtree(gid);
    for (const node of board.nodes.values()) if (node.group != null && sub.has(node.group)) moving.add(node.id);
  }
  const ops = [];
  for (const id of moving) {
    const el = canvas.cy.getElementById(id);
    const p = el.position();
    ops.push({ action: "update_node", id, set: { x: snap(p.x) + dx, y: snap(p.y) + dy } });
  }
  if (ops.length) submit(ops.length === 1 ? ops[0] : { action: "batch", ops });
}

async function autoLayout() {
  toast("Laying out with graphviz…");
  try {
    const response = await fetch(config.layoutUrl, { credentials: "same-origin" });
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || response.statusText);
    const board = sync.view;
    const ops = [];
    for (const [id, pos] of Object.entries(body.positions)) {
      const node = board.nodes.get(id);
      if (!node) continue;
      const x = snap(pos.x);
      const y = snap(pos.y);
      if (node.x !== x || node.y !== y) ops.push({ action: "update_node", id, set: { x, y } });
    }
    if (!ops.length) return toast("Already laid out.");
    submit({ action: "batch", ops });
    canvas.cy.animate({ fit: { eles: canvas.cy.elements(), padding: 60 } }, { duration: 350 });
  } catch (error) {
    toast(`Auto-layout failed: ${error.message}`, "error");
  }
}

const commands = {
  undo,
  redo,
  delete: deleteSelection,
  copy: () => copySelection(),
  cut: () => copySelection() && deleteSelection(),
  paste,
  duplicate: () => {
    if (copySelection()) {
      clipboard.pastes = 0;
      paste();
    }
  },
  group: groupSelection,
  ungroup,
  layout: autoLayout,
  connect: connectSelected,
  "zoom-in": () => canvas.zoomBy(1.25),
  "zoom-out": () => canvas.zoomBy(0.8),
  "zoom-reset": () => canvas.zoomAt(1),
  fit: () => canvas.fit(),
  "select-all": () => canvas.cy.elements().select(),
};

for (const button of document.querySelectorAll(".toolbar [data-action]")) {
  button.addEventListener("click", () => commands[button.dataset.action]());
}
for (const button of document.querySelectorAll(".toolbar [data-tool]")) {
  button.addEventListener("click", () => setTool(button.dataset.tool));
}

function setTool(tool) {
  if (readOnly && tool === "connect") return;
  canvas.setTool(tool);
  for (const button of document.querySelectorAll(".toolbar [data-tool]")) button.classList.toggle("active", button.dataset.tool === tool);
}

const showZoom = (zoom) => {
  $(".zoom-level").textContent = `${Math.round(zoom * 100)}%`;
};
canvas.addEventListener("viewport", (event) => showZoom(event.detail.zoom));
showZoom(canvas.cy.zoom()); // the board opened fitted to the window, before this listener
canvas.addEventListener("empty", (event) => {
  $("#empty-hint").hidden = !event.detail || readOnly;
});
canvas.addEventListener("connected", () => {
  if (canvas.tool === "connect") return;
});
canvas.cy.on("dbltap", "node, edge", () => properties.focusLabel());

// Tooltips: label, kind and notes of what is under the pointer (as text, never HTML).
const tooltip = $("#tooltip");
canvas.addEventListener("hover", (event) => {
  const { id } = event.detail;
  const element = id ? sync.view.get(id) : null;
  if (!element) {
    tooltip.hidden = true;
    return;
  }
  const kind = sync.view.kindOf(id);
  const title = element.label || (kind === "node" ? config.kinds[element.kind]?.name : "") || id;
  const lines = [title];
  if (kind === "node") lines.push(config.kinds[element.kind]?.name || element.kind);
  if (kind === "edge" && element.props?.protocol) lines.push(element.props.protocol + (element.props.async ? " · async" : ""));
  if (element.props?.notes) lines.push(element.props.notes);
  const issues = findings.byElement.get(id);
  if (issues) lines.push(...issues.messages);
  tooltip.replaceChildren(
    ...lines.map((text, i) => {
      const line = document.createElement(i === 0 ? "strong" : "span");
      line.textContent = text;
      return line;
    }),
  );
  const rect = stage.getBoundingClientRect();
  const e = event.detail.event.originalEvent;
  tooltip.style.transform = `translate(${e.clientX - rect.left + 16}px, ${e.clientY - rect.top + 16}px)`;
  tooltip.hidden = false;
});
canvas.cy.on("grab pan zoom", () => {
  tooltip.hidden = true;
});

// --- keyboard ------------------------------------------------------------------------------

const help = $("#help");
$("#help-button").addEventListener("click", () => help.showModal());
help.addEventListener("click", (event) => {
  if (event.target === help || event.target.closest("[data-close]")) help.close();
});

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

document.addEventListener("keydown", (event) => {
  if (event.key === " " && !typing(event.target)) {
    if (!event.repeat) canvas.setSpace(true);
    event.preventDefault();
    return;
  }
  if (typing(event.target) || help.open) return;
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  const run = (name) => {
    event.preventDefault();
    commands[name]();
  };
  if (event.key === "?") {
    event.preventDefault();
    return help.showModal();
  }
  if (event.key === "Escape") {
    if (!palette.cancelPlacing()) canvas.cy.$(":selected").unselect();
    if (canvas.tool !== "select") setTool("select");
    return;
  }
  if (mod && key === "a") return run("select-all");
  if (event.key === "+" || event.key === "=") return run("zoom-in");
  if (event.key === "-") return run("zoom-out");
  if (event.key === "0" && !mod) return run("zoom-reset");
  if (event.key === "!" || (event.shiftKey && event.code === "Digit1")) return run("fit");
  if (event.key === "/") {
    event.preventDefault();
    return palette.focusSearch();
  }
  if (!mod && key === "v") return setTool("select");
  if (!mod && key === "h") return setTool("pan");
  if (readOnly) return;
  if (mod && key === "z") return run(event.shiftKey ? "redo" : "undo");
  if (mod && key === "y") return run("redo");
  if (mod && key === "c") return run("copy");
  if (mod && key === "x") return run("cut");
  if (mod && key === "v") return run("paste");
  if (mod && key === "d") return run("duplicate");
  if (mod && key === "g") return run(event.shiftKey ? "ungroup" : "group");
  if (event.key === "Delete" || event.key === "Backspace") return run("delete");
  if (!mod && key === "c") return setTool(canvas.tool === "connect" ? "select" : "connect");
  if (!mod && key === "e") return run("connect");
  if (event.shiftKey && key === "l") return run("layout");
  if (event.key === "F2" || (event.key === "Enter" && canvas.selectedIds().length === 1)) {
    event.preventDefault();
    return properties.focusLabel();
  }
  const step = event.shiftKey ? 100 : 20;
  const arrows = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
  if (arrows[event.key] && canvas.selectedIds().length) {
    event.preventDefault();
    nudge(...arrows[event.key]);
  }
});
document.addEventListener("keyup", (event) => {
  if (event.key === " ") canvas.setSpace(false);
});
window.addEventListener("blur", () => canvas.setSpace(false));

// --- tabs ----------------------------------------------------------------------------------

function showTab(name) {
  for (const tab of document.querySelectorAll(".inspector .tab")) {
    tab.classList.toggle("active", tab.dataset.tab === name);
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll(".inspector .tab-panel")) panel.hidden = panel.dataset.panel !== name;
}

for (const tab of document.querySelectorAll(".inspector .tab")) {
  tab.addEventListener("click", () => showTab(tab.dataset.tab));
}

// Export links close their menu.
for (const link of document.querySelectorAll("#export-menu a")) {
  link.addEventListener("click", () => $("#export-menu").removeAttribute("open"));
}

// --- start ---------------------------------------------------------------------------------

updateTitle();
findings.refreshSoon(0);
comments.start();
sync.connect();
requestAnimationFrame(() => {
  performance.mark("archboard:interactive");
  document.body.dataset.ready = "1";
});

// A small handle for tests and the benchmark (read-only views of the state and timings).
window.archboard = {
  sync,
  canvas,
  commands,
  comments,
  board: () => sync.view.toDocument(),
  version: () => sync.version,
  metrics,
  rendered: (id) => {
    const el = canvas.cy.getElementById(id);
    if (el.empty()) return null;
    const rect = canvas.container.getBoundingClientRect();
    const bb = el.renderedBoundingBox({ includeLabels: false, includeOverlays: false, includeUnderlays: false, includeOutlines: false });
    return { x: rect.left + (bb.x1 + bb.x2) / 2, y: rect.top + (bb.y1 + bb.y2) / 2, x1: rect.left + bb.x1, x2: rect.left + bb.x2, y1: rect.top + bb.y1, y2: rect.top + bb.y2 };
  },
};
