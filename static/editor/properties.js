// The Properties tab: the selection's fields in server-rendered forms, filled here, every change
// an op. All user text goes in through textContent / value, never HTML.

import { nameOf } from "./labels.js";

const KNOWN_PROPS = new Set(["replicas", "protocol", "async", "rate_limited", "public", "write_policy", "notes", "route", "tech"]);
// What an edge's estimate props mean when not set (SPEC 8); a node's come from its kind's defaults.
const EDGE_DEFAULTS = { calls: "1", fraction: "shared equally" };

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
    // The estimate fields are edited here, not as custom properties.
    for (const input of root.querySelectorAll("form.props [data-type=number]")) KNOWN_PROPS.add(input.dataset.prop);
    // The server refuses a bad value with its place (op.set.props.<key>): shown under the field.
    sync.addEventListener("rejected", (event) => this.showRejection(event.detail));
    canvas.addEventListener("selection", (e) => this.show(e.detail));
    this.show([]);
  }

  // The role changed while the page is open: fields follow it.
  setReadOnly(readOnly) {
    this.readOnly = readOnly;
    for (const input of this.root.querySelectorAll("form.props [data-field], form.props [data-prop], .custom-list input")) input.disabled = readOnly;
  }

  bindForm(form) {
    form.addEventListener("submit", (event) => event.preventDefault());
    for (const input of form.querySelectorAll("[data-field], [data-prop]")) {
      input.disabled = this.readOnly;
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
    this.clearErrors();
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
      else if (input.dataset.prop === "route" && !value) input.value = "";
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
      this.fillEstimate(form, element.kind);
    } else if (type === "edge") {
      form.querySelector(".props-ends").textContent = `${nameOf(board, element.source)} → ${nameOf(board, element.target)}`;
      for (const input of form.querySelectorAll("[data-type=number]")) input.placeholder = `${EDGE_DEFAULTS[input.dataset.prop] ?? "not set"} (default)`;
    } else if (type === "group") {
      form.querySelector(".props-id").textContent = element.id;
    } else {
      const stats = form.querySelector("#board-stats");
      stats.textContent = `${board.nodes.size} components · ${board.edges.size} connections · ${board.groups.size} groups · version ${this.sync.version}`;
    }
    if (type !== "board") this.fillCustom(form, element);
  }

  // The estimate fields the model reads on this kind, each with the kind's default (from the
  // palette) as its placeholder; notes have none.
  fillEstimate(form, kindId) {
    const kind = this.kinds[kindId];
    const defaults = kind?.defaults || {};
    const fieldset = form.querySelector(".estimate-props");
    fieldset.hidden = kind?.category === "annotation";
    for (const field of fieldset.querySelectorAll(".estimate-field")) {
      const only = field.dataset.only;
      field.hidden = Boolean(only) && only !== kindId && only !== kind?.category;
      const input = field.querySelector("input");
      const fallback = defaults[input.dataset.prop];
      input.placeholder = fallback === undefined ? "not set" : `${fallback.toLocaleString("en")} (default)`;
    }
  }

  showRejection({ op, errors }) {
    if (!op || !errors || op.id !== this.current.id) return;
    const form = this.forms[this.current.type];
    for (const error of errors) {
      const match = /^op\.set\.props\.(.+)$/.exec(error.loc || "");
      const input = match && form?.querySelector(`[data-prop="${CSS.escape(match[1])}"]`);
      const slot = input?.closest("label")?.querySelector(".field-error");
      if (!slot) continue;
      slot.textContent = `Not saved: ${error.msg}.`;
      slot.hidden = false;
      input.setAttribute("aria-invalid", "true");
    }
  }

  clearErrors(input = null) {
    const inputs = input ? [input] : this.root.querySelectorAll("[aria-invalid=true]");
    for (const el of inputs) {
      el.removeAttribute("aria-invalid");
      const slot = el.closest("label")?.querySelector(".field-error");
      if (slot) slot.hidden = true;
    }
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
    this.clearErrors(input);
    switch (input.dataset.type) {
      case "number": {
        // Text that is no number never leaves the field; a number out of range goes to the
        // server, whose located error comes back under the field.
        if (input.validity.badInput) {
          this.showRejection({ op: { id }, errors: [{ loc: `op.set.props.${prop}`, msg: "not a number" }] });
          return;
        }
        value = input.value === "" ? null : Number(input.value);
        break;
      }
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

}


function coerce(text, like) {
  if (typeof like === "number" && text.trim() !== "" && Number.isFinite(Number(text))) return Number(text);
  if (typeof like === "boolean" && (text === "true" || text === "false")) return text === "true";
  return text;
}
