// The editor's commands, defined once: id, label, section, shortcuts, when enabled and what they
// do. The keyboard handling, the toolbar buttons' titles and the `?` help sheet are all made
// from this table (the README's shortcut table is checked against it by a test).
//
// Shortcuts are written "Mod+Shift+Z" (Mod is Ctrl, or ⌘ on a Mac). A command marked `native`
// is performed by the browser's own event for that key (copy, cut, paste fill or read the
// system clipboard), so its keys are let through to the browser.

import * as edits from "./edits.js";

const MAC = /Mac|iPhone|iPad/.test(navigator.platform);

export function commandTable(app) {
  const editable = () => !app.readOnly();
  const selection = () => app.canvas.selectedIds().length > 0;
  const only = (type) => () => edits.selectedElements(app)[type].length > 0;
  const nudge = (dx, dy) => (event) => {
    const step = event?.shiftKey ? 100 : 20;
    edits.nudge(app, dx * step, dy * step);
  };
  return [
    // Tools
    { id: "tool-select", section: "Tools", label: "Select tool", keys: ["V"], perform: () => app.setTool("select") },
    { id: "tool-pan", section: "Tools", label: "Pan tool (or hold Space)", keys: ["H"], perform: () => app.setTool("pan") },
    { id: "tool-connect", section: "Tools", label: "Connect tool: drag from one component to another", keys: ["C"], enabled: editable, perform: () => app.setTool(app.machine.tool === "connect" ? "select" : "connect") },
    { id: "add-note", section: "Tools", label: "Add a note", keys: ["N"], enabled: () => editable() && edits.noteKind(app) !== null, perform: () => edits.addNote(app) },
    // Canvas
    { id: "zoom-in", section: "Canvas", label: "Zoom in", keys: ["+", "="], perform: () => app.canvas.zoomBy(1.25) },
    { id: "zoom-out", section: "Canvas", label: "Zoom out", keys: ["-"], perform: () => app.canvas.zoomBy(0.8) },
    { id: "zoom-reset", section: "Canvas", label: "Zoom to 100%", keys: ["0"], perform: () => app.canvas.zoomAt(1) },
    { id: "fit", section: "Canvas", label: "Zoom to fit", keys: ["Shift+1"], perform: () => app.canvas.fit() },
    { id: "find", section: "Canvas", label: "Find by label, technology or id", keys: ["Mod+F"], perform: () => app.find.open() },
    { id: "palette-search", section: "Canvas", label: "Search components", keys: ["/"], enabled: editable, perform: () => app.palette.focusSearch() },
    { id: "help", section: "Canvas", label: "Keyboard shortcuts", keys: ["?"], perform: () => app.help.showModal() },
    { id: "toggle-palette", section: "Canvas", label: "Show or hide the components panel", keys: ["["], enabled: editable, perform: () => app.togglePanel("palette") },
    { id: "toggle-inspector", section: "Canvas", label: "Show or hide the side panel", keys: ["]"], perform: () => app.togglePanel("inspector") },
    // Selection
    { id: "select-all", section: "Selection", label: "Select all", keys: ["Mod+A"], perform: () => app.canvas.cy.elements().select() },
    { id: "cancel", section: "Selection", label: "Cancel the gesture, or clear the selection", keys: ["Escape"], perform: () => app.machine.cancel() || app.canvas.cy.$(":selected").unselect() },
    { id: "nudge-left", section: "Selection", label: "Nudge left (Shift: further)", keys: ["ArrowLeft", "Shift+ArrowLeft"], enabled: () => editable() && selection(), perform: nudge(-1, 0) },
    { id: "nudge-right", section: "Selection", label: "Nudge right (Shift: further)", keys: ["ArrowRight", "Shift+ArrowRight"], enabled: () => editable() && selection(), perform: nudge(1, 0) },
    { id: "nudge-up", section: "Selection", label: "Nudge up (Shift: further)", keys: ["ArrowUp", "Shift+ArrowUp"], enabled: () => editable() && selection(), perform: nudge(0, -1) },
    { id: "nudge-down", section: "Selection", label: "Nudge down (Shift: further)", keys: ["ArrowDown", "Shift+ArrowDown"], enabled: () => editable() && selection(), perform: nudge(0, 1) },
    // Editing
    { id: "undo", section: "Editing", label: "Undo your last edit", keys: ["Mod+Z"], enabled: editable, perform: () => app.edits.undo() },
    { id: "redo", section: "Editing", label: "Redo", keys: ["Mod+Shift+Z", "Mod+Y"], enabled: editable, perform: () => app.edits.redo() },
    { id: "rename", section: "Editing", label: "Edit the label in place (or double-click, or just type)", keys: ["F2", "Enter"], enabled: () => editable() && app.canvas.selectedIds().length === 1, perform: () => app.machine.editText(app.canvas.selectedIds()[0]) },
    { id: "copy", section: "Editing", label: "Copy (to the system clipboard)", keys: ["Mod+C"], native: true, enabled: selection, perform: () => app.clipboard.copy() },
    { id: "cut", section: "Editing", label: "Cut", keys: ["Mod+X"], native: true, enabled: () => editable() && selection(), perform: async () => { await app.clipboard.copy(); edits.deleteSelection(app); } },
    { id: "paste", section: "Editing", label: "Paste (components or a board document)", keys: ["Mod+V"], native: true, enabled: editable, perform: () => app.clipboard.pasteFromClipboard() },
    { id: "duplicate", section: "Editing", label: "Duplicate", keys: ["Mod+D"], enabled: () => editable() && selection(), perform: () => app.clipboard.duplicate() },
    { id: "delete", section: "Editing", label: "Delete", keys: ["Delete", "Backspace"], enabled: () => editable() && selection(), perform: () => edits.deleteSelection(app) },
    { id: "group", section: "Editing", label: "Group the selection", keys: ["Mod+G"], enabled: editable, perform: () => edits.groupSelection(app) },
    { id: "ungroup", section: "Editing", label: "Ungroup", keys: ["Mod+Shift+G"], enabled: () => editable() && only("groups")(), perform: () => edits.ungroup(app) },
    { id: "layout", section: "Editing", label: "Auto-layout", keys: ["Alt+L"], enabled: editable, perform: () => edits.autoLayout(app) },
    // Connections
    { id: "connect", section: "Connections", label: "Connect the two selected components", keys: ["E"], enabled: editable, perform: () => edits.connectSelected(app) },
    { id: "reverse", section: "Connections", label: "Reverse the selected connections", keys: ["Alt+R"], enabled: () => editable() && only("edges")(), perform: () => edits.reverseEdges(app) },
    ...app.config.look.routes.map((route) => ({
      id: `route-${route}`,
      section: "Connections",
      label: `${route[0].toUpperCase()}${route.slice(1)} connections (selected and new)`,
      keys: [],
      enabled: editable,
      perform: () => edits.setRoute(app, route),
    })),
  ];
}

