// Keys on the page: Space held pans, a letter or digit typed with one element selected starts
// editing its label (as in draw.io; so no command's shortcut is a letter with only Shift), anything
// else goes to the command table.

const TYPED = /^[\p{L}\p{N}]$/u;

function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}

export function bindKeyboard({ commands, machine, canvas, help, editable }) {
  document.addEventListener("keydown", (event) => {
    if (help.open || typing(event.target)) return;
    if (event.key === " ") {
      event.preventDefault();
      if (!event.repeat) machine.setSpace(true);
      return;
    }
    const selected = canvas.selectedIds();
    if (editable() && selected.length === 1 && TYPED.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      machine.editText(selected[0], event.key);
      return;
    }
    commands.keydown(event);
  });
  document.addEventListener("keyup", (event) => {
    if (event.key === " ") machine.setSpace(false);
  });
  // Ctrl+C / X / V: the browser's clipboard events (let through by `commands.keydown`).
  const clipboardEvent = (id) => (event) => {
    if (typing(event.target) || !commands.enabled(id)) return;
    commands.app.clipboardEvent(id, event);
  };
  document.addEventListener("copy", clipboardEvent("copy"));
  document.addEventListener("cut", clipboardEvent("cut"));
  document.addEventListener("paste", clipboardEvent("paste"));
}
