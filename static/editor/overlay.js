// HTML overlays pinned to canvas elements (review badges, comment markers): one placement loop,
// so both follow pan, zoom and moves the same way and reuse their DOM elements.

// A function that runs `fn` once on the next animation frame however often it is called.
export function onNextFrame(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}

// Place one overlay element per entry of `entries` (a Map of key -> entry) on `layer`.
// `anchor(key, entry)` gives the rendered {x, y} or null; `create(key, entry)` makes the element
// (the key is kept in `data-<keyAttr>`); `update(el, entry, x, y)` refreshes it. Entries off
// screen by more than `margin` are skipped, elements of vanished entries removed; below 30 %
// zoom the layer is hidden (too small to read).
export function renderOverlay(cy, layer, entries, { keyAttr, anchor, create, update, margin = 20 }) {
  const hide = cy.zoom() < 0.3;
  if (layer.hidden !== hide) layer.hidden = hide;
  if (hide) return;
  const width = cy.width();
  const height = cy.height();
  const existing = new Map([...layer.children].map((el) => [el.dataset[keyAttr], el]));
  for (const [key, entry] of entries) {
    const point = anchor(key, entry);
    if (!point) continue;
    const { x, y } = point;
    if (x < -margin || y < -margin || x > width + margin || y > height + margin) continue;
    let el = existing.get(key);
    existing.delete(key);
    if (!el) {
      el = create(key, entry);
      el.dataset[keyAttr] = key;
      layer.append(el);
    }
    update(el, entry, x, y);
  }
  for (const el of existing.values()) el.remove();
}
