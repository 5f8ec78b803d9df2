// The Review tab: the findings of the review rules (pushed by the server after each change, or
// fetched), with severity badges on the canvas. Each finding links to its rule's page; an editor
// suppresses or accepts it with a reason, or sets its rule's severity for the board: both are a
// `set_board` op on `review` (live for everyone, undoable, in the history). All user text goes in
// as text, never HTML.

import { nameOf } from "./labels.js";
import { LIMITS } from "./limits.js";
import { onNextFrame, renderOverlay } from "./overlay.js";

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 };
const LIST_PAGE = 100;

function button(text, onClick) {
  const el = document.createElement("button");
  el.type = "button";
  el.className = "small";
  el.textContent = text;
  if (onClick) el.addEventListener("click", onClick);
  return el;
}

function whenIdle(fn) {
  if (window.requestIdleCallback) window.requestIdleCallback(fn, { timeout: 500 });
  else setTimeout(fn, 50);
}

export class Findings {
  constructor({ list, summary, count, canvas, badges, url, sync, rules, policyPrefix, editable, onOp, onFocus, onShown, policyFrom }) {
    this.list = list;
    this.policyPrefix = policyPrefix;
    // The board policies section counts the findings shown, and drafts a policy from one.
    this.onShown = onShown;
    this.policyFrom = policyFrom;
    this.rules = rules; // id -> {title, severity, url}
    this.editable = editable;
    this.onOp = onOp;
    this.summary = summary;
    this.count = count;
    this.canvas = canvas;
    this.badgeLayer = badges;
    this.url = url;
    this.sync = sync;
    this.onFocus = onFocus;
    this.findings = [];
    this.byElement = new Map();
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
    // A change of `review` (a suppression, a severity) redraws the controls at once.
    sync.addEventListener("change", (e) => {
      if (e.detail.touched.has("@board") && this.listSummary) this.renderList(this.listSummary);
    });
  }

  review() {
    return this.sync.view.top.review || {};
  }

  setReview(changes) {
    const review = { ...this.review(), ...changes };
    for (const key of Object.keys(review)) {
      const value = review[key];
      if ((Array.isArray(value) && !value.length) || (value && typeof value === "object" && !Array.isArray(value) && !Object.keys(value).length)) delete review[key];
    }
    const op = { action: "set_board", set: { review } };
    // The op sent (to know its rejection by), or null when it could not be applied.
    return this.onOp(op) ? op : null;
  }

  // A suppression names one element of the finding: its connection, else its first component.
  static targetOf(f) {
    if (f.edges.length === 1) return f.edges[0];
    return f.nodes[0] ?? null;
  }

  suppress(f, reason) {
    const entry = { rule: f.rule, reason };
    const target = Findings.targetOf(f);
    if (target) entry.target = target;
    this.setReview({ suppress: [...(this.review().suppress || []), entry] });
  }

  // Every suppression that matches the finding goes (SPEC 3: same rule, and no target or one of
  // the finding's elements).
  unsuppress(f) {
    const keep = (this.review().suppress || []).filter((s) => !(s.rule === f.rule && (s.target == null || [...f.nodes, ...f.edges].includes(s.target))));
    this.setReview({ suppress: keep });
  }

  setRuleLevel(rule, level) {
    const rules = { ...(this.review().rules || {}) };
    if (level) rules[rule] = level;
    else delete rules[rule];
    this.setReview({ rules });
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
    this.onShown(this.findings);
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
    this.showItems(0);
  }

  // The list grows a page at a time (a board of thousands of components has thousands of findings).
  showItems(from) {
    const page = this.findings.slice(from, from + LIST_PAGE);
    for (const f of page) this.list.append(this.item(f));
    const rest = this.findings.length - from - page.length;
    if (rest > 0) {
      const more = document.createElement("li");
      more.className = "findings-more";
      more.append(button(`Show ${Math.min(rest, LIST_PAGE)} more of ${rest}`, () => {
        more.remove();
        this.showItems(from + LIST_PAGE);
      }));
      this.list.append(more);
    }
  }

