// The side panels: the properties of the selection (server-rendered forms, filled here, every
// change an op) and the review findings (fetched from the review API after each change), with
// severity badges on the canvas. All user text goes in through textContent / value, never HTML.

import { onNextFrame, renderOverlay } from "./overlay.js";

const KNOWN_PROPS = new Set(["replicas", "protocol", "async", "rate_limited", "public", "write_policy", "notes", "tech", "route"]);
const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 };

export class Properties {
  constructor({ root, canvas, sync, kinds, readOnly, onOp, onAction }) {
    this.root = root;
    this.canvas = canvas;
    this.sync = sync;
    this.kinds = kinds;
    this.readOnly = readOnly;
    this.onOp = onOp;
    this.onAction = onAction;
    this.forms = {};
    for (const form of root.querySelectorAll("form.props")) this.forms[form.dataset.for] = form;
    this.current = { type: "board", id: null };
    this.selection = [];
    for (const form of Object.values(this.forms)) this.bindForm(form);
    canvas.addEventListener("selection", (e) => this.show(e.detail));
    this.show([]);
  }

  bindForm(form) {
    form.addEventListener("submit", (event) => event.preventDefault());
    for (const input of form.querySelectorAll("[data-field], [data-prop]")) {
      if (this.readOnly) {
        input.disabled = true;
        continue;
      }
      const commit = () => this.commit(form, input);
      if (input.type === "checkbox" || input.tagName === "SELECT") {
        input.addEventListener("change", commit);
      } else {
        input.addEventListener("change", commit);
        input.addEventListener("keydown", (event) => {
          if (event.key === "Enter" && input.tagName !== "TEXTAREA") {
            event.preventDefault();
            commit();
            input.blur();
          } else if (event.key === "Escape") {
            this.fill();
            input.blur();
          }
        });
      }
    }
    form.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      if (button.dataset.action === "add-prop") this.addCustom(form);
      else this.onAction(button.dataset.action);
    });
  }

  show(ids) {
    this.selection = ids;
    const board = this.sync.view;
    if (ids.length === 1 && board.kindOf(ids[0])) this.current = { type: board.kindOf(ids[0]), id: ids[0] };
    else if (ids.length > 1) this.current = { type: "multi", id: null };
    else this.current = { type: "board", id: null };
    for (const [type, form] of Object.entries(this.forms)) form.hidden = type !== this.current.type;
    this.fill(true);
  }

  // Refresh after a change of the board (keeps what the user is typing in the focused field).
  refresh(touched) {
    if (this.current.type === "board" ? touched.has("@board") || touched.size : touched.has(this.current.id)) {
      if (this.current.id && !this.sync.view.has(this.current.id)) return this.show([]);
      this.fill();
    }
  }

  fill(force = false) {
    const board = this.sync.view;
    const { type, id } = this.current;
    const form = this.forms[type];
    if (type === "multi") {
      const kinds = this.selection.map((i) => board.kindOf(i)).filter(Boolean);
      form.querySelector(".multi-count").textContent = String(kinds.length);
      const count = (k) => kinds.filter((x) => x === k).length;
      form.querySelector(".multi-detail").textContent = `${count("node")} components, ${count("edge")} connections, ${count("group")} groups`;
      return;
    }
    const element = type === "board" ? board.top : board.get(id);
    if (!element) return;
    for (const input of form.querySelectorAll("[data-field], [data-prop]")) {
      if (!force && input === document.activeElement) continue;
      const value = input.dataset.field ? element[input.dataset.field] : (element.props || {})[input.dataset.prop];
      if (input.type === "checkbox") input.checked = value === true;
      else input.value = value ?? (input.dataset.field === "direction" ? "LR" : "");
    }
    if (type === "node") {
      const kind = this.kinds[element.kind];
      const tech = kind?.techs.find((t) => t.id === element.props?.tech);
      const icon = form.querySelector(".props-icon");
      icon.hidden = !(tech || kind?.icon);
      icon.src = tech?.icon || kind?.icon || "";
      this.fillTechs(form, element.kind, element.props?.tech, force);
      form.querySelector(".props-title").textContent = kind ? kind.name : element.kind;
      form.querySelector(".props-id").textContent = element.id;
      form.querySelector(".only-cache").hidden = element.kind !== "cache";
    } else if (type === "edge") {
      const name = (nodeId) => {
        const node = board.nodes.get(nodeId);
        return node ? node.label || node.id : nodeId;
      };
      form.querySelector(".props-ends").textContent = `${name(element.source)} → ${name(element.target)}`;
    } else if (type === "group") {
      form.querySelector(".props-id").textContent = element.id;
    } else {
      const stats = form.querySelector("#board-stats");
      stats.textContent = `${board.nodes.size} components · ${board.edges.size} connections · ${board.groups.size} groups · version ${this.sync.version}`;
    }
    if (type !== "board") this.fillCustom(form, element);
  }

  // The technology menu lists the selected node's kind's technologies (from the palette).
  fillTechs(form, kindId, current, force) {
    const select = form.querySelector('select[data-prop="tech"]');
    const techs = this.kinds[kindId]?.techs || [];
    select.closest(".tech-field").hidden = !techs.length;
    if (select.dataset.kind !== kindId) {
      select.dataset.kind = kindId;
      select.replaceChildren(select.options[0], ...techs.map((t) => new Option(t.name, t.id)));
    }
    if (force || select !== document.activeElement) select.value = current ?? "";
  }

  fillCustom(form, element) {
    const list = form.querySelector(".custom-list");
    list.replaceChildren();
    const props = element.props || {};
    for (const [key, value] of Object.entries(props)) {
      if (KNOWN_PROPS.has(key)) continue;
      const row = document.createElement("li");
      const name = document.createElement("span");
      name.className = "custom-name";
      name.textContent = key;
      name.title = key;
      const input = document.createElement("input");
      input.value = value === null ? "" : String(value);
      input.setAttribute("aria-label", `Value of ${key}`);
      input.disabled = this.readOnly;
      input.addEventListener("change", () => this.setProp(key, coerce(input.value, value)));
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "small icon-only edit-only";
      remove.textContent = "×";
      remove.title = `Remove ${key}`;
      remove.addEventListener("click", () => this.setProp(key, null));
      row.append(name, input, remove);
      list.append(row);
    }
  }

  addCustom(form) {
    const key = form.querySelector(".custom-key");
    const value = form.querySelector(".custom-value");
    const name = key.value.trim();
    if (!name) return key.focus();
    this.setProp(name, coerce(value.value, ""));
    key.value = "";
    value.value = "";
  }

  setProp(key, value) {
    const { type, id } = this.current;
    if (type === "board" || type === "multi") return;
    this.onOp({ action: `update_${type}`, id, set: { props: { [key]: value } } });
  }

  commit(form, input) {
    const { type, id } = this.current;
    const element = type === "board" ? this.sync.view.top : this.sync.view.get(id);
    if (!element) return;
    if (input.dataset.field) {
      const field = input.dataset.field;
      const value = input.value;
      if ((element[field] ?? "") === value) return;
      const set = { [field]: value };
      // A technology belongs to its kind: a new kind without it drops it in the same op.
      const tech = element.props?.tech;
      if (field === "kind" && tech && !this.kinds[value]?.techs.some((t) => t.id === tech)) set.props = { tech: null };
      if (type === "board") this.onOp({ action: "set_board", set });
      else this.onOp({ action: `update_${type}`, id, set });
      return;
    }
    const prop = input.dataset.prop;
    let value;
    switch (input.dataset.type) {
      case "bool":
        value = input.checked ? true : null;
        break;
      case "int": {
        const n = Number(input.value);
        value = input.value === "" ? null : Number.isInteger(n) ? n : input.value;
        if (value === 1 && (element.props || {}).replicas === undefined) return;
        break;
      }
      default:
        value = input.value === "" ? null : input.value;
    }
    if (((element.props || {})[prop] ?? null) === value) return;
    this.onOp({ action: `update_${type}`, id, set: { props: { [prop]: value } } });
  }

  focusLabel() {
    const form = this.forms[this.current.type];
    const input = form && form.querySelector('[data-field="label"], [data-field="name"]');
    if (input && !input.disabled) {
      input.focus();
      input.select();
    }
  }
}

