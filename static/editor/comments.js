// Design-review comments and the review status on the canvas.
//
// - Markers: a speech bubble with the count of open threads on each node and edge that has any
//   (GET /api/boards/{id}/comments/markers), refreshed when the server pushes a `comment` frame.
// - The Comments tab: the server-rendered htmx partial of the threads of the selected element
//   (GET /boards/{id}/comments?target=node:ID), or of the whole board when nothing is selected.
// - The review status partial (GET /boards/{id}/review/status) at the top of the Review tab,
//   refreshed on `review_status` frames.
// The partials are Django templates (escaped server-side); user text never goes in as HTML here.
//
// A comment lands on the element the panel's title names: the form's target is set from the
// panel's target when it posts (a form left from an earlier element, after a failed load, cannot
// send it elsewhere), and what is typed is kept per target until it is posted (a reload of the
// panel, a failed load or a refused post never loses it).

import { nameOf, typeOf } from "./labels.js";
import { onNextFrame, renderOverlay } from "./overlay.js";

const HX = { "HX-Request": "true", Accept: "text/html" };

export class Comments {
  constructor({ canvas, sync, layer, panel, title, count, status, urls, onOpen }) {
    this.canvas = canvas;
    this.sync = sync;
    this.layer = layer;
    this.panel = panel;
    this.title = title;
    this.count = count;
    this.status = status;
    this.urls = urls;
    this.onOpen = onOpen;
    this.markers = new Map(); // "node:gw" -> {open, resolved}
    this.target = null; // "node:gw", "edge:e1" or null (the whole board)
    this.stale = false;
    this.timer = null;
    this.loading = 0;
    this.drafts = new Map(); // target ("board", "node:gw") -> text typed and not posted yet
    this.posting = null;
    sync.addEventListener("comment", (e) => this.onComment(e.detail));
    sync.addEventListener("review_status", () => this.loadStatus());
    // After a reconnect, anything pushed while we were away is fetched again.
    sync.addEventListener("snapshot", () => {
      this.refreshMarkersSoon(0);
      if (!this.busy()) this.loadPanel();
    });
    canvas.addEventListener("selection", (e) => this.select(e.detail));
    // At once on pan and zoom, in the next frame after a change (see Findings in panels.js).
    canvas.addEventListener("viewport", () => this.place());
    this.schedulePlace = onNextFrame(() => this.place());
    canvas.addEventListener("redrawn", () => this.schedulePlace());
    canvas.cy.on("position", "node", () => this.schedulePlace());
    sync.addEventListener("change", () => this.schedulePlace());
    panel.addEventListener("input", (event) => {
      if (event.target.matches(".new-thread textarea")) this.drafts.set(this.key(), event.target.value);
    });
    panel.addEventListener("htmx:configRequest", (event) => {
      if (!event.detail.elt.matches?.(".new-thread")) return;
      event.detail.parameters.target = this.key();
      this.posting = this.key();
    });
    // A comment or reply posted from the panel: htmx swaps the answer in; keep the title in step.
    panel.addEventListener("htmx:afterSwap", () => {
      if (this.posting !== null && !this.body().querySelector(".new-thread + .error")) this.drafts.delete(this.posting);
      this.posting = null;
      this.refreshMarkersSoon(0);
    });
    panel.querySelector("[data-refresh]")?.addEventListener("click", () => this.loadPanel());
    // Done typing (focus left the panel, nothing typed is waiting): catch up with what came in.
    panel.addEventListener("focusout", (event) => {
      if (this.stale && !panel.contains(event.relatedTarget) && !this.hasText()) this.loadPanel();
    });
  }

  start() {
    this.refreshMarkersSoon(0);
    this.loadPanel();
    this.loadStatus();
  }

  // --- markers -------------------------------------------------------------------------------

