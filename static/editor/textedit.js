// Editing a label in place: a text box over the element's label (a component's below its icon,
// a note's over the note, a connection's at its middle, a group's at its top). Enter commits,
// Shift+Enter starts a new line, Esc cancels, leaving the box commits. It opens and closes as
// the input state machine's `edittext` state (input.js).

import { nameOf } from "./labels.js";
import { LIMITS } from "./limits.js";

export class TextEditor {
  constructor({ stage, canvas, sync, edits, onDone, onCancel }) {
    this.stage = stage;
    this.canvas = canvas;
    this.sync = sync;
    this.edits = edits;
    this.onDone = onDone; // the machine's "editdone"
    this.onCancel = onCancel;
    this.id = null;
    const box = document.createElement("textarea");
    box.className = "label-editor";
    box.maxLength = LIMITS.label;
    box.rows = 1;
    box.spellcheck = false;
    box.hidden = true;
    box.addEventListener("keydown", (event) => {
      event.stopPropagation();
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this.onDone();
      } else if (event.key === "Escape") {
        event.preventDefault();
        this.onCancel();
      }
    });
    box.addEventListener("input", () => this.fit());
    box.addEventListener("blur", () => {
      if (this.id !== null) this.onDone();
    });
    stage.append(box);
    this.box = box;
  }

  open(id, initial) {
    const board = this.sync.view;
    const element = board.get(id);
    const el = this.canvas.cy.getElementById(id);
    if (!element || el.empty()) return this.onCancel();
    this.id = id;
    this.el = el;
    el.addClass("editing");
    const box = this.box;
    box.value = initial ?? element.label ?? "";
    box.placeholder = nameOf(board, id);
    box.setAttribute("aria-label", `Label of ${nameOf(board, id)}`);
    box.dataset.for = id;
    box.hidden = false;
    this.place();
    box.focus({ preventScroll: true });
    if (initial === null || initial === undefined) box.select();
    else box.setSelectionRange(box.value.length, box.value.length);
  }

  place() {
    const el = this.el;
    const zoom = this.canvas.cy.zoom();
    const box = this.box;
    let x;
    let y;
    let width = 160;
    if (el.isEdge()) {
      const mid = this.canvas.toScreen(el.midpoint());
      x = mid.x;
      y = mid.y - 12;
    } else if (el.isParent() || el.data("isGroup")) {
      const bb = el.renderedBoundingBox({ includeLabels: false });
      x = (bb.x1 + bb.x2) / 2;
      y = bb.y1 + 12;
      width = Math.max(160, bb.x2 - bb.x1 - 24);
    } else if (el.hasClass("note")) {
      const b = this.canvas.screenBox(el);
      x = b.x;
      y = b.y1 + 4;
      width = Math.max(120, b.x2 - b.x1 - 8);
    } else {
      const b = this.canvas.screenBox(el);
      x = b.x;
      y = b.y2 + 4;
    }
    box.style.width = `${width}px`;
    box.style.fontSize = `${Math.max(12, Math.min(18, 12 * zoom))}px`;
    box.style.transform = `translate(${x - width / 2}px, ${y}px)`;
    this.fit();
  }

  fit() {
    this.box.style.height = "auto";
    this.box.style.height = `${this.box.scrollHeight + 2}px`;
  }

  // Leave the editor, keeping the text (an op when it changed) unless `cancelled`.
  close({ cancelled = false } = {}) {
    if (this.id === null) return;
    const id = this.id;
    this.id = null;
    const value = this.box.value;
    this.box.hidden = true;
    if (this.el.inside()) this.el.removeClass("editing");
    this.canvas.container.focus({ preventScroll: true });
    if (cancelled) return;
    const board = this.sync.view;
    const kind = board.kindOf(id);
    const element = board.get(id);
    if (!element || (element.label ?? "") === value) return;
    this.edits.submit({ action: `update_${kind}`, id, set: { label: value } });
  }
}
