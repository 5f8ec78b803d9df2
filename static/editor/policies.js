// The board's own rules in the Review tab: each policy of `review.policies` in words, with the
// number of findings it has now, and (for an editor) a form to add one, from scratch or from a
// finding about a connection. Every change is one `set_board` op on `review` through the
// Findings panel, so it is live for everyone, undoable and in the history. Kinds, categories,
// technologies and groups are shown by name; all user text goes in as text, never HTML.

import { describeError, kindName, nameOf } from "./labels.js";

const SHAPES = {
  forbid: { label: "Forbid", selectors: ["from", "to"] },
  require: { label: "Require", selectors: ["from", "to", "through"] },
  limit: { label: "Limit", selectors: ["select"] },
};
const SELECTOR_LABELS = { from: "From", to: "To", through: "Through", select: "Components" };

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function button(text, act, onClick) {
  const b = el("button", { type: "button", className: "small", textContent: text });
  b.dataset.act = act;
  if (onClick) b.addEventListener("click", onClick);
  return b;
}

function pick(caption, select) {
  return el("label", { className: "policy-pick" }, el("span", { textContent: caption }), select);
}

export class Policies {
  // `findings` is the Review panel: it owns the review settings (`review()`, `setReview()`).
  constructor({ root, sync, findings, kinds, categories, config, editable }) {
    this.root = root;
    this.sync = sync;
    this.findings = findings;
    this.kinds = kinds;
    this.categories = categories;
    this.max = config.max;
    this.prefix = config.prefix;
    const props = config.schema.properties;
    this.idPattern = new RegExp(props.id.pattern);
    this.severities = props.severity.enum;
    this.defaultSeverity = props.severity.default;
    this.maxMessage = props.message.maxLength;
    this.replicas = props.limit.properties.min_replicas;
    this.editable = editable;
    this.counts = new Map();
    this.form = null;
    this.shownKey = null;
    // The last form sent, with its op: if the server refuses the op, the form comes back with
    // the reason (the toast says it too), so the reviewer fixes it instead of typing it again.
    this.sent = null;
    sync.addEventListener("change", (e) => {
      if (e.detail.touched.has("@board")) this.render();
    });
    sync.addEventListener("rejected", (e) => {
      if (!this.sent || e.detail.op !== this.sent.op || this.form) return;
      this.form = this.sent.form;
      this.sent = null;
      const error = this.form.querySelector(".policy-error");
      error.textContent = `The server refused it: ${describeError(e.detail.error, this.sync.view)}`;
      error.hidden = false;
      this.shownKey = null;
      this.render();
    });
  }

  policies() {
    return this.findings.review().policies || [];
  }

  // The findings now on screen, counted per policy (suppressed ones left out, as in the summary).
  setFindings(findings) {
    const counts = new Map();
    for (const f of findings) {
      if (f.suppressed || !f.rule.startsWith(this.prefix)) continue;
      const id = f.rule.slice(this.prefix.length);
      counts.set(id, (counts.get(id) || 0) + 1);
    }
    this.counts = counts;
    this.render();
  }

  // Rebuilt only when what it shows changed: the panel follows every edit of the board.
  render() {
    const editable = this.editable();
    // The descriptions too: a group's new label changes them.
    const key = JSON.stringify([this.policies(), this.policies().map((p) => this.describe(p)), [...this.counts], editable]);
    if (key === this.shownKey) return;
    this.shownKey = key;
    const list = el("ul", { className: "policy-list" });
    for (const policy of this.policies()) list.append(this.item(policy, editable));
    if (!list.children.length) list.append(el("li", { className: "policy-empty muted small", textContent: "None: this board uses only the built-in rules." }));
    const head = el("div", { className: "policies-head" }, el("h3", { textContent: "Board policies" }));
    if (editable && !this.form) head.append(button("Add policy", "add-policy", () => this.open()));
    this.root.replaceChildren(head, list);
    if (editable && this.form) this.root.append(this.form);
  }

  item(policy, editable) {
    const count = this.counts.get(policy.id) || 0;
    const item = el("li", { className: "policy" });
    item.dataset.policy = policy.id;
    item.dataset.severity = policy.severity || this.defaultSeverity;
    item.append(el("span", { className: "policy-text", textContent: this.describe(policy) }));
    if (policy.message) item.append(el("p", { className: "finding-hint policy-message", textContent: policy.message }));
    item.append(el("span", { className: `policy-count${count ? " failing" : ""}`, textContent: count === 1 ? "1 finding" : `${count} findings` }));
    if (editable) {
      const edit = button("Edit", "edit-policy", () => this.open(policy, policy.id));
      edit.setAttribute("aria-label", `Edit policy ${policy.id}`);
      const remove = button("Remove", "remove-policy", () => this.save(this.policies().filter((p) => p.id !== policy.id)));
      remove.setAttribute("aria-label", `Remove policy ${policy.id}`);
      item.append(edit, remove);
    }
    return item;
  }

