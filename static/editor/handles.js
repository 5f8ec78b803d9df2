// Connection handles: four dots around the component under the pointer (top, right, bottom,
// left, just outside its body) and the dashed line drawn while a connection is being dragged.
// They are DOM elements over the canvas, outside Cytoscape's container, so a press on a handle
// never reaches Cytoscape (it cannot start a move); the input state machine (input.js) decides
// what a press does.

const SIDES = ["top", "right", "bottom", "left"];
const OUTSIDE = 10; // px between the body and a handle's centre
const HIT = 11; // px: a press this close to a handle's centre is on it

export class Handles {
  constructor({ stage, canvas }) {
    this.canvas = canvas;
    this.node = null;
    this.dots = {};
    for (const side of SIDES) {
      const dot = document.createElement("div");
      dot.className = "edge-handle";
      dot.dataset.side = side;
      dot.title = "Drag to connect";
      dot.hidden = true;
      stage.append(dot);
      this.dots[side] = dot;
    }
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.classList.add("connect-preview");
    svg.setAttribute("aria-hidden", "true");
    this.line = document.createElementNS("http://www.w3.org/2000/svg", "line");
    svg.append(this.line);
    // An SVG element has no `hidden` property: the attribute is set directly.
    svg.setAttribute("hidden", "");
    stage.append(svg);
    this.preview = svg;
  }

  // Where each handle of `node` is, in container coordinates.
  points(node) {
    const b = this.canvas.screenBox(node);
    return {
      top: { x: b.x, y: b.y1 - OUTSIDE },
      right: { x: b.x2 + OUTSIDE, y: b.y },
      bottom: { x: b.x, y: b.y2 + OUTSIDE },
      left: { x: b.x1 - OUTSIDE, y: b.y },
    };
  }

  show(node) {
    this.node = node;
    this.place();
  }

  place() {
    if (!this.node || this.node.removed()) return this.hide();
    const points = this.points(this.node);
    for (const side of SIDES) {
      const dot = this.dots[side];
      dot.style.transform = `translate(${points[side].x - 7}px, ${points[side].y - 7}px)`;
      dot.hidden = false;
    }
  }

  hide() {
    this.node = null;
    for (const dot of Object.values(this.dots)) dot.hidden = true;
  }

  // The side of the shown handles under the point (client coordinates), or null.
  sideAt(clientX, clientY) {
    if (!this.node) return null;
    const rect = this.canvas.container.getBoundingClientRect();
    const x = clientX - rect.left;
    const y = clientY - rect.top;
    const points = this.points(this.node);
    for (const side of SIDES) {
      if ((x - points[side].x) ** 2 + (y - points[side].y) ** 2 <= HIT * HIT) return side;
    }
    return null;
  }

  // The handle of `node` nearest to a point: where a connection started on the body leaves from.
  nearestSide(node, clientX, clientY) {
    const rect = this.canvas.container.getBoundingClientRect();
    const points = this.points(node);
    let best = "right";
    let distance = Infinity;
    for (const side of SIDES) {
      const d = (clientX - rect.left - points[side].x) ** 2 + (clientY - rect.top - points[side].y) ** 2;
      if (d < distance) {
        best = side;
        distance = d;
      }
    }
    return best;
  }

  drawPreview(node, side, clientX, clientY) {
    const rect = this.canvas.container.getBoundingClientRect();
    const from = this.points(node)[side];
    this.line.setAttribute("x1", from.x);
    this.line.setAttribute("y1", from.y);
    this.line.setAttribute("x2", clientX - rect.left);
    this.line.setAttribute("y2", clientY - rect.top);
    this.preview.removeAttribute("hidden");
  }

  hidePreview() {
    this.preview.setAttribute("hidden", "");
  }
}