export class Commands {
  constructor(app) {
    this.app = app;
    this.list = commandTable(app);
    this.byId = new Map(this.list.map((c) => [c.id, { ...c, shortcuts: c.keys.map(parseKey) }]));
  }

  enabled(id) {
    const command = this.byId.get(id);
    return Boolean(command) && (!command.enabled || command.enabled());
  }

  run(id, event = null) {
    if (!this.enabled(id)) return false;
    this.byId.get(id).perform(event);
    return true;
  }

  // The command a key press asks for (enabled or not), or null.
  match(event) {
    for (const command of this.byId.values()) if (command.shortcuts.some((s) => matches(event, s))) return command;
    return null;
  }

  // Keyboard: run the command whose shortcut this is. True when the key was taken.
  keydown(event) {
    const command = this.match(event);
    if (!command) return false;
    if (command.native) return false; // the browser's copy / cut / paste event follows
    event.preventDefault();
    this.run(command.id, event);
    return true;
  }

  // Each toolbar button names its command: its title and label come from the table.
  bindButtons(root) {
    for (const button of root.querySelectorAll("[data-command]")) {
      const command = this.byId.get(button.dataset.command);
      if (!command) continue;
      const keys = command.keys.length ? ` (${shortcutText(command.keys[0])})` : "";
      button.title = `${command.label}${keys}`;
      button.setAttribute("aria-label", command.label);
      button.addEventListener("click", () => this.run(command.id));
    }
  }

