// The Load tab: the server's estimate (SPEC 8) of the board at a what-if scale, with each node's
// utilisation as a heat overlay on the canvas. The server is the one model: this module only asks
// it (GET /api/boards/{id}/estimate?scale=) and shows the answer. The overlay exists only while
// the tab is open. All user text goes in as text, never HTML.

import { describeError, nameOf } from "./labels.js";
import { onNextFrame, renderOverlay } from "./overlay.js";

// The colours of style.js's review states: green (idle) through amber (busy) to red (full).
const HEAT = [
  [0, [23, 178, 106]],
  [0.6, [247, 144, 9]],
  [1, [217, 45, 32]],
];
const NEAR = 0.8; // the review's near-capacity threshold (SPEC 8, findings)

export function heatColour(utilisation) {
  const u = Math.max(0, Math.min(1, utilisation));
  for (let i = 1; i < HEAT.length; i++) {
    const [hi, to] = HEAT[i];
    const [lo, from] = HEAT[i - 1];
    if (u <= hi) {
      const t = (u - lo) / (hi - lo);
      return `rgb(${from.map((c, k) => Math.round(c + (to[k] - c) * t)).join(", ")})`;
    }
  }
  return "rgb(217, 45, 32)";
}

// The slider moves along log10(scale), from x0.1 to x10.
export const scaleOf = (position) => 10 ** position;

export function formatScale(scale) {
  return `×${scale >= 10 ? Math.round(scale).toLocaleString("en") : scale >= 1 ? scale.toFixed(2).replace(/\.?0+$/, "") : scale.toFixed(2)}`;
}

export function formatPercent(utilisation) {
  const p = utilisation * 100;
  if (p > 0 && p < 1) return "<1 %";
  return `${Math.round(p)} %`;
}

export function formatMs(ms) {
  if (ms == null) return "—";
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

// "99.95 % (3.3 nines)": as many decimals as the nines need to show, no more.
export function formatAvailability(a) {
  if (a == null) return "—";
  if (a >= 1) return "100 % (no failure modelled)";
  if (a <= 0) return "0 %";
  const nines = -Math.log10(1 - a);
  const decimals = Math.max(1, Math.min(8, Math.floor(nines + 1e-9) - 1));
  const percent = (a * 100).toFixed(decimals).replace(/(\.\d*?[1-9])0+$/, "$1");
  return `${percent} % (${nines.toFixed(1)} nines)`;
}

function formatRps(rps) {
  if (rps >= 100) return `${Math.round(rps).toLocaleString("en")} req/s`;
  return `${Number(rps.toPrecision(3))} req/s`;
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text != null) e.textContent = text;
  return e;
}

export class Load {
  constructor({ root, canvas, sync, kinds, layer, url, onFocus }) {
    this.root = root;
    this.kinds = kinds;
    this.canvas = canvas;
    this.sync = sync;
    this.layer = layer;
    this.url = url;
    this.onFocus = onFocus;
    this.open = false;
    this.byNode = new Map();
    this.timer = null;
    this.asked = 0; // the newest request: an older answer arriving later is dropped
    this.slider = root.querySelector("#load-scale");
    this.scaleText = root.querySelector("#load-scale-value");
    this.body = root.querySelector(".load-body");
    this.slider.addEventListener("input", () => {
      this.scaleText.textContent = formatScale(this.scale());
      this.refreshSoon(120);
    });
    root.querySelector("[data-load-reset]").addEventListener("click", () => {
      this.slider.value = "0";
      this.scaleText.textContent = formatScale(1);
      this.refreshSoon(0);
    });
    canvas.addEventListener("viewport", () => this.placeBadges());
    this.schedulePlace = onNextFrame(() => this.placeBadges());
    canvas.addEventListener("redrawn", () => this.schedulePlace());
    canvas.cy.on("position", "node", () => this.schedulePlace());
  }

  scale() {
    return Number(scaleOf(Number(this.slider.value)).toPrecision(3));
  }

