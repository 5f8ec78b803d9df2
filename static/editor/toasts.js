// Short messages over the canvas. Text only (textContent): a message may quote user labels.

const SHOWN = 4;

export function makeToaster(box) {
  return function toast(text, kind = "info", ms = 4500) {
    const item = document.createElement("div");
    item.className = `toast ${kind}`;
    item.setAttribute("role", kind === "error" ? "alert" : "status");
    item.textContent = text;
    box.append(item);
    while (box.children.length > SHOWN) box.firstElementChild.remove();
    // The fade-out is a visual effect only: nothing waits for it.
    setTimeout(() => item.classList.add("leaving"), ms);
    setTimeout(() => item.remove(), ms + 300);
  };
}
