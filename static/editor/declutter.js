// Zoomed out, the canvas draws labels larger so they stay legible on screen (canvas.js:
// LABEL_SCALES, the sizes in ZOOMED_LABELS below). On a crowded board larger connection labels run
// into each other and into components, and a heap of labels over labels reads as nothing. As a
// map does, the canvas then leaves out the connection labels that would collide: components and
// their labels always stay, connection labels are kept smallest first (the most of them fit), and
// a label left out comes back when its connection is hovered or selected, or at a closer zoom.
// Pure geometry, no Cytoscape: canvas.js measures and applies.

// How much larger each zoomed-out class draws labels, and how much wider it wraps them
// (style.js builds its rules from this table, so what is measured is what is drawn).
export const ZOOMED_LABELS = {
  "zoom-s": { node: 1.4, nodeWrap: 1.3, group: 1.35, edge: 1.35, edgeWrap: 1.25 },
  "zoom-xs": { node: 1.85, nodeWrap: 1.55, group: 1.7, edge: 1.9, edgeWrap: 1.5 },
};

// DejaVu Sans averages a little over half an em per character in labels like these.
const CHAR_EM = 0.58;
const LINE = 1.2;

// The box of `text` wrapped at `wrap` px in a font of `size` px, centred on x with its top at y
// (or centred on y when `top` is false).
export function textBox(text, size, wrap, x, y, { top = false, pad = 0 } = {}) {
  let lines = 0;
  let widest = 0;
  for (const paragraph of String(text).split("\n")) {
    const width = paragraph.length * size * CHAR_EM;
    lines += Math.max(1, Math.ceil(width / wrap));
    widest = Math.max(widest, Math.min(width, wrap));
  }
  const w = widest / 2 + pad;
  const h = lines * size * LINE + 2 * pad;
  const y1 = top ? y - pad : y - h / 2;
  return { x1: x - w, x2: x + w, y1, y2: y1 + h };
}

const overlap = (a, b) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

// Boxes filed by the grid cells of `cell` px they touch, to ask whether any lies under another
// box (canvas.js places connection labels clear of components with one too).
export class BoxGrid {
  constructor(cell = 200) {
    this.cell = cell;
    this.cells = new Map();
  }

  *keys(box) {
    const c = this.cell;
    for (let cx = Math.floor(box.x1 / c); cx <= Math.floor(box.x2 / c); cx++) {
      for (let cy = Math.floor(box.y1 / c); cy <= Math.floor(box.y2 / c); cy++) yield `${cx},${cy}`;
    }
  }

  add(box) {
    for (const key of this.keys(box)) {
      if (!this.cells.has(key)) this.cells.set(key, []);
      this.cells.get(key).push(box);
    }
  }

  hits(box) {
    for (const key of this.keys(box)) {
      const seen = this.cells.get(key);
      if (seen && seen.some((other) => overlap(box, other))) return true;
    }
    return false;
  }
}

// The ids of the labels to leave out: `labels` are {id, box}, `fixed` the boxes that always stay
// (components and their labels). Greedy, smallest label first, ties by id (the same board gives
// the same answer in every browser).
export function tuckedLabels(labels, fixed, cell = 200) {
  const grid = new BoxGrid(cell);
  fixed.forEach((box) => grid.add(box));
  const area = ({ box }) => (box.x2 - box.x1) * (box.y2 - box.y1);
  const order = [...labels].sort((a, b) => area(a) - area(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const tucked = new Set();
  for (const label of order) {
    if (grid.hits(label.box)) tucked.add(label.id);
    else grid.add(label.box);
  }
  return tucked;
}
