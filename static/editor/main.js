// The editor page: builds the modules and wires them together. Each module has one job; this
// one only connects their events.

import { Canvas } from "./canvas.js";
import { Clipboard } from "./clipboard.js";
import { Commands, GESTURES } from "./commands.js";
import { Comments } from "./comments.js";
import { addEdge, addNote, deleteSelection, noteKind, placeNode } from "./edits.js";
import { Find } from "./find.js";
import { Findings } from "./findings.js";
import { Handles } from "./handles.js";
import { InputMachine } from "./input.js";
import { bindKeyboard } from "./keyboard.js";
import { describeError, useKinds } from "./labels.js";
import { Load } from "./load.js";
import { trackRemoteLatency } from "./metrics.js";
import { dragStart, moveOps } from "./moves.js";
import { Palette } from "./palette.js";
import { Policies } from "./policies.js";
import { Presence } from "./presence.js";
import { Properties } from "./properties.js";
import { showStatus } from "./status.js";
import { Sync } from "./sync.js";
import { TextEditor } from "./textedit.js";
import { makeToaster } from "./toasts.js";
import { Tooltip } from "./tooltip.js";
import { Edits } from "./undo.js";

const config = JSON.parse(document.getElementById("editor-config").textContent);
const $ = (selector) => document.querySelector(selector);
let readOnly = config.role === "viewer";
useKinds(config.kinds);
const toast = makeToaster($("#toasts"));
const stage = $("#stage");
for (const name of ["palette", "inspector"]) document.body.classList.toggle(`${name}-folded`, localStorage.getItem(`archboard:${name}-folded`) === "1");

// --- the session and the canvas -----------------------------------------------------------

const sync = new Sync({ url: config.wsPath, board: config.board, version: config.version, user: config.user, readOnly });
performance.mark("archboard:start");
const canvas = new Canvas({ container: $("#cy"), stage, kinds: config.kinds, look: config.look, readOnly, getBoard: () => sync.view });
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

const edits = new Edits({ sync, readOnly, toast });
const routeKey = `archboard:route:${config.boardId}`;

// What the commands and gestures act on.
const app = {
  config,
  sync,
  canvas,
  edits,
  toast,
  readOnly: () => readOnly,
  // The route new connections get, chosen in the toolbar; kept per board in this browser.
  routeDefault: () => localStorage.getItem(routeKey) || "",
  setRouteDefault: (route) => {
    localStorage.setItem(routeKey, route);
    showRoute();
  },
  setTool: (tool) => machine.setTool(tool),
  // The side panels fold away to give the canvas the room (kept in this browser).
  togglePanel: (name) => {
    const folded = document.body.classList.toggle(`${name}-folded`);
    localStorage.setItem(`archboard:${name}-folded`, folded ? "1" : "");
    if (name === "inspector") showLoad();
  },
  clipboardEvent: (id, event) => {
    if (id === "paste") return clipboard.onPaste(event);
    if (clipboard.onCopy(event) && id === "cut") deleteSelection(app);
  },
};

const handles = new Handles({ stage, canvas });
const machine = new InputMachine({
  canvas,
  handles,
  stage,
  readOnly,
  host: {
    dragStart: () => dragStart(canvas.cy),
    moved: (start) => {
      const op = moveOps(canvas.cy, sync.view, start);
      if (op) edits.submit(op);
    },
    connect: (source, target) => addEdge(app, source, target),
    arm: (kind, tech) => palette.showArmed(kind, tech),
    place: (kind, x, y, tech) => placeNode(app, kind, canvas.toModel(x, y), { tech }),
    openEditor: (id, initial) => textEditor.open(id, initial),
    closeEditor: (info) => textEditor.close(info),
    doubleTapCanvas: (at) => {
      if (noteKind(app) && at) addNote(app, canvas.toModel(at.clientX, at.clientY));
    },
  },
});
app.machine = machine;
const textEditor = new TextEditor({ stage, canvas, sync, edits, onDone: () => machine.send("editdone"), onCancel: () => machine.cancel() });
const clipboard = new Clipboard(app);
app.clipboard = clipboard;
const palette = new Palette({
  root: $("#palette"),
  stage,
  kinds: config.kinds,
  readOnly,
  onArm: (kind, tech) => machine.togglePlacing(kind, tech),
  onDrop: (kind, x, y, tech) => placeNode(app, kind, canvas.toModel(x, y), { tech }),
});
app.palette = palette;
app.find = new Find({ root: $("#find"), canvas, sync });
app.help = $("#help");

