// Plain connections drawn as one path per stroke. Cytoscape 3.34's canvas renderer draws every
// element on each change (any edit dirties the whole layer) and each connection on its own: a
// bounding box to cull it, a dozen style lookups, a path and a stroke. Zoomed out on a large
// board the connections are plain lines (style.js: `edge.far`, a haystack without arrow or
// label), thousands of them, and that per-connection work was most of the frame an edit costs.
// Here a run of plain lines that Cytoscape would draw one after the other is stroked together,
// one path per colour, width and dash, at the run's place in Cytoscape's draw order (so groups
// and components still cover or sit under them as before). Which lines are plain is read from
// their computed style, not from class names: a selected, hovered, outlined or labelled
// connection is drawn by Cytoscape as usual. Picking, selection and events are Cytoscape's own.

// Install on a Cytoscape canvas renderer; false when the renderer lacks the hooks used here
// (another renderer, another Cytoscape), which then draws as it always did.
export function batchPlainLines(renderer) {
  if (typeof renderer?.drawCachedElements !== "function" || typeof renderer.drawCachedElement !== "function") return false;
  renderer.drawCachedElements = function (context, eles, pxRatio, extent) {
    let run = null;
    for (let i = 0; i < eles.length; i++) {
      const ele = eles[i];
      const line = plainLine(ele, extent);
      if (line === OFF_SCREEN) continue;
      if (line) {
        run ??= new Map();
        const stroke = run.get(line.key);
        if (stroke) stroke.points.push(line.points);
        else run.set(line.key, { ...line, points: [line.points] });
        continue;
      }
      if (run) {
        strokeRun(context, run);
        run = null;
      }
      this.drawCachedElement(context, ele, pxRatio, extent);
    }
    if (run) strokeRun(context, run);
  };
  return true;
}

const OFF_SCREEN = {};

// A connection drawn as a bare straight line: its stroke and its two end points, OFF_SCREEN when
// it is outside `extent`, or null when Cytoscape must draw it (anything more than a line).
function plainLine(ele, extent) {
  if (!ele.isEdge()) return null;
  const rs = ele._private.rscratch;
  const pts = rs.allpts;
  if (rs.badLine || !pts || pts.length !== 4 || (rs.edgeType !== "haystack" && rs.edgeType !== "straight")) return null;
  if (!ele.visible()) return OFF_SCREEN;
  const width = ele.pstyle("width").pfValue;
  if (extent) {
    const pad = width;
    if (Math.max(pts[0], pts[2]) + pad < extent.x1 || Math.min(pts[0], pts[2]) - pad > extent.x2) return OFF_SCREEN;
    if (Math.max(pts[1], pts[3]) + pad < extent.y1 || Math.min(pts[1], pts[3]) - pad > extent.y2) return OFF_SCREEN;
  }
  for (const [name, plain] of PLAIN) if (ele.pstyle(name).value !== plain) return null;
  if (ele.pstyle("label").strValue) return null;
  const style = ele.pstyle("line-style").value;
  if (style !== "solid" && style !== "dashed") return null;
  const alpha = ele.pstyle("opacity").value * ele.pstyle("line-opacity").value;
  if (alpha === 0) return OFF_SCREEN;
  const [r, g, b] = ele.pstyle("line-color").value;
  const colour = `rgba(${r},${g},${b},${alpha})`;
  const cap = ele.pstyle("line-cap").value;
  const dash = style === "dashed" ? ele.pstyle("line-dash-pattern").pfValue : EMPTY;
  const offset = style === "dashed" ? ele.pstyle("line-dash-offset").pfValue : 0;
  return { key: `${colour} ${width} ${cap} ${dash.join(",")} ${offset}`, colour, width, cap, dash, offset, points: pts };
}

const EMPTY = [];
// Style values under which a connection is no more than its line (Cytoscape's defaults).
const PLAIN = [
  ["line-fill", "solid"],
  ["line-outline-width", 0],
  ["underlay-opacity", 0],
  ["overlay-opacity", 0],
  ["ghost", "no"],
  ["source-arrow-shape", "none"],
  ["target-arrow-shape", "none"],
  ["mid-source-arrow-shape", "none"],
  ["mid-target-arrow-shape", "none"],
];

// As Cytoscape strokes a line (drawEdge: round joins; the dash restarts at each line's start,
// as it does per subpath), then the context as Cytoscape leaves it between elements.
function strokeRun(context, run) {
  context.lineJoin = "round";
  for (const { colour, width, cap, dash, offset, points } of run.values()) {
    context.beginPath();
    for (const p of points) {
      context.moveTo(p[0], p[1]);
      context.lineTo(p[2], p[3]);
    }
    context.strokeStyle = colour;
    context.lineWidth = width;
    context.lineCap = cap;
    context.setLineDash(dash);
    context.lineDashOffset = offset;
    context.stroke();
  }
  context.setLineDash(EMPTY);
  context.lineDashOffset = 0;
  context.lineCap = "butt";
}
