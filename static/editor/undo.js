// This user's edits: each goes to the session (sync.js) as an op, and onto the undo stack with
// the op that takes it back, computed against the board as shown when it was made. Undo and
// redo submit those inverse ops, so they are live for everyone and in the history like any edit.

import { describeError } from "./labels.js";

const DEPTH = 200;

export class Edits extends EventTarget {
  constructor({ sync, readOnly, toast }) {
    super();
    this.sync = sync;
    this.readOnly = readOnly;
    this.toast = toast;
    this.undoStack = [];
    this.redoStack = [];
  }

  // Apply an op (on screen at once, then on the server); the op_id, or null when it does not fit.
  submit(op, { record = true } = {}) {
    if (this.readOnly) return null;
    let inverse;
    try {
      inverse = this.sync.view.inverse(op);
    } catch (error) {
      this.toast(describeError(error.message, this.sync.view), "error");
      return null;
    }
    const id = this.sync.submit(op);
    if (id && record) {
      this.undoStack.push({ op, inverse });
      if (this.undoStack.length > DEPTH) this.undoStack.shift();
      this.redoStack = [];
    }
    return id;
  }

  undo() {
    this.step(this.undoStack, this.redoStack, "Nothing to undo.", "Cannot undo: what that edit changed has since been changed or deleted by someone.");
  }

  redo() {
    this.step(this.redoStack, this.undoStack, "Nothing to redo.", "Cannot redo: the board has changed since.");
  }

  step(from, to, empty, stale) {
    const entry = from.pop();
    if (!entry) return this.toast(empty);
    let back;
    try {
      back = this.sync.view.inverse(entry.inverse);
    } catch {
      return this.toast(stale, "error");
    }
    if (!this.sync.submit(entry.inverse)) return;
    to.push({ op: entry.inverse, inverse: back });
    // The selection (and the panel that shows it) follows what the step brought back or changed.
    this.dispatchEvent(new CustomEvent("stepped", { detail: touchedIds(entry.inverse).filter((id) => this.sync.view.has(id)) }));
  }
}

// The elements an op adds or changes (not the ones it deletes).
function touchedIds(op) {
  if (op.action === "batch") return [...new Set(op.ops.flatMap(touchedIds))];
  const [verb, kind] = op.action.split("_");
  if (verb === "add") return [op[kind].id];
  if (verb === "update") return [op.id];
  return [];
}