  // "Forbid: AI agent → Data (direct edges) — error"
  describe(policy) {
    const severity = policy.severity || this.defaultSeverity;
    let what;
    if (policy.forbid) {
      const body = policy.forbid;
      what = `Forbid: ${this.selector(body.from)} → ${this.selector(body.to)} (${body.direct === false ? "any path" : "direct edges"})`;
    } else if (policy.require) {
      const body = policy.require;
      what = `Require: ${this.selector(body.from)} → ${this.selector(body.to)} through ${this.selector(body.through)}`;
    } else if (policy.limit) {
      const body = policy.limit;
      what = `Limit: ${this.selector(body.select)} at least ${body.min_replicas} replicas`;
    } else {
      what = "Unknown policy";
    }
    return `${policy.id}: ${what} — ${severity}`;
  }

  selector(sel = {}) {
    const parts = [];
    const names = (values, name) => (values?.length ? parts.push(values.map(name).join(" or ")) : null);
    names(sel.kind, kindName);
    names(sel.category, (c) => this.categories[c] || c);
    names(sel.tech, (t) => this.techName(t));
    names(sel.group, (g) => `group ${nameOf(this.sync.view, g)}`);
    return parts.length ? parts.join(", ") : "any component";
  }

  techName(id) {
    for (const kind of Object.values(this.kinds)) {
      const tech = kind.techs.find((t) => t.id === id);
      if (tech) return tech.name;
    }
    return id;
  }

  save(policies) {
    return this.findings.setReview({ policies });
  }

  // A finding about one connection: the policy that forbids that kind calling that category.
  static draftFrom(board, f) {
    if (f.edges.length !== 1) return null;
    const edge = board.edges.get(f.edges[0]);
    const source = edge && board.nodes.get(edge.source);
    const target = edge && board.nodes.get(edge.target);
    if (!source || !target) return null;
    return { source: source.kind, target: target.kind };
  }

  canDraft(f) {
    return Policies.draftFrom(this.sync.view, f) !== null;
  }

  openFrom(f) {
    const draft = Policies.draftFrom(this.sync.view, f);
    if (!draft) return;
    const category = this.kinds[draft.target]?.category;
    const base = `no-${draft.source}-to-${category}`.replace(/[^a-z0-9-]+/g, "-").slice(0, 60);
    const taken = new Set(this.policies().map((p) => p.id));
    let id = base;
    for (let n = 2; taken.has(id); n += 1) id = `${base}-${n}`;
    this.open({ id, severity: "error", forbid: { from: { kind: [draft.source] }, to: { category: [category] } } });
  }

  // `editing`: the id of the policy the form replaces (in its place in the list), else null.
  open(initial = null, editing = null) {
    this.form = this.buildForm(initial, editing);
    this.shownKey = null;
    this.render();
    // A drafted selection may sit far down its list (an AI agent, below the clients).
    for (const select of this.form.querySelectorAll("select[multiple]")) select.selectedOptions[0]?.scrollIntoView({ block: "nearest" });
    this.form.scrollIntoView({ block: "nearest" });
    this.form.querySelector("[name=id]").focus();
  }

  close() {
    this.form = null;
    this.shownKey = null;
    this.render();
  }

