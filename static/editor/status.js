// The connection chip in the top bar ("Live", "Reconnecting…", "Offline · 2 edits waiting") and
// the banner over the canvas while the connection is down.

const LABELS = {
  connecting: "Connecting…",
  online: "Live",
  reconnecting: "Reconnecting…",
  forbidden: "No access",
};

export function showStatus(el, { state, text }, pending) {
  el.className = `conn conn-${state}`;
  const label = state === "offline" ? (pending ? `Offline · ${pending} edit${pending === 1 ? "" : "s"} waiting` : "Offline · reconnecting") : LABELS[state];
  el.querySelector(".conn-text").textContent = label;
  el.title = text || label;
  document.body.classList.toggle("is-offline", state === "offline" || state === "reconnecting");
}