  item(f) {
    const board = this.sync.view;
    const rule = this.rules[f.rule] || this.policyRule(f);
    const item = document.createElement("li");
    item.className = `finding ${f.severity}${f.suppressed ? " suppressed" : ""}`;
    item.tabIndex = 0;
    item.dataset.rule = f.rule;
    const head = document.createElement("div");
    head.className = "finding-head";
    const badge = document.createElement("span");
    badge.className = `sev-dot ${f.severity}`;
    const title = document.createElement("a");
    title.className = "finding-rule";
    title.textContent = rule.title;
    title.title = `${f.rule}: what it checks, why it matters, how to fix it`;
    if (rule.url) {
      title.href = rule.url;
      title.target = "_blank";
      title.rel = "noopener";
    }
    head.append(badge, title);
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
    const names = [...f.nodes, ...f.edges].filter((id) => board.has(id)).map((id) => nameOf(board, id));
    if (names.length) {
      const on = document.createElement("p");
      on.className = "finding-hint";
      on.textContent = `On: ${names.join(", ")}`;
      item.append(on);
    }
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
    // The controls are made when asked for: a large board has thousands of findings.
    if (this.editable()) {
      const more = button("Suppress, accept or change severity…", () => more.replaceWith(this.controls(f, rule)));
      more.dataset.act = "actions";
      item.append(more);
      if (!f.rule.startsWith(this.policyPrefix) && this.policyFrom.can(f)) {
        const make = button("Make this a policy…", () => this.policyFrom.open(f));
        make.dataset.act = "make-policy";
        make.title = "Forbid this kind of connection on the whole board";
        item.append(make);
      }
    }
    const focus = () => this.onFocus([...f.nodes, ...f.edges]);
    item.addEventListener("click", (event) => {
      if (!event.target.closest("a, button, select, input, form")) focus();
    });
    item.addEventListener("keydown", (event) => {
      if (event.target === item && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        focus();
      }
    });
    return item;
  }

  // A board policy has no page of its own: its title names it.
  policyRule(f) {
    const policy = f.rule.startsWith(this.policyPrefix) ? f.rule.slice(this.policyPrefix.length) : null;
    return { title: policy ? `Board policy “${policy}”` : f.rule, severity: f.severity, url: null };
  }

  controls(f, rule) {
    const box = document.createElement("div");
    box.className = "finding-actions";
    if (f.suppressed) {
      const undo = button("Unsuppress", () => this.unsuppress(f));
      undo.dataset.act = "unsuppress";
      box.append(undo);
    } else {
      const open = button("Suppress or accept…", () => {
        open.hidden = true;
        form.hidden = false;
        reason.focus();
      });
      open.dataset.act = "suppress";
      const form = document.createElement("form");
      form.className = "suppress-form";
      form.hidden = true;
      const reason = document.createElement("input");
      reason.name = "reason";
      reason.required = true;
      reason.maxLength = LIMITS.reason;
      reason.placeholder = "Why is this acceptable here?";
      reason.setAttribute("aria-label", "Reason");
      const suppress = button("Suppress", null);
      suppress.type = "submit";
      suppress.value = "suppress";
      const accept = button("Accept the risk", null);
      accept.type = "submit";
      accept.value = "accept";
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = reason.value.trim();
        if (!text) return reason.focus();
        this.suppress(f, event.submitter?.value === "accept" ? `Accepted risk: ${text}` : text);
      });
      form.append(reason, suppress, accept);
      box.append(open, form);
    }
    const level = document.createElement("select");
    level.className = "rule-level";
    level.setAttribute("aria-label", `Severity of ${rule.title} on this board`);
    const current = (this.review().rules || {})[f.rule] || "";
    for (const [value, text] of [["", `${rule.severity} (default)`], ["error", "error"], ["warning", "warning"], ["info", "info"], ["off", "off for this board"]]) {
      const option = new Option(text, value, false, value === current);
      level.append(option);
    }
    level.addEventListener("change", () => this.setRuleLevel(f.rule, level.value));
    box.append(level);
    return box;
  }

  placeBadges() {
    const cy = this.canvas.cy;
    const zoom = cy.zoom();
    const pan = cy.pan();
    const width = cy.width();
    const height = cy.height();
    // Past this, a component's badge is off screen whatever its size (the overlay's margin plus
    // more than half the widest component): a board has thousands of findings, and measuring
    // each component on every change held up the frame that draws the change.
    const reach = 20 + 200 * zoom;
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
          const x = p.x * zoom + pan.x;
          const y = p.y * zoom + pan.y;
          if (x < -reach || y < -reach || x > width + reach || y > height + reach) return null;
          const half = (el.width() / 2) * zoom;
          return { x: x + half - 4, y: y - half + 4 };
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