  buildForm(initial, editing) {
    const form = el("form", { className: "policy-form" });
    form.noValidate = true;
    const id = el("input", { name: "id", required: true, placeholder: "no-agent-to-data", value: initial?.id || "" });
    id.setAttribute("aria-label", "Policy id");
    const severity = el("select", { name: "severity" });
    for (const s of this.severities) severity.append(new Option(s, s, false, s === (initial?.severity || this.defaultSeverity)));
    severity.setAttribute("aria-label", "Severity");
    const message = el("input", { name: "message", maxLength: this.maxMessage, placeholder: "Why (optional): shown on each finding", value: initial?.message || "" });
    message.setAttribute("aria-label", "Message");
    const shapeOf = initial ? Object.keys(SHAPES).find((s) => initial[s]) : "forbid";
    const shape = el("select", { name: "shape" });
    for (const [value, s] of Object.entries(SHAPES)) shape.append(new Option(s.label, value, false, value === shapeOf));
    shape.setAttribute("aria-label", "Kind of policy");
    const body = initial?.[shapeOf] || {};
    const selectors = {};
    const sections = el("div", { className: "policy-selectors" });
    for (const name of ["from", "to", "through", "select"]) {
      selectors[name] = this.selectorField(name, body[name] || {});
      sections.append(selectors[name].box);
    }
    const direct = el("input", { type: "checkbox", name: "direct", checked: body.direct !== false });
    const directBox = el("label", { className: "policy-option" }, direct, " Direct connections only (else any path)");
    const replicas = el("input", { type: "number", name: "min_replicas", min: this.replicas.minimum, max: this.replicas.maximum, step: 1, value: body.min_replicas || 2 });
    replicas.setAttribute("aria-label", "Minimum replicas");
    const replicasBox = el("label", { className: "policy-option" }, "At least ", replicas, " replicas");
    const error = el("p", { className: "policy-error", hidden: true });
    error.setAttribute("role", "alert");
    const showShape = () => {
      for (const [name, field] of Object.entries(selectors)) field.box.hidden = !SHAPES[shape.value].selectors.includes(name);
      directBox.hidden = shape.value !== "forbid";
      replicasBox.hidden = shape.value !== "limit";
    };
    shape.addEventListener("change", showShape);
    showShape();
    const submit = el("button", { type: "submit", className: "small primary", textContent: editing ? "Save policy" : "Add policy" });
    submit.dataset.act = "save-policy";
    const cancel = button("Cancel", "cancel-policy", () => this.close());
    form.append(
      el("h4", { textContent: editing ? `Edit policy “${editing}”` : "New policy" }),
      el("div", { className: "policy-row" }, id, severity, shape),
      message,
      sections,
      directBox,
      replicasBox,
      error,
      el("div", { className: "policy-row" }, submit, cancel),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const policy = { id: id.value.trim(), severity: severity.value };
      if (message.value.trim()) policy.message = message.value.trim();
      const spec = {};
      for (const name of SHAPES[shape.value].selectors) spec[name] = selectors[name].value();
      if (shape.value === "forbid" && !direct.checked) spec.direct = false;
      if (shape.value === "limit") spec.min_replicas = Number(replicas.value);
      policy[shape.value] = spec;
      const problem = this.problem(policy, editing);
      error.hidden = !problem;
      error.textContent = problem || "";
      if (problem) return;
      const current = this.policies();
      const at = current.findIndex((p) => p.id === editing);
      const op = this.save(at < 0 ? [...current, policy] : current.map((p, i) => (i === at ? policy : p)));
      if (!op) return;
      this.sent = { op, form };
      this.close();
    });
    return form;
  }

  // What the server would refuse, said before sending (the server checks it all again).
  problem(policy, editing = null) {
    const others = this.policies().filter((p) => p.id !== editing);
    if (!this.idPattern.test(policy.id)) return "The id is 1 to 64 characters of a-z, 0-9 and -.";
    if (others.some((p) => p.id === policy.id)) return `The board already has a policy “${policy.id}”.`;
    if (others.length >= this.max) return `A board has at most ${this.max} policies.`;
    const { minimum, maximum } = this.replicas;
    const replicas = policy.limit?.min_replicas;
    if (policy.limit && !(Number.isInteger(replicas) && replicas >= minimum && replicas <= maximum)) return `Minimum replicas is a whole number from ${minimum} to ${maximum}.`;
    return null;
  }

  // One selector: kinds (grouped by category), whole categories and technologies; any may be
  // left empty.
  selectorField(name, initial) {
    const kinds = el("select", { name: `${name}-kind`, multiple: true, size: 6 });
    kinds.setAttribute("aria-label", `${SELECTOR_LABELS[name]}: kinds`);
    const categories = el("select", { name: `${name}-category`, multiple: true, size: 6 });
    categories.setAttribute("aria-label", `${SELECTOR_LABELS[name]}: categories`);
    const groups = new Map();
    for (const [id, category] of Object.entries(this.categories)) {
      // Notes are never matched by a policy.
      if (id === "annotation") continue;
      categories.append(new Option(category, id, false, (initial.category || []).includes(id)));
      groups.set(id, el("optgroup", { label: category }));
    }
    for (const [id, kind] of Object.entries(this.kinds)) groups.get(kind.category)?.append(new Option(kind.name, id, false, (initial.kind || []).includes(id)));
    kinds.append(...[...groups.values()].filter((g) => g.children.length));
    // Technologies are rarely what a standard names: folded away, listed under their kind.
    const techs = el("select", { name: `${name}-tech`, multiple: true, size: 6 });
    techs.setAttribute("aria-label", `${SELECTOR_LABELS[name]}: technologies`);
    const seen = new Set();
    for (const kind of Object.values(this.kinds)) {
      const fresh = kind.techs.filter((t) => !seen.has(t.id));
      if (!fresh.length) continue;
      const group = el("optgroup", { label: kind.name });
      for (const tech of fresh) {
        seen.add(tech.id);
        group.append(new Option(tech.name, tech.id, false, (initial.tech || []).includes(tech.id)));
      }
      techs.append(group);
    }
    const techBox = el("details", { className: "policy-techs", open: Boolean(initial.tech?.length) }, el("summary", { textContent: "Technologies (optional)" }), techs);
    const box = el("fieldset", { className: "policy-selector" }, el("legend", { textContent: SELECTOR_LABELS[name] }), pick("Kinds", kinds), pick("or whole categories", categories), techBox);
    box.dataset.selector = name;
    const chosen = (select) => [...select.selectedOptions].map((o) => o.value);
    return {
      box,
      // What the form does not edit (groups) is kept as it was.
      value: () => {
        const sel = { ...initial };
        for (const [key, select] of [["kind", kinds], ["category", categories], ["tech", techs]]) {
          delete sel[key];
          if (chosen(select).length) sel[key] = chosen(select);
        }
        return sel;
      },
    };
  }
}