function whenIdle(fn) {
  if (window.requestIdleCallback) window.requestIdleCallback(fn, { timeout: 500 });
  else setTimeout(fn, 50);
}

function coerce(text, like) {
  if (typeof like === "number" && text.trim() !== "" && Number.isFinite(Number(text))) return Number(text);
  if (typeof like === "boolean" && (text === "true" || text === "false")) return text === "true";
  return text;
}

export class Findings {
  constructor({ list, summary, count, canvas, badges, url, sync, onFocus }) {
    this.list = list;
    this.summary = summary;
    this.count = count;
    this.canvas = canvas;
    this.badgeLayer = badges;
    this.url = url;
    this.sync = sync;
    this.onFocus = onFocus;
    this.findings = [];
    this.byElement = new Map();
    this.timer = null;
    this.pushedVersion = -1;
    sync.addEventListener("review", (e) => {
      if (e.detail.version >= this.sync.version) {
        this.pushedVersion = e.detail.version;
        this.show(e.detail.findings);
      }
    });
    // Pan and zoom move the badges at once (a viewport change can come from an animation step,
    // inside the frame being drawn); after a change of the board they are placed in the next
    // animation frame callback, which runs after Cytoscape's own: in the frame that draws the
    // change, and not in the way of drawing it.
    canvas.addEventListener("viewport", () => this.placeBadges());
    this.schedulePlace = onNextFrame(() => this.placeBadges());
    canvas.addEventListener("redrawn", () => this.schedulePlace());
    canvas.cy.on("position", "node", () => this.schedulePlace());
    this.shownKey = null;
    this.listSummary = null;
    this.listQueued = false;
  }