// --- commands: keys, toolbar, help ----------------------------------------------------------

const commands = new Commands(app);
commands.bindButtons(document);
commands.renderHelp($("#help-grid"), GESTURES);
bindKeyboard({ commands, machine, canvas, help: app.help, editable: () => !readOnly });
$("#help-button").addEventListener("click", () => app.help.showModal());
app.help.addEventListener("click", (event) => {
  if (event.target === app.help || event.target.closest("[data-close]")) app.help.close();
});
const toolbar = $(".toolbar");
machine.addEventListener("tool", (event) => {
  for (const button of toolbar.querySelectorAll("[data-command^='tool-']")) button.classList.toggle("active", button.dataset.command === `tool-${event.detail}`);
});
function showRoute() {
  const route = app.routeDefault();
  for (const button of document.querySelectorAll("[data-command^='route-']")) button.classList.toggle("active", button.dataset.command === `route-${route}`);
  $("#route-current").textContent = config.look.routes.includes(route) ? route : "straight";
}
showRoute();
const refreshButtons = () => commands.refreshButtons(toolbar);

// --- panels ---------------------------------------------------------------------------------

const properties = new Properties({ root: $("#inspector"), canvas, sync, kinds: config.kinds, readOnly, onOp: (op) => edits.submit(op), onAction: (id) => commands.run(id) });

// Select, show and flash elements named by a panel (a finding, the bottleneck).
const focusOn = (ids) => {
  const eles = canvas.cy.collection(ids.map((id) => canvas.cy.getElementById(id)).filter((el) => el.nonempty()));
  if (eles.empty()) return;
  canvas.select(ids);
  canvas.centreOn(eles);
  canvas.flash(eles);
};

