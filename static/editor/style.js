// The Cytoscape stylesheet of the canvas. Colours, sizes, line styles, badges and label rules come
// from the server's look table (whiteboard/domain/look.py, served in the editor's config), which
// the drawn export reads too, so the exported picture is what the canvas shows. The states the
// editor shows on elements (selected, hovered, peers' selections, review findings, the target of
// a connection being drawn, labels drawn larger when zoomed out) are the canvas's own.

import { ZOOMED_LABELS } from "./declutter.js";

export function stylesheet(look) {
  const font = look.font;
  const { node, group, edge, note } = look;
  const rules = [
    {
      selector: "node",
      style: {
        shape: "round-rectangle",
        width: node.size,
        height: node.size,
        "corner-radius": node.corner,
        "background-color": node.fill,
        "border-width": node.stroke_width,
        "border-color": node.stroke,
        // An empty list, not the default "none" (see node:parent below).
        "background-image": [],
      },
    },
    // Icons and labels only on elements drawn in detail (`near`, the opposite of `far`): far out
    // they are not drawn, and each property a rule sets costs a restyle step per element on
    // opening a large board (Cytoscape 3.34 dirties the caches of the element's compound family
    // per property), so the far-away elements are given as few as possible.
    {
      selector: "node.near",
      style: {
        "background-image": "data(icon)",
        "background-width": `${node.icon * 100}%`,
        "background-height": `${node.icon * 100}%`,
        "background-clip": "none",
        "background-image-smoothing": "yes",
        label: "data(display)",
        "font-family": font,
        "font-size": node.label.size,
        "font-weight": node.label.weight,
        color: node.label.color,
        "text-valign": "bottom",
        "text-halign": "center",
        "text-margin-y": node.label.gap,
        "text-wrap": "wrap",
        "text-max-width": node.label.wrap,
        "text-background-color": node.label.background,
        "text-background-opacity": node.label.background_opacity,
        "text-background-padding": node.label.padding,
        "text-background-shape": "round-rectangle",
        // Small before hidden: zoomed out, labels are drawn smaller, not dropped.
        "min-zoomed-font-size": 4,
      },
    },
    {
      selector: "node.replicated.near",
      style: { ghost: "yes", "ghost-offset-x": node.ghost.dx, "ghost-offset-y": node.ghost.dy, "ghost-opacity": node.ghost.opacity },
    },
    {
      selector: "node:parent",
      style: {
        shape: "round-rectangle",
        "corner-radius": group.corner,
        // No image as an empty list, not "none": Cytoscape 3.34 flips a node's
        // :backgrounding state twice per draw when its one image is "none", and each flip
        // restyles the group and everything in it (about 100 restyles per frame here).
        "background-image": [],
        "background-color": "data(fill)",
        "background-opacity": group.opacity,
        "border-width": group.stroke_width,
        "border-style": "dashed",
        "border-dash-pattern": group.dash,
        "border-color": "data(stroke)",
        padding: group.padding,
        label: "data(display)",
        "text-valign": "top",
        "text-halign": "center",
        "text-margin-y": group.label.gap,
        "font-size": group.label.size,
        "font-weight": group.label.weight,
        color: group.label.color,
        "text-background-opacity": 0,
        "text-transform": "uppercase",
        "min-zoomed-font-size": 4,
        ghost: "no",
      },
    },
    {
      selector: "node.empty-group",
      style: { width: group.empty.width, height: group.empty.height, "background-image": [], "background-color": group.empty.fill, "border-style": "dashed", "text-valign": "center", "text-margin-y": 0 },
    },
    // The Load tab's heat overlay (load.js): before the selection's rules, so a selected node
    // still shows as selected.
    { selector: "node.load-heat", style: { "underlay-color": "data(heat)", "underlay-opacity": 0.4, "underlay-padding": 9, "underlay-shape": "round-rectangle" } },
    { selector: "node.load-over", style: { "border-color": "#d92d20", "border-width": 3.5, "border-style": "double" } },
    { selector: "node.load-bottleneck", style: { "outline-width": 3, "outline-color": "#d92d20", "outline-offset": 5, "outline-opacity": 0.85 } },
    {
      selector: "node:selected",
      style: { "border-color": "#3559e0", "border-width": 2.5, "underlay-color": "#3559e0", "underlay-opacity": 0.12, "underlay-padding": 5, "underlay-shape": "round-rectangle" },
    },
    { selector: "node:parent:selected", style: { "border-style": "solid", "border-width": 2 } },
    { selector: "node.hover", style: { "border-color": "#98a2b3" } },
    { selector: "node:selected.hover", style: { "border-color": "#3559e0" } },
    // A note is free text: no box, no icon; a dashed outline only when hovered or selected.
    {
      selector: "node.note",
      style: {
        width: "data(w)",
        height: "data(h)",
        "background-opacity": 0,
        "background-image": [],
        "border-width": 0,
        "text-valign": "center",
        "text-margin-y": 0,
        "text-max-width": "data(w)",
        "font-size": note.size,
        "font-weight": note.weight,
        color: note.color,
        "text-background-opacity": 0,
        ghost: "no",
      },
    },
    { selector: "node.note.hover, node.note:selected", style: { "border-width": 1.5, "border-style": "dashed" } },
    { selector: "node.connect-target", style: { "border-color": "#3559e0", "border-width": 3 } },
    { selector: "node[?peer]", style: { "outline-width": 2.5, "outline-color": "data(peer)", "outline-offset": 4, "outline-opacity": 0.9 } },
    { selector: "node.sev-error", style: { "border-color": "#d92d20", "border-width": 1.8 } },
    { selector: "node.sev-warning", style: { "border-color": "#f79009", "border-width": 1.8 } },
    {
      selector: "edge",
      style: {
        width: edge.width,
        "curve-style": "bezier",
        "control-point-step-size": edge.bundle_step,
        // One colour for every edge, as a value: a data() mapping is parsed again per edge.
        "line-color": edge.color,
        "source-distance-from-node": edge.distance,
        "target-distance-from-node": edge.distance,
      },
    },
    {
      selector: "edge.near",
      style: {
        "target-arrow-color": edge.color,
        "target-arrow-shape": "triangle",
        "arrow-scale": edge.arrow_scale,
        label: "data(display)",
        "font-family": font,
        "font-size": edge.label.size,
        color: edge.label.color,
        "text-background-color": edge.label.background,
        "text-background-opacity": edge.label.background_opacity,
        "text-background-padding": edge.label.padding,
        "text-background-shape": "round-rectangle",
        "text-wrap": "wrap",
        "text-max-width": edge.label.wrap,
        "min-zoomed-font-size": 4,
      },
    },
    // props.route: a curved edge bends by data(bend); an orthogonal one turns half way.
    { selector: "edge.route-curved", style: { "curve-style": "unbundled-bezier", "control-point-distances": "data(bend)", "control-point-weights": 0.5 } },
    { selector: "edge.route-orthogonal", style: { "curve-style": "taxi", "taxi-direction": "auto", "taxi-turn": "50%", "taxi-turn-min-distance": 10 } },
    // Zoomed far out, labels and arrows are unreadable: draw edges as plain lines (several
    // times cheaper per frame on a large board), and components as plain boxes.
    // (Arrows, labels, icons and replica ghosts are set on near elements only; the label here is
    // for a group opened far out, which node:parent would otherwise give one.)
    { selector: "edge.far", style: { "curve-style": "haystack", "haystack-radius": 0 } },
    { selector: "node.far", style: { label: "" } },
    { selector: "edge.async", style: { "line-style": "dashed", "line-dash-pattern": edge.async_dash } },
    { selector: "edge:selected", style: { width: 3, "underlay-color": "#3559e0", "underlay-opacity": 0.18, "underlay-padding": 4 } },
    { selector: "edge.hover", style: { width: 2.6 } },
    { selector: "edge[?peer]", style: { "underlay-color": "data(peer)", "underlay-opacity": 0.35, "underlay-padding": 5 } },
    { selector: "edge.sev-error", style: { "line-outline-width": 0, "text-background-color": "#fef3f2", color: "#b42318" } },
    { selector: "edge.sev-warning", style: { "text-background-color": "#fffaeb", color: "#b54708" } },
    { selector: "node.flash", style: { "underlay-color": "#f79009", "underlay-opacity": 0.35, "underlay-padding": 10 } },
    { selector: "edge.flash", style: { "underlay-color": "#f79009", "underlay-opacity": 0.45, "underlay-padding": 7 } },
    { selector: ".editing", style: { "text-opacity": 0 } },
  ];
  // Zoomed out (canvas.js: LABEL_SCALES): larger type on the board, legible on screen.
  for (const [scale, f] of Object.entries(ZOOMED_LABELS)) {
    rules.push({ selector: `node.${scale}`, style: { "font-size": node.label.size * f.node, "text-max-width": node.label.wrap * f.nodeWrap } });
    rules.push({ selector: `node:parent.${scale}`, style: { "font-size": group.label.size * f.group } });
    rules.push({ selector: `edge.${scale}`, style: { "font-size": edge.label.size * f.edge, "text-max-width": edge.label.wrap * f.edgeWrap } });
  }
  // A connection label that would collide zoomed out is left out (declutter.js), until hovered or selected.
  rules.push({ selector: "edge.tucked", style: { label: "" } });
  rules.push({ selector: "edge.tucked.hover, edge.tucked:selected", style: { label: "data(display)" } });
  for (const [protocol, { color }] of Object.entries(look.protocols)) {
    rules.push({ selector: `edge[protocol = "${protocol}"]`, style: { "line-color": color } });
    rules.push({ selector: `edge.near[protocol = "${protocol}"]`, style: { "target-arrow-color": color } });
  }
  // An arrow to or from a note annotates; it is not a call (after the protocols: it wins).
  const a = look.annotation;
  rules.push({ selector: "edge.annotation", style: { "line-style": "dashed", "line-dash-pattern": a.dash, "line-color": a.color, "target-arrow-color": a.color, width: a.width, label: "" } });
  return rules;
}