  refreshButtons(root) {
    for (const button of root.querySelectorAll("[data-command]")) button.disabled = !this.enabled(button.dataset.command);
  }

  // The help sheet: one list per section, from the table.
  renderHelp(container, gestures) {
    const sections = new Map();
    for (const command of this.list) {
      if (!command.keys.length) continue;
      if (!sections.has(command.section)) sections.set(command.section, []);
      sections.get(command.section).push({ keys: command.keys.map(shortcutText), label: command.label, editOnly: command.enabled !== undefined });
    }
    for (const gesture of gestures) {
      if (!sections.has(gesture.section)) sections.set(gesture.section, []);
      sections.get(gesture.section).push({ keys: [gesture.keys], label: gesture.label });
    }
    container.replaceChildren();
    for (const [name, rows] of sections) {
      const section = document.createElement("section");
      const title = document.createElement("h3");
      title.textContent = name;
      const list = document.createElement("dl");
      for (const row of rows) {
        const dt = document.createElement("dt");
        row.keys.forEach((text, i) => {
          if (i) dt.append(" / ");
          const kbd = document.createElement("kbd");
          kbd.textContent = text;
          dt.append(kbd);
        });
        const dd = document.createElement("dd");
        dd.textContent = row.label;
        list.append(dt, dd);
      }
      section.append(title, list);
      container.append(section);
    }
  }

  // The table as data (tests, the README check).
  describe() {
    return this.list.map((c) => ({ id: c.id, section: c.section, label: c.label, keys: c.keys.map(shortcutText) }));
  }
}

// Gestures that are not commands, for the help sheet.
export const GESTURES = [
  { section: "Canvas", keys: "Wheel", label: "Scroll the canvas" },
  { section: "Canvas", keys: "Ctrl + wheel", label: "Zoom at the pointer" },
  { section: "Canvas", keys: "Middle drag", label: "Pan" },
  { section: "Canvas", keys: "Touch", label: "One finger pans, two fingers pinch to zoom" },
  { section: "Selection", keys: "Drag on empty canvas", label: "Box select" },
  { section: "Selection", keys: "Shift + click", label: "Add to the selection" },
  { section: "Connections", keys: "Drag a handle", label: "Connect: drag from one of the four dots to another component" },
  { section: "Editing", keys: "Double-click", label: "Edit a label in place (on empty canvas: a new note)" },
];

function parseKey(text) {
  const parts = text === "+" ? ["+"] : text.split("+");
  const key = parts.pop();
  const mods = new Set(parts);
  const spec = { mod: mods.has("Mod"), shift: mods.has("Shift"), alt: mods.has("Alt"), key: key.length === 1 ? key.toLowerCase() : key };
  // Shift+1 is "!" on one keyboard and something else on the next: match the key's position.
  if (/^[0-9]$/.test(key) && spec.shift) spec.code = `Digit${key}`;
  return spec;
}

function matches(event, spec) {
  if ((event.ctrlKey || event.metaKey) !== spec.mod || event.altKey !== spec.alt) return false;
  if (spec.code) return event.code === spec.code && event.shiftKey === spec.shift;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (key !== spec.key) return false;
  // A symbol typed with Shift ("+", "?") names the symbol, not the Shift.
  if (key.length === 1 && !/[a-z0-9]/.test(key)) return true;
  return event.shiftKey === spec.shift;
}

export function shortcutText(text) {
  if (text === "+") return "+";
  return text
    .split("+")
    .map((part) => (part === "Mod" ? (MAC ? "⌘" : "Ctrl") : part === "Escape" ? "Esc" : part === "Delete" ? "Del" : part.replace(/^Arrow/, "")))
    .join("+");
}