  // Ask the server again a little after the last change (edits come in bursts).
  refreshSoon(delay = 350) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fetch(), delay);
  }

  async fetch() {
    if (this.pushedVersion >= this.sync.version && this.sync.version > 0 && this.findings.length) return;
    try {
      const response = await fetch(this.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const report = await response.json();
      this.show(report.findings, report.summary);
    } catch {
      // Offline: the panel keeps the last findings; the next change asks again.
    }
  }

  show(findings, summary = null) {
    // The review of a design whose findings did not change (most edits: a move, a rename)
    // changes nothing on screen.
    const key = JSON.stringify(findings);
    if (key === this.shownKey) return;
    this.shownKey = key;
    this.findings = findings.slice().sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.suppressed ? 1 : 0) - (b.suppressed ? 1 : 0));
    if (!summary) {
      summary = { error: 0, warning: 0, info: 0 };
      for (const f of findings) if (!f.suppressed) summary[f.severity] += 1;
    }
    this.byElement = new Map();
    for (const f of this.findings) {
      if (f.suppressed) continue;
      for (const id of [...f.nodes, ...f.edges]) {
        const entry = this.byElement.get(id) || { severity: f.severity, messages: [] };
        if (SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[entry.severity]) entry.severity = f.severity;
        entry.messages.push(f.message);
        this.byElement.set(id, entry);
      }
    }
    this.canvas.setFindings(this.byElement);
    const total = summary.error + summary.warning + summary.info;
    this.count.textContent = total ? String(total) : "";
    this.count.className = `count ${summary.error ? "error" : summary.warning ? "warning" : total ? "info" : ""}`;
    // The list (hundreds of rows on a large board) is rebuilt when the page is idle, so that
    // it never holds up the drawing of someone's edit.
    this.listSummary = summary;
    if (!this.listQueued) {
      this.listQueued = true;
      whenIdle(() => {
        this.listQueued = false;
        this.renderList(this.listSummary);
      });
    }
    this.schedulePlace();
  }

  renderList(summary) {
    this.summary.replaceChildren();
    for (const sev of ["error", "warning", "info"]) {
      const pill = document.createElement("span");
      pill.className = `sev-pill ${sev}`;
      pill.textContent = `${summary[sev]} ${sev}${summary[sev] === 1 ? "" : sev === "info" ? "" : "s"}`;
      this.summary.append(pill);
    }
    this.list.replaceChildren();
    if (!this.findings.length) {
      const empty = document.createElement("li");
      empty.className = "findings-empty";
      empty.textContent = "No findings: the design passes every review rule.";
      this.list.append(empty);
      return;
    }
    for (const f of this.findings) {
      const item = document.createElement("li");
      item.className = `finding ${f.severity}${f.suppressed ? " suppressed" : ""}`;
      item.tabIndex = 0;
      const head = document.createElement("div");
      head.className = "finding-head";
      const badge = document.createElement("span");
      badge.className = `sev-dot ${f.severity}`;
      const rule = document.createElement("code");
      rule.textContent = f.rule;
      head.append(badge, rule);
      if (f.suppressed) {
        const tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = "suppressed";
        head.append(tag);
      }
      const message = document.createElement("p");
      message.className = "finding-message";
      message.textContent = f.message;
      item.append(head, message);
      if (f.hint) {
        const hint = document.createElement("p");
        hint.className = "finding-hint";
        hint.textContent = f.hint;
        item.append(hint);
      }
      if (f.suppressed && f.reason) {
        const reason = document.createElement("p");
        reason.className = "finding-hint";
        reason.textContent = `Suppressed: ${f.reason}`;
        item.append(reason);
      }
      const focus = () => this.onFocus([...f.nodes, ...f.edges]);
      item.addEventListener("click", focus);
      item.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          focus();
        }
      });
      this.list.append(item);
    }
  }

  placeBadges() {
    const cy = this.canvas.cy;
    const zoom = cy.zoom();
    const pan = cy.pan();
    // Too far out to read a badge (the layer hides): the coloured borders carry the severity.
    renderOverlay(cy, this.badgeLayer, this.byElement, {
      keyAttr: "id",
      anchor: (id) => {
        const el = cy.getElementById(id);
        if (el.empty()) return null;
        if (el.isNode() && el.isParent()) {
          const bb = el.renderedBoundingBox({ includeLabels: false });
          return { x: bb.x2 - 4, y: bb.y1 + 4 };
        }
        if (el.isNode()) {
          const p = el.position();
          const half = (el.width() / 2) * zoom;
          return { x: p.x * zoom + pan.x + half - 4, y: p.y * zoom + pan.y - half + 4 };
        }
        const mid = el.midpoint();
        return { x: mid.x * zoom + pan.x, y: mid.y * zoom + pan.y - 12 };
      },
      create: () => document.createElement("span"),
      update: (badge, entry, x, y) => {
        const cls = `badge ${entry.severity}`;
        if (badge.className !== cls) {
          badge.className = cls;
          badge.textContent = entry.severity === "info" ? "i" : "!";
        }
        const title = entry.messages.join("\n");
        if (badge.title !== title) badge.title = title;
        badge.style.transform = `translate(${x - 9}px, ${y - 9}px)`;
      },
    });
  }
}
