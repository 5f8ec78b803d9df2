// The Cytoscape stylesheet of the canvas: components with their `diagrams` icons, notes as plain
// text, groups as dashed frames, connections coloured by protocol and routed as their
// `props.route` says, and the states the editor shows on elements (selected, hovered, peers'
// selections, review findings, the target of a connection being drawn).

export const NODE_SIZE = 60;
const FONT = '"Inter", "DejaVu Sans", system-ui, sans-serif';

// How each `props.route` is drawn. Without one a connection is a `bezier`: straight when it is
// alone between two components, fanned out when several connect the same pair.
export const ROUTES = {
  straight: { "curve-style": "straight" },
  curved: { "curve-style": "unbundled-bezier", "control-point-distances": [40], "control-point-weights": [0.5] },
  orthogonal: { "curve-style": "taxi", "taxi-direction": "auto", "taxi-turn": "50%", "taxi-turn-min-distance": 12 },
};

export function stylesheet(protocolColors) {
  const rules = [
    {
      selector: "node",
      style: {
        shape: "round-rectangle",
        width: NODE_SIZE,
        height: NODE_SIZE,
        "corner-radius": 12,
        "background-color": "#ffffff",
        "border-width": 1,
        "border-color": "#d5dae1",
        "background-image": "data(icon)",
        "background-width": "68%",
        "background-height": "68%",
        "background-clip": "none",
        "background-image-smoothing": "yes",
        label: "data(display)",
        "font-family": FONT,
        "font-size": 12,
        "font-weight": 500,
        color: "#1d2430",
        "text-valign": "bottom",
        "text-halign": "center",
        "text-margin-y": 7,
        "text-wrap": "wrap",
        "text-max-width": 130,
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.85,
        "text-background-padding": 2,
        "text-background-shape": "round-rectangle",
        // Small before hidden: at the zoom `fit` picks for a demo board the labels stay legible.
        "min-zoomed-font-size": 4,
      },
    },
    {
      selector: "node.replicated",
      style: { ghost: "yes", "ghost-offset-x": 5, "ghost-offset-y": -5, "ghost-opacity": 0.45 },
    },
    {
      // A note (category `annotation`): its label is the text, drawn in a box of its own size.
      selector: "node.note",
      style: {
        "background-image": [],
        "background-color": "#fffbe6",
        "border-color": "#f1dc8b",
        "border-width": 1,
        "corner-radius": 4,
        width: "data(w)",
        height: "data(h)",
        "text-valign": "center",
        "text-margin-y": 0,
        "text-max-width": "data(textWidth)",
        "text-background-opacity": 0,
        "text-justification": "left",
        "font-weight": 400,
        "font-size": 13,
        ghost: "no",
      },
    },
    {
      selector: "node:parent",
      style: {
        shape: "round-rectangle",
        "corner-radius": 14,
        // No image as an empty list, not "none": Cytoscape 3.34 flips a node's
        // :backgrounding state twice per draw when its one image is "none", and each flip
        // restyles the group and everything in it (about 100 restyles per frame here).
        "background-image": [],
        "background-color": "data(fill)",
        "background-opacity": 0.85,
        "border-width": 1.5,
        "border-style": "dashed",
        "border-color": "data(stroke)",
        padding: 28,
        label: "data(display)",
        "text-valign": "top",
        "text-halign": "center",
        "text-margin-y": 24,
        "font-size": 12,
        "font-weight": 600,
        color: "#344054",
        "text-background-opacity": 0,
        "text-transform": "uppercase",
        "min-zoomed-font-size": 4,
        ghost: "no",
      },
    },
    {
      selector: "node.empty-group",
      style: { width: 160, height: 100, "background-image": [], "background-color": "#f8fafc", "border-style": "dashed", "text-valign": "center", "text-margin-y": 0 },
    },
    {
      selector: "node:selected",
      style: {
        "border-color": "#3559e0",
        "border-width": 2.5,
        "underlay-color": "#3559e0",
        "underlay-opacity": 0.12,
        "underlay-padding": 5,
        "underlay-shape": "round-rectangle",
      },
    },
    { selector: "node:parent:selected", style: { "border-style": "solid", "border-width": 2 } },
    { selector: "node.hover", style: { "border-color": "#98a2b3" } },
    { selector: "node:selected.hover", style: { "border-color": "#3559e0" } },
    { selector: "node.connect-target", style: { "border-color": "#3559e0", "border-width": 3 } },
    {
      selector: "node[?peer]",
      style: { "outline-width": 2.5, "outline-color": "data(peer)", "outline-offset": 4, "outline-opacity": 0.9 },
    },
    { selector: "node.sev-error", style: { "border-color": "#d92d20", "border-width": 1.8 } },
    { selector: "node.sev-warning", style: { "border-color": "#f79009", "border-width": 1.8 } },
    {
      selector: "edge",
      style: {
        width: 1.8,
        "curve-style": "bezier",
        "control-point-step-size": 36,
        "line-color": "data(color)",
        "target-arrow-color": "data(color)",
        "target-arrow-shape": "triangle",
        "arrow-scale": 1.05,
        label: "data(display)",
        "font-family": FONT,
        "font-size": 10.5,
        color: "#475467",
        "text-background-color": "#f8f9fb",
        "text-background-opacity": 0.95,
        "text-background-padding": 2,
        "text-background-shape": "round-rectangle",
        "text-wrap": "wrap",
        "text-max-width": 120,
        "min-zoomed-font-size": 4,
        "source-distance-from-node": 2,
        "target-distance-from-node": 2,
      },
    },
  ];
  for (const [route, style] of Object.entries(ROUTES)) rules.push({ selector: `edge[route = "${route}"]`, style });
  rules.push(
    // Zoomed far out, labels and arrows are unreadable: draw edges as plain lines (several
    // times cheaper per frame on a large board).
    { selector: "edge.far", style: { "curve-style": "haystack", "haystack-radius": 0, "target-arrow-shape": "none", label: "" } },
    // Far out an icon is a few pixels wide: plain boxes draw several times faster.
    { selector: "node.far", style: { label: "", ghost: "no", "background-image": [] } },
    { selector: "edge.async", style: { "line-style": "dashed", "line-dash-pattern": [7, 5] } },
    { selector: "edge:selected", style: { width: 3, "underlay-color": "#3559e0", "underlay-opacity": 0.18, "underlay-padding": 4 } },
    { selector: "edge.hover", style: { width: 2.6 } },
    { selector: "edge[?peer]", style: { "underlay-color": "data(peer)", "underlay-opacity": 0.35, "underlay-padding": 5 } },
    { selector: "edge.sev-error", style: { "line-outline-width": 0, "text-background-color": "#fef3f2", color: "#b42318" } },
    { selector: "edge.sev-warning", style: { "text-background-color": "#fffaeb", color: "#b54708" } },
    { selector: "node.flash", style: { "underlay-color": "#f79009", "underlay-opacity": 0.35, "underlay-padding": 10 } },
    { selector: "edge.flash", style: { "underlay-color": "#f79009", "underlay-opacity": 0.45, "underlay-padding": 7 } },
    { selector: ".editing", style: { "text-opacity": 0 } },
    // Zoomed out (canvas.js: LABEL_SCALES): larger type on the board, legible on screen.
    { selector: "node.zoom-s", style: { "font-size": 17, "text-max-width": 170 } },
    { selector: "node.zoom-xs", style: { "font-size": 22, "text-max-width": 200 } },
    { selector: "node:parent.zoom-s", style: { "font-size": 16 } },
    { selector: "node:parent.zoom-xs", style: { "font-size": 20 } },
    { selector: "edge.zoom-s", style: { "font-size": 14, "text-max-width": 150 } },
    { selector: "edge.zoom-xs", style: { "font-size": 20, "text-max-width": 180 } },
  );
  for (const [protocol, color] of Object.entries(protocolColors)) {
    rules.push({ selector: `edge[protocol = "${protocol}"]`, style: { "line-color": color, "target-arrow-color": color } });
  }
  return rules;
}
