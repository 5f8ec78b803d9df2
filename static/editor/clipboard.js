// Copy and paste through the system clipboard, so elements move between boards and tabs: what
// is copied is a board document ("format": "archboard/1") holding the selected components,
// their groups and the connections between them, as text. Pasting a board document adds its
// elements with fresh ids, offset (or centred in view when they come from another board);
// pasting other text makes a note of it, where the palette has notes.

import { snap } from "./canvas.js";
import { addNote, noteKind, selectedElements } from "./edits.js";

const FORMAT = "archboard/1";
const STEP = 40;

export class Clipboard {
  constructor(app) {
    this.app = app;
    this.last = null; // the text this tab last copied (for paste without clipboard access)
    this.pastes = 0;
  }

  // The selection as a board document, or null when nothing that can be copied is selected.
  document() {
    const board = this.app.sync.view;
    const { nodes, groups } = selectedElements(this.app);
    const groupIds = new Set(groups);
    // A selected group brings its members.
    for (const gid of groups) for (const sub of board.groupSubtree(gid)) groupIds.add(sub);
    const nodeIds = new Set(nodes);
    for (const node of board.nodes.values()) if (node.group != null && groupIds.has(node.group)) nodeIds.add(node.id);
    if (!nodeIds.size && !groupIds.size) return null;
    return {
      format: FORMAT,
      nodes: [...nodeIds].map((id) => board.nodes.get(id)),
      edges: [...board.edges.values()].filter((e) => nodeIds.has(e.source) && nodeIds.has(e.target)),
      groups: [...groupIds].map((id) => board.groups.get(id)),
    };
  }

  // Ctrl+C: the browser's copy event, whose clipboard this fills.
  onCopy(event) {
    const doc = this.document();
    if (!doc) return false;
    this.last = JSON.stringify(doc);
    this.pastes = 0;
    event.clipboardData.setData("text/plain", this.last);
    event.preventDefault();
    return true;
  }

  // The toolbar's copy: the asynchronous clipboard API (the page has no copy event to fill).
  async copy() {
    const doc = this.document();
    if (!doc) return this.app.toast("Select components to copy.");
    this.last = JSON.stringify(doc);
    this.pastes = 0;
    try {
      await navigator.clipboard.writeText(this.last);
    } catch {
      // Without clipboard access the copy still works within this tab.
    }
  }

  onPaste(event) {
    this.paste(event.clipboardData.getData("text/plain"));
    event.preventDefault();
  }

  async pasteFromClipboard() {
    let text = this.last;
    try {
      text = await navigator.clipboard.readText();
    } catch {
      // No permission to read the clipboard: paste what this tab copied.
    }
    this.paste(text);
  }

  duplicate() {
    const doc = this.document();
    if (!doc) return this.app.toast("Select components to duplicate.");
    this.pastes = 0;
    this.add(doc);
  }

  paste(text) {
    if (!text) return this.app.toast("Nothing to paste: copy components first.");
    let doc = null;
    try {
      doc = JSON.parse(text);
    } catch {
      doc = null;
    }
    if (doc && typeof doc === "object" && doc.format === FORMAT && Array.isArray(doc.nodes)) {
      this.add(doc);
    } else if (noteKind(this.app)) {
      addNote(this.app);
      const id = this.app.canvas.selectedIds()[0];
      if (id) this.app.machine.editText(id, text.slice(0, 200));
    } else {
      this.app.toast("Nothing to paste: the clipboard holds no Archboard elements.");
    }
  }

  // Add the elements of a board document: fresh ids, offset from where they were on this
  // board, or centred in the view when they come from elsewhere.
  add(doc) {
    const app = this.app;
    const board = app.sync.view;
    const nodes = doc.nodes.filter((n) => n && typeof n.id === "string" && app.config.kinds[n.kind]);
    const skipped = doc.nodes.length - nodes.length;
    if (!nodes.length) return app.toast("Nothing to paste: no component of a kind this palette knows.");
    const groups = (Array.isArray(doc.groups) ? doc.groups : []).filter((g) => g && typeof g.id === "string");
    const edges = (Array.isArray(doc.edges) ? doc.edges : []).filter((e) => e && typeof e.id === "string");
    const local = nodes.every((n) => board.nodes.has(n.id));
    let shift = { x: 0, y: 0 };
    if (local) {
      this.pastes += 1;
      shift = { x: STEP * this.pastes, y: STEP * this.pastes };
    } else {
      const placed = nodes.filter((n) => Number.isFinite(n.x) && Number.isFinite(n.y));
      if (placed.length) {
        const xs = placed.map((n) => n.x);
        const ys = placed.map((n) => n.y);
        const centre = app.canvas.viewCenter();
        shift = { x: centre.x - (Math.min(...xs) + Math.max(...xs)) / 2, y: centre.y - (Math.min(...ys) + Math.max(...ys)) / 2 };
      }
    }
    const ids = new Map();
    const taken = new Set();
    const fresh = (old, prefix) => {
      let id = board.freshId(prefix);
      while (taken.has(id)) id = board.freshId(prefix);
      taken.add(id);
      ids.set(old, id);
      return id;
    };
    const copied = new Set(groups.map((g) => g.id));
    // Parents before children.
    const depth = (g) => {
      let d = 0;
      for (let p = g.parent; p != null && copied.has(p) && d < 10; p = groups.find((x) => x.id === p)?.parent) d += 1;
      return d;
    };
    const ops = [];
    for (const g of groups) fresh(g.id, "group");
    for (const g of groups.slice().sort((a, b) => depth(a) - depth(b))) {
      const group = { id: ids.get(g.id), label: String(g.label || ""), props: { ...(g.props || {}) } };
      if (copied.has(g.parent)) group.parent = ids.get(g.parent);
      else if (local && g.parent != null && board.groups.has(g.parent)) group.parent = g.parent;
      ops.push({ action: "add_group", group });
    }
    for (const n of nodes) {
      const node = { id: fresh(n.id, n.kind), kind: n.kind, label: String(n.label || ""), props: { ...(n.props || {}) } };
      if (Number.isFinite(n.x) && Number.isFinite(n.y)) {
        node.x = snap(n.x + shift.x);
        node.y = snap(n.y + shift.y);
      }
      if (n.group != null && copied.has(n.group)) node.group = ids.get(n.group);
      else if (local && n.group != null && board.groups.has(n.group)) node.group = n.group;
      ops.push({ action: "add_node", node });
    }
    for (const e of edges) {
      if (!ids.has(e.source) || !ids.has(e.target)) continue;
      ops.push({ action: "add_edge", edge: { id: fresh(e.id, "e"), source: ids.get(e.source), target: ids.get(e.target), label: String(e.label || ""), props: { ...(e.props || {}) } } });
    }
    if (!app.edits.submit({ action: "batch", ops })) return;
    app.canvas.select(nodes.map((n) => ids.get(n.id)));
    if (skipped) app.toast(`${skipped} component${skipped === 1 ? "" : "s"} of kinds this palette does not know were left out.`);
  }
}

