// Which elements of a large board the canvas draws in detail (labels, icons, arrows): the ones in
// the view or near it. Plain geometry on board coordinates, no Cytoscape, so it is tested alone
// (tests/js/detail.test.mjs); canvas.js applies it.

// How far from the view an element is, in zones: IN_VIEW (drawn now: must be in detail in the
// frame that shows it), MARGIN (about one screen around the view: given detail ahead of a pan,
// a few per frame), KEEP (one more screen: keeps the detail it has, so an element at the edge of
// the margin does not flip back and forth as the view moves a little) and BEYOND.
export const IN_VIEW = 0;
export const MARGIN = 1;
export const KEEP = 2;
export const BEYOND = 3;

// The view's rectangle grown by `screens` times its own width and height on each side.
export function grow(rect, screens) {
  const dx = (rect.x2 - rect.x1) * screens;
  const dy = (rect.y2 - rect.y1) * screens;
  return { x1: rect.x1 - dx, y1: rect.y1 - dy, x2: rect.x2 + dx, y2: rect.y2 + dy };
}

// The rectangles of the zones around `view` (its extent in board coordinates); a label hanging
// over the edge of the view counts as in it (`pad` screens).
export function zonesAround(view, { pad = 0.1, margin = 1, keep = 2 } = {}) {
  return [grow(view, pad), grow(view, margin), grow(view, keep)];
}

export function pointIn(p, r) {
  return p.x >= r.x1 && p.x <= r.x2 && p.y >= r.y1 && p.y <= r.y2;
}

// Whether the segment a-b crosses the rectangle (Liang-Barsky clipping): a connection between
// two components outside the view can still pass through it.
export function segmentIn(a, b, r) {
  if (pointIn(a, r) || pointIn(b, r)) return true;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  let t0 = 0;
  let t1 = 1;
  for (const [p, q] of [
    [-dx, a.x - r.x1],
    [dx, r.x2 - a.x],
    [-dy, a.y - r.y1],
    [dy, r.y2 - a.y],
  ]) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

export function zoneOfPoint(p, zones) {
  for (let i = 0; i < zones.length; i++) if (pointIn(p, zones[i])) return i;
  return BEYOND;
}

export function zoneOfSegment(a, b, zones) {
  for (let i = 0; i < zones.length; i++) if (segmentIn(a, b, zones[i])) return i;
  return BEYOND;
}

// The detail an element is to have: "far", or `near` (the near classes at this zoom). Zoomed far
// out everything is far; closer in, what is in view or within the margin is near, what is within
// the keep distance stays as it is (with the near classes of this zoom if near), the rest is far.
export function wantedDetail(zone, current, { far, near }) {
  if (far) return "far";
  if (zone <= MARGIN) return near;
  if (zone === KEEP && current !== "far") return near;
  return "far";
}