  setOpen(open) {
    if (open === this.open) return;
    this.open = open;
    if (open) this.refreshSoon(0);
    else {
      clearTimeout(this.timer);
      this.asked += 1;
      this.clearOverlay();
    }
  }

  // After a change of the board (edits come in bursts), or a move of the slider.
  refreshSoon(delay = 400) {
    if (!this.open) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fetch(), delay);
  }

  async fetch() {
    const ask = ++this.asked;
    const url = `${this.url}?scale=${encodeURIComponent(this.scale())}`;
    let result;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const body = await response.json();
      if (!response.ok) {
        if (ask === this.asked) this.showProblem((body.errors || []).map((e) => `${e.loc}: ${e.msg}`).join("; ") || `The server answered ${response.status}.`);
        return;
      }
      result = body;
    } catch {
      if (ask === this.asked) this.showProblem("The estimate could not be fetched (offline?); it is asked again after the next change.");
      return;
    }
    if (ask !== this.asked || !this.open) return;
    this.show(result);
    // Asked before the server stored an edit that is confirmed by now: ask again.
    if (result.version != null && result.version < this.sync.version) this.refreshSoon(0);
  }

  name(id) {
    const board = this.sync.view.has(id) ? this.sync.view : this.sync.server;
    return nameOf(board, id);
  }

  showProblem(text) {
    this.body.replaceChildren(el("p", "load-error", text));
  }

  show(result) {
    this.byNode = new Map();
    const loaded = result.entries.some((e) => e.rps > 0);
    // Without load every node is idle: badges would say nothing.
    for (const [id, node] of loaded ? Object.entries(result.nodes) : []) {
      if (node.utilisation == null || !this.canvas.cy.getElementById(id).nonempty()) continue;
      // Clients are where load comes from, not stations anyone waits at: no badge.
      if (this.kinds[this.sync.view.nodes.get(id)?.kind]?.category === "client") continue;
      this.byNode.set(id, { utilisation: node.utilisation, bottleneck: id === result.bottleneck, node });
    }
    this.body.replaceChildren(...this.summary(result, loaded), ...(loaded ? [this.clients(result)] : []), ...this.errors(result));
    this.paintNodes();
    this.placeBadges();
  }

  summary(result, loaded) {
    const parts = [];
    if (!loaded) {
      parts.push(el("p", "load-empty muted", "No client sends load yet: give a client (user, browser, mobile, external system) an rps in its properties."));
      return parts;
    }
    const over = [...this.byNode.entries()].filter(([, n]) => n.utilisation >= 1);
    const facts = el("dl", "load-facts");
    if (result.bottleneck) {
      const b = result.nodes[result.bottleneck];
      const link = el("button", "load-bottleneck link-button", this.name(result.bottleneck));
      link.type = "button";
      link.title = "Show it on the canvas";
      link.addEventListener("click", () => this.onFocus([result.bottleneck]));
      const dd = el("dd");
      dd.append(link, ` at ${formatPercent(b.utilisation)}`);
      facts.append(el("dt", null, "Bottleneck"), dd);
    }
    const headroom = result.max_scale == null ? "no limit found" : `${formatScale(result.max_scale)} today's load`;
    facts.append(el("dt", null, "Max scale"), el("dd", "load-max-scale", headroom));
    parts.push(facts);
    if (over.length) {
      const names = over.map(([id]) => this.name(id)).join(", ");
      parts.push(el("p", "load-over-note", `Over capacity at ${formatScale(result.scale)}: ${names}. Their requests queue without bound, so times through them are not defined.`));
    }
    return parts;
  }

  clients(result) {
    const list = el("ol", "load-clients");
    // A time is undefined when the request meets a node over capacity (or a loop, in the errors).
    const over = [...this.byNode.values()].some((n) => n.utilisation >= 1);
    const time = (ms) => (ms == null && over ? "not defined: over capacity" : formatMs(ms));
    for (const entry of result.entries) {
      const item = el("li", "load-client");
      item.dataset.client = entry.client;
      const head = el("div", "load-client-head");
      head.append(el("strong", null, this.name(entry.client)), el("span", "load-rps", entry.rps > 0 ? formatRps(entry.rps) : "no own load"));
      const figures = el("dl", "load-figures");
      const slo = entry.slo_p99_ms;
      const breach = slo != null && entry.p99_ms != null && entry.p99_ms > slo;
      const row = (term, value, cls) => figures.append(el("dt", null, term), el("dd", cls || null, value));
      row("Mean", time(entry.mean_ms), "load-mean");
      row("p99", time(entry.p99_ms) + (slo != null ? ` (SLO ${formatMs(slo)})` : ""), breach ? "load-p99 breach" : "load-p99");
      row("First token", time(entry.first_token_ms), "load-first");
      row("Availability", formatAvailability(entry.availability), "load-availability");
      item.append(head, figures);
      list.append(item);
    }
    return list;
  }

  errors(result) {
    if (!result.errors.length) return [];
    const list = el("ul", "load-errors");
    const server = this.sync.server;
    for (const e of result.errors) {
      list.append(el("li", "load-error", `${this.place(e.loc, server)}: ${describeError(e.msg, this.sync.view, server)}`));
    }
    return [el("h3", "load-errors-title", "What the estimate left out"), list];
  }

  // "nodes[3].props.rps" as a person reads it: "API (rps)". The index is into the stored board,
  // which is what the server estimated.
  place(loc, server) {
    const match = /^(nodes|edges)\[(\d+)\](?:\.props\.(.+))?/.exec(loc || "");
    if (!match) return loc || "board";
    const items = [...(match[1] === "nodes" ? server.nodes : server.edges).values()];
    const item = items[Number(match[2])];
    const name = item ? nameOf(server, item.id) : loc;
    return match[3] ? `${name} (${match[3]})` : name;
  }

  paintNodes() {
    const cy = this.canvas.cy;
    cy.batch(() => {
      cy.nodes(".load-heat").forEach((n) => {
        if (!this.byNode.has(n.id())) n.removeClass("load-heat load-over load-bottleneck");
      });
      for (const [id, entry] of this.byNode) {
        const n = cy.getElementById(id);
        n.data("heat", heatColour(entry.utilisation));
        n.addClass("load-heat");
        if (entry.utilisation >= 1) n.addClass("load-over");
        else n.removeClass("load-over");
        if (entry.bottleneck) n.addClass("load-bottleneck");
        else n.removeClass("load-bottleneck");
      }
    });
  }

  clearOverlay() {
    this.byNode = new Map();
    this.canvas.cy.nodes(".load-heat").removeClass("load-heat load-over load-bottleneck");
    this.layer.replaceChildren();
  }

  placeBadges() {
    if (!this.open) return;
    const cy = this.canvas.cy;
    const zoom = cy.zoom();
    const pan = cy.pan();
    renderOverlay(cy, this.layer, this.byNode, {
      keyAttr: "id",
      anchor: (id) => {
        const n = cy.getElementById(id);
        if (n.empty()) return null;
        const p = n.position();
        return { x: p.x * zoom + pan.x, y: p.y * zoom + pan.y - (n.height() / 2) * zoom - 11 };
      },
      create: () => el("span"),
      update: (badge, entry, x, y) => {
        const u = entry.utilisation;
        const cls = `load-badge${u >= 1 ? " over" : u >= NEAR ? " near" : ""}${entry.bottleneck ? " bottleneck" : ""}`;
        if (badge.className !== cls) badge.className = cls;
        const text = u >= 1 ? `${formatPercent(u)} over` : formatPercent(u);
        if (badge.textContent !== text) badge.textContent = text;
        badge.style.background = heatColour(u);
        const n = entry.node;
        badge.title = `${this.name(badge.dataset.id)}: ${formatPercent(u)} busy, ${formatRps(n.rate)} on ${n.servers} servers${n.wait_ms != null ? `, waits ${formatMs(n.wait_ms)}` : ", over capacity"}${entry.bottleneck ? " (the bottleneck)" : ""}`;
        badge.style.transform = `translate(${x}px, ${y}px) translate(-50%, -50%)`;
      },
    });
  }
}