  refreshMarkersSoon(delay = 150) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fetchMarkers(), delay);
  }

  async fetchMarkers() {
    try {
      const response = await fetch(this.urls.markers, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const body = await response.json();
      this.markers = new Map(Object.entries(body.targets || {}));
    } catch {
      return; // offline: keep the last markers; the next frame or reconnect asks again
    }
    let open = 0;
    for (const entry of this.markers.values()) open += entry.open;
    this.count.textContent = open ? String(open) : "";
    this.place();
  }

  place() {
    const cy = this.canvas.cy;
    renderOverlay(cy, this.layer, this.markers, {
      keyAttr: "target",
      margin: 30,
      anchor: (target, entry) => {
        if (!entry.open) return null;
        const [type, id] = target.split(/:(.*)/s);
        if (type !== "node" && type !== "edge") return null;
        const el = cy.getElementById(id);
        if (el.empty()) return null;
        if (el.isNode()) {
          const bb = el.renderedBoundingBox({ includeLabels: false, includeOverlays: false });
          return { x: bb.x1 + 2, y: bb.y1 + 2 };
        }
        const zoom = cy.zoom();
        const pan = cy.pan();
        const mid = el.midpoint();
        return { x: mid.x * zoom + pan.x + 14, y: mid.y * zoom + pan.y - 14 };
      },
      create: (target) => {
        const marker = document.createElement("button");
        marker.type = "button";
        marker.className = "comment-marker";
        marker.addEventListener("click", (event) => {
          event.stopPropagation();
          this.canvas.select([target.split(/:(.*)/s)[1]]);
          this.onOpen();
        });
        return marker;
      },
      update: (marker, entry, x, y) => {
        const text = String(entry.open);
        if (marker.textContent !== text) marker.textContent = text;
        const label = `${entry.open} open comment thread${entry.open === 1 ? "" : "s"}: click to read`;
        if (marker.title !== label) {
          marker.title = label;
          marker.setAttribute("aria-label", label);
        }
        marker.style.transform = `translate(${Math.round(x - 11)}px, ${Math.round(y - 11)}px)`;
      },
    });
  }

  // --- the panel -----------------------------------------------------------------------------

  select(ids) {
    const board = this.sync.view;
    const kind = ids.length === 1 ? board.kindOf(ids[0]) : null;
    const target = kind === "node" || kind === "edge" ? `${kind}:${ids[0]}` : null;
    if (target === this.target) return;
    // The element was deleted (by someone else) while a comment on it is being written: the form
    // stays, so the post says what happened and the text stays in its box.
    if (target === null && this.target && !board.has(this.target.split(/:(.*)/s)[1]) && this.busy()) return;
    this.target = target;
    this.loadPanel();
  }

  onComment(message) {
    this.refreshMarkersSoon();
    const thread = message.thread || {};
    const t = thread.target || {};
    const target = t.type === "board" ? "board" : `${t.type}:${t.id}`;
    if (this.target === null || this.target === target) this.loadPanel({ quiet: true });
  }

  hasText() {
    return [...this.panel.querySelectorAll("textarea")].some((t) => t.value.trim() !== "");
  }

  // Someone is typing in the panel: do not replace what they typed; offer the refresh instead.
  busy() {
    return [...this.panel.querySelectorAll("textarea")].some((t) => t.value.trim() !== "" || t === document.activeElement);
  }

  key() {
    return this.target || "board";
  }

  async loadPanel({ quiet = false } = {}) {
    const board = this.sync.view;
    const id = this.target ? this.target.split(/:(.*)/s)[1] : null;
    this.title.textContent = id ? `On ${typeOf(board, id)} “${nameOf(board, id)}”` : "All comments on the board";
    if (quiet && this.busy()) {
      this.stale = true;
      this.panel.dataset.stale = "1";
      return;
    }
    const url = this.target ? `${this.urls.comments}?target=${encodeURIComponent(this.target)}` : this.urls.comments;
    const ticket = ++this.loading;
    const key = this.key();
    let html = null;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: HX });
      if (response.ok) html = await response.text();
    } catch {
      html = null;
    }
    if (ticket !== this.loading) return;
    if (html === null) return this.showFailure();
    this.body().innerHTML = html; // a server-rendered partial: every user string escaped there
    window.htmx?.process(this.body());
    const box = this.body().querySelector(".new-thread textarea");
    if (box && !box.value && this.drafts.has(key)) box.value = this.drafts.get(key);
    this.stale = false;
    delete this.panel.dataset.stale;
  }

  // The threads of this target could not be loaded (the connection dropped): no form of another
  // element stays on show under this title; the next reconnect loads them again.
  showFailure() {
    const note = document.createElement("p");
    note.className = "error small";
    note.textContent = "Could not load these comments: the connection dropped. They load again when it is back.";
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "small";
    retry.textContent = "Try again";
    retry.addEventListener("click", () => this.loadPanel());
    this.body().replaceChildren(note, retry);
  }

  body() {
    return this.panel.querySelector(".comments-body");
  }

  async loadStatus() {
    if ([...this.status.querySelectorAll("textarea")].some((t) => t.value.trim() || t === document.activeElement)) return;
    try {
      const response = await fetch(this.urls.status, { credentials: "same-origin", headers: HX });
      if (!response.ok) return;
      this.status.innerHTML = await response.text(); // server-rendered partial
      window.htmx?.process(this.status);
    } catch {
      // offline
    }
  }
}
