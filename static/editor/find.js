// Find (Ctrl+F): search the board's labels, technologies, kinds and ids as you type; Enter
// centres and selects the next match (Shift+Enter the previous one), Esc closes.

import { kindName, nameOf } from "./labels.js";

export class Find {
  constructor({ root, canvas, sync }) {
    this.root = root;
    this.canvas = canvas;
    this.sync = sync;
    this.input = root.querySelector("input");
    this.count = root.querySelector(".find-count");
    this.matches = [];
    this.index = -1;
    this.input.addEventListener("input", () => this.search());
    this.input.addEventListener("keydown", (event) => {
      event.stopPropagation();
      if (event.key === "Enter") {
        event.preventDefault();
        this.step(event.shiftKey ? -1 : 1);
      } else if (event.key === "Escape") {
        event.preventDefault();
        this.close();
      } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "f") {
        event.preventDefault();
        this.input.select();
      }
    });
    root.querySelector("[data-find=next]").addEventListener("click", () => this.step(1));
    root.querySelector("[data-find=prev]").addEventListener("click", () => this.step(-1));
    root.querySelector("[data-find=close]").addEventListener("click", () => this.close());
  }

  open() {
    this.root.hidden = false;
    this.input.focus();
    this.input.select();
    this.search();
  }

  close() {
    this.root.hidden = true;
    this.canvas.container.focus({ preventScroll: true });
  }

  search() {
    const words = this.input.value.toLowerCase().split(/\s+/).filter(Boolean);
    const board = this.sync.view;
    this.matches = [];
    if (words.length) {
      const test = (...fields) => {
        const text = fields.filter(Boolean).join(" ").toLowerCase();
        return words.every((w) => text.includes(w));
      };
      for (const n of board.nodes.values()) if (test(n.label, n.id, kindName(n.kind), n.props?.tech)) this.matches.push(n.id);
      for (const e of board.edges.values()) if (test(e.label, e.id, e.props?.protocol)) this.matches.push(e.id);
      for (const g of board.groups.values()) if (test(g.label, g.id)) this.matches.push(g.id);
    }
    this.index = -1;
    this.showCount();
  }

  step(direction) {
    if (!this.matches.length) return;
    this.index = (this.index + direction + this.matches.length) % this.matches.length;
    const id = this.matches[this.index];
    const el = this.canvas.cy.getElementById(id);
    if (el.nonempty()) {
      this.canvas.select([id]);
      this.canvas.centreOn(el);
      this.canvas.flash(el);
    }
    this.showCount();
  }

  showCount() {
    const n = this.matches.length;
    if (!this.input.value.trim()) this.count.textContent = "";
    else if (!n) this.count.textContent = "No match";
    else if (this.index < 0) this.count.textContent = `${n} match${n === 1 ? "" : "es"}`;
    else this.count.textContent = `${this.index + 1} of ${n}: ${nameOf(this.sync.view, this.matches[this.index])}`;
  }
}