const findings = new Findings({
  list: $("#findings"),
  summary: $("#review-summary"),
  count: $("#findings-count"),
  canvas,
  badges: $("#badges"),
  url: config.reviewUrl,
  sync,
  rules: config.rules,
  policyPrefix: config.policies.prefix,
  editable: () => !readOnly,
  onOp: (op) => edits.submit(op),
  onFocus: focusOn,
  onShown: (shown) => policies.setFindings(shown),
  policyFrom: { can: (f) => policies.canDraft(f), open: (f) => policies.openFrom(f) },
});
const policies = new Policies({ root: $("#policies"), sync, findings, kinds: config.kinds, categories: config.categories, config: config.policies, editable: () => !readOnly });
policies.render();
const load = new Load({ root: $("#load-panel"), canvas, sync, kinds: config.kinds, layer: $("#load-badges"), url: config.estimateUrl, onFocus: focusOn });
const tooltip = new Tooltip({ el: $("#tooltip"), stage, canvas, sync, findings });
// A gesture under way (a drag, a connection, an edit) has the canvas to itself.
machine.addEventListener("state", (event) => {
  if (event.detail.name !== "hover" && event.detail.name !== "idle") tooltip.hide();
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

function showTab(name) {
  for (const tab of document.querySelectorAll(".inspector .tab")) {
    tab.classList.toggle("active", tab.dataset.tab === name);
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll(".inspector .tab-panel")) panel.hidden = panel.dataset.panel !== name;
  showLoad();
}
// The heat overlay belongs to the Load tab: it is on only while the tab is shown, the
// inspector unfolded.
function showLoad() {
  const tab = document.querySelector(".inspector .tab.active");
  load.setOpen(tab?.dataset.tab === "load" && !document.body.classList.contains("inspector-folded"));
}
for (const tab of document.querySelectorAll(".inspector .tab")) tab.addEventListener("click", () => showTab(tab.dataset.tab));

// --- the board's events ---------------------------------------------------------------------

const metrics = trackRemoteLatency(canvas, sync);
sync.addEventListener("change", (event) => {
  const { touched } = event.detail;
  canvas.reconcile(touched, sync.view);
  properties.refresh(touched);
  if (touched.has("@board")) updateTitle();
  load.refreshSoon();
  refreshButtons();
});
canvas.addEventListener("selection", refreshButtons);
// The Export menu can export the selection alone (export-menu.js, a module of its own).
canvas.addEventListener("selection", (event) => {
  const ids = event.detail.filter((id) => sync.view.has(id));
  $("#export-options")?.dispatchEvent(new CustomEvent("archboard:selection", { detail: ids }));
});
edits.addEventListener("stepped", (event) => canvas.select(event.detail));
sync.addEventListener("rejected", (event) => {
  const { error, local } = event.detail;
  const text = describeError(error, sync.view, sync.server);
  toast(local ? text : `Your edit was undone: the server refused it (${text}).`, "error", 7000);
});
sync.addEventListener("status", (event) => {
  if (event.detail.state === "online" && !performance.getEntriesByName("archboard:live").length) performance.mark("archboard:live");
  showStatus($("#conn"), event.detail, sync.pending.length);
  if (event.detail.state === "forbidden") toast(event.detail.text || "You no longer have access to this board.", "error", 15000);
});
// The review comes once per snapshot (connect, reconnect); after that the server pushes it after
// each pause in the edits. The load estimate is asked for again after changes (only while its
// tab is open).
sync.addEventListener("snapshot", () => {
  findings.fetch();
  load.refreshSoon(0);
});
window.addEventListener("online", () => sync.retry());
window.addEventListener("offline", () => sync.offline());

// The owner changed this user's role while the page is open: the page follows at once.
sync.addEventListener("role", (event) => {
  const role = event.detail.role;
  readOnly = role === "viewer";
  edits.readOnly = readOnly;
  canvas.readOnly = readOnly;
  machine.readOnly = readOnly;
  if (readOnly) machine.setTool("select");
  machine.configure();
  properties.setReadOnly(readOnly);
  policies.render();
  document.body.classList.toggle("read-only", readOnly);
  const badge = $(".topbar .role");
  badge.className = `role role-${role}`;
  badge.textContent = readOnly ? "View only" : role;
  refreshButtons();
  toast(readOnly ? "Your role is now viewer: the board is view only." : `Your role is now ${role}: you can edit the board.`, "info", 7000);
});

const showZoom = (zoom) => {
  $(".zoom-level").textContent = `${Math.round(zoom * 100)}%`;
};
canvas.addEventListener("viewport", (event) => showZoom(event.detail.zoom));
showZoom(canvas.cy.zoom()); // the board opened fitted to the window, before this listener
canvas.addEventListener("empty", (event) => {
  $("#empty-hint").hidden = !event.detail || readOnly;
});

// --- the board's name -----------------------------------------------------------------------

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
  nameInput.addEventListener("change", () => {
    const value = nameInput.value.trim();
    if (value !== (sync.view.top.name || "")) edits.submit({ action: "set_board", set: { name: value } });
  });
  nameInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") nameInput.blur();
    if (event.key === "Escape") {
      nameInput.value = sync.view.top.name || "";
      nameInput.blur();
    }
  });
}
// Export links close their menu.
for (const link of document.querySelectorAll("#export-menu a")) link.addEventListener("click", () => $("#export-menu").removeAttribute("open"));

// --- start ----------------------------------------------------------------------------------

updateTitle();
refreshButtons();
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
  machine,
  commands,
  comments,
  load,
  board: () => sync.view.toDocument(),
  version: () => sync.version,
  commandTable: () => commands.describe(),
  metrics,
  rendered: (id) => {
    const el = canvas.cy.getElementById(id);
    if (el.empty()) return null;
    const rect = canvas.container.getBoundingClientRect();
    const bb = el.isNode() && !el.isParent() ? canvas.screenBox(el) : el.renderedBoundingBox({ includeLabels: false, includeOverlays: false, includeUnderlays: false, includeOutlines: false });
    return { x: rect.left + (bb.x1 + bb.x2) / 2, y: rect.top + (bb.y1 + bb.y2) / 2, x1: rect.left + bb.x1, x2: rect.left + bb.x2, y1: rect.top + bb.y1, y2: rect.top + bb.y2 };
  },
};
