// On-screen latency of other people's edits, read by bench/editor.py: from the `applied` frame
// arriving to the first canvas draw that includes the change (`drawn`), and to the end of that
// frame, once the page is painted with it (`applied`).

const KEEP = 2000;

export function trackRemoteLatency(canvas, sync) {
  const metrics = { applied: [], drawn: [] };
  let undrawn = []; // arrival times of remote changes made on the canvas and not drawn yet
  const record = (list, ms) => {
    list.push(ms);
    if (list.length > KEEP) list.shift();
  };
  canvas.cy.on("render", () => {
    if (!undrawn.length) return;
    const arrivals = undrawn;
    undrawn = [];
    const drawn = performance.now();
    for (const arrived of arrivals) record(metrics.drawn, drawn - arrived);
    // A task posted during the frame runs once the frame is painted.
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const painted = performance.now();
      for (const arrived of arrivals) record(metrics.applied, painted - arrived);
    };
    channel.port2.postMessage(null);
  });
  sync.addEventListener("change", (event) => {
    const { arrived } = event.detail;
    if (arrived != null && undrawn.length < 1000) undrawn.push(arrived);
  });
  return metrics;
}
