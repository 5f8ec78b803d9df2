// The canvas: Cytoscape.js draws the board (nodes with the `diagrams` icons, groups as compound
// nodes, edges styled by protocol) and turns direct manipulation into ops. It never changes the
// board itself: every gesture becomes an op handed to `onOp`, and the board comes back through
// `reconcile` (optimistically at once, then as confirmed by the server). Colours, line styles,
// sizes, badges and label rules come from the server's look table (whiteboard/domain/look.py),
// which the drawn export reads too, so the exported picture is what the canvas shows.

const GRID = 20;
const FAR_ZOOM = 0.4;

export const snap = (value) => Math.round(value / GRID) * GRID;

export class Canvas extends EventTarget {
  constructor({ container, stage, kinds, look, readOnly, onOp, getBoard }) {
    super();
    this.look = look;
    this.container = container;
    this.stage = stage;
    this.kinds = kinds;
    this.readOnly = readOnly;
    this.onOp = onOp;
    this.getBoard = getBoard;
    this.tool = "select";
    this.far = false;
    this.spaceDown = false;
    this.touching = false; // the touch screen is in use (see bindTouch)
    this.fingers = 0;
    this.findings = new Map(); // element id -> {severity, messages}
    this.peerOutlines = false;
    this.cy = cytoscape({
      container,
      style: this.style(look),
      minZoom: 0.08,
      maxZoom: 3,
      userZoomingEnabled: false,
      userPanningEnabled: false,
      boxSelectionEnabled: true,
      selectionType: "single",
      autoungrabify: readOnly,
      autounselectify: false,
      textureOnViewport: false,
      hideEdgesOnViewport: false,
      motionBlur: false,
      pixelRatio: "auto",
    });
    this.cy.on("viewport", () => this.onViewport());
    this.bindWheel();
    this.bindMoves();
    this.bindSelection();
    this.bindHover();
    this.bindTouch();
    if (!readOnly) this.bindEdgeHandles();
    this.onViewport();
    new ResizeObserver(() => this.cy.resize()).observe(container);
  }

  // --- style ------------------------------------------------------------------------------

  style(look) {
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
          "min-zoomed-font-size": 7,
        },
      },
      {
        selector: "node.replicated",
        style: {
          ghost: "yes",
          "ghost-offset-x": node.ghost.dx,
          "ghost-offset-y": node.ghost.dy,
          "ghost-opacity": node.ghost.opacity,
        },
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
      { selector: "node.empty-group", style: { width: group.empty.width, height: group.empty.height, "background-image": [], "background-color": group.empty.fill, "border-style": "dashed", "text-valign": "center", "text-margin-y": 0 } },
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
      {
        selector: "node[peer]",
        style: {
          "outline-width": 2.5,
          "outline-color": "data(peer)",
          "outline-offset": 4,
          "outline-opacity": 0.9,
        },
      },
      { selector: "node.sev-error", style: { "border-color": "#d92d20", "border-width": 1.8 } },
      { selector: "node.sev-warning", style: { "border-color": "#f79009", "border-width": 1.8 } },
      {
        selector: "edge",
        style: {
          width: edge.width,
          "curve-style": "bezier",
          "control-point-step-size": edge.bundle_step,
          "line-color": "data(color)",
          "target-arrow-color": "data(color)",
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
          "min-zoomed-font-size": 6,
          "source-distance-from-node": edge.distance,
          "target-distance-from-node": edge.distance,
        },
      },
      // props.route: a curved edge bends by data(bend); an orthogonal one turns half way.
      { selector: "edge.route-curved", style: { "curve-style": "unbundled-bezier", "control-point-distances": "data(bend)", "control-point-weights": 0.5 } },
      { selector: "edge.route-orthogonal", style: { "curve-style": "taxi", "taxi-direction": "auto", "taxi-turn": "50%", "taxi-turn-min-distance": 10 } },
      // Zoomed far out, labels and arrows are unreadable: draw edges as plain lines (several
      // times cheaper per frame on a large board).
      { selector: "edge.far", style: { "curve-style": "haystack", "haystack-radius": 0, "target-arrow-shape": "none", label: "" } },
      { selector: "node.far", style: { label: "", ghost: "no" } },
      { selector: "edge.async", style: { "line-style": "dashed", "line-dash-pattern": edge.async_dash } },
      {
        selector: "edge:selected",
        style: { width: 3, "underlay-color": "#3559e0", "underlay-opacity": 0.18, "underlay-padding": 4 },
      },
      { selector: "edge.hover", style: { width: 2.6 } },
      {
        selector: "edge[peer]",
        style: { "underlay-color": "data(peer)", "underlay-opacity": 0.35, "underlay-padding": 5 },
      },
      { selector: "edge.sev-error", style: { "line-outline-width": 0, "text-background-color": "#fef3f2", color: "#b42318" } },
      { selector: "edge.sev-warning", style: { "text-background-color": "#fffaeb", color: "#b54708" } },
      { selector: "node.flash", style: { "underlay-color": "#f79009", "underlay-opacity": 0.35, "underlay-padding": 10 } },
      { selector: "edge.flash", style: { "underlay-color": "#f79009", "underlay-opacity": 0.45, "underlay-padding": 7 } },
      // edgehandles' temporary elements
      {
        selector: ".eh-ghost-edge, edge.eh-preview",
        style: {
          "line-color": "#3559e0",
          "target-arrow-color": "#3559e0",
          "target-arrow-shape": "triangle",
          "line-style": "dashed",
          width: 2,
          label: "",
        },
      },
      { selector: ".eh-ghost-node", style: { width: 1, height: 1, opacity: 0, label: "" } },
      { selector: "node.eh-source, node.eh-target", style: { "border-color": "#3559e0", "border-width": 2.5 } },
      { selector: ".eh-ghost-edge.eh-preview-active", style: { opacity: 0 } },
    ];
    for (const [protocol, { color }] of Object.entries(look.protocols)) {
      rules.push({ selector: `edge[protocol = "${protocol}"]`, style: { "line-color": color, "target-arrow-color": color } });
    }
    // An arrow to or from a note annotates; it is not a call (after the protocols: it wins).
    const a = look.annotation;
    rules.push({ selector: "edge.annotation", style: { "line-style": "dashed", "line-dash-pattern": a.dash, "line-color": a.color, "target-arrow-color": a.color, width: a.width, label: "" } });
    return rules;
  }

  // --- board -> cytoscape ----------------------------------------------------------------

  nodeData(node) {
    const kind = this.kinds[node.kind] || { name: node.kind, icon: "" };
    const { replicas: badge, note } = this.look;
    const replicas = Number.isInteger(node.props?.replicas) ? node.props.replicas : 1;
    const label = node.label || kind.name;
    const tech = kind.techs?.find((t) => t.id === node.props?.tech);
    const data = {
      id: node.id,
      parent: node.group ?? undefined,
      kind: node.kind,
      icon: tech?.icon || kind.icon || "",
      display: replicas >= badge.min ? `${label}${badge.separator}${badge.badge.replace("{n}", replicas)}` : label,
    };
    if (node.kind === "note") {
      // The box a note takes, as the drawn export sizes it (look.note); an empty note shows
      // its kind's name here only, to be found and filled in.
      const lines = (node.label || "").split("\n").reduce((n, line) => n + Math.max(1, Math.ceil((line.length * note.char) / note.width)), 0);
      Object.assign(data, { display: label, w: note.width, h: Math.max(note.min_height, lines * note.line + note.pad) });
    }
    return data;
  }

  groupData(group, board) {
    let depth = 0;
    let parent = group.parent;
    while (parent != null && depth < 10) {
      depth += 1;
      parent = board.groups.get(parent)?.parent;
    }
    return {
      id: group.id,
      parent: group.parent ?? undefined,
      display: group.label || this.look.group.label.fallback,
      fill: this.look.group.fills[depth % this.look.group.fills.length],
      stroke: this.look.group.strokes[depth % this.look.group.strokes.length],
      isGroup: true,
    };
  }

  edgeData(edge) {
    const protocol = edge.props?.protocol;
    const data = {
      id: edge.id,
      source: edge.source,
      target: edge.target,
      display: edge.label?.trim() ? edge.label : this.look.protocols[protocol]?.label || "",
      protocol: protocol || "",
      color: this.look.edge.color,
    };
    if (edge.props?.route === "curved") data.bend = this.bendOf(edge);
    return data;
  }

  // A curved edge bends by look.edge.curve, each further curved edge between the same two nodes
  // (in board order) by curve_step more, as the drawn export bends them.
  bendOf(edge) {
    const { curve, curve_step: step } = this.look.edge;
    let before = 0;
    for (const other of this.getBoard().edges.values()) {
      if (other.id === edge.id) break;
      const same = (other.source === edge.source && other.target === edge.target) || (other.source === edge.target && other.target === edge.source);
      if (same && other.props?.route === "curved") before += 1;
    }
    return curve + before * step;
  }

  // Draw a whole board (first load).
  load(board) {
    const cy = this.cy;
    // A large board opens zoomed out: start in the cheap far-away style (`fit` corrects it).
    this.far = board.nodes.size + board.edges.size > 300;
    const elements = [];
    for (const group of sortGroups(board)) elements.push({ group: "nodes", data: this.groupData(group, board), classes: "group" });
    let missing = 0;
    for (const node of board.nodes.values()) {
      const hasPos = Number.isFinite(node.x) && Number.isFinite(node.y);
      const position = hasPos ? { x: node.x, y: node.y } : { x: (missing % 8) * 160, y: 600 + Math.floor(missing / 8) * 140 };
      if (!hasPos) missing += 1;
      elements.push({ group: "nodes", data: this.nodeData(node), position, classes: this.nodeClasses(node) });
    }
    for (const edge of board.edges.values()) {
      elements.push({ group: "edges", data: this.edgeData(edge), classes: this.edgeClasses(edge) });
    }
    cy.batch(() => {
      cy.elements().remove();
      cy.add(elements);
      this.markEmptyGroups();
      this.placeEmptyGroups();
    });
    this.applyFindingClasses();
    this.emitEmpty();
  }

  nodeClasses(node) {
    if (node.kind === "note") return "note" + (this.far ? " far" : "");
    const replicas = Number.isInteger(node.props?.replicas) ? node.props.replicas : 1;
    return (replicas > 1 ? "replicated" : "") + (this.far ? " far" : "");
  }

  edgeClasses(edge) {
    const board = this.getBoard();
    const annotation = [edge.source, edge.target].some((id) => board.nodes.get(id)?.kind === "note");
    const route = edge.props?.route === "curved" || edge.props?.route === "orthogonal" ? ` route-${edge.props.route}` : "";
    return (edge.props?.async ? "async" : "") + route + (annotation ? " annotation" : "") + (this.far ? " far" : "");
  }

  updateDetail() {
    const far = this.cy.zoom() < FAR_ZOOM && this.cy.elements().length > 300;
    if (far === this.far) return;
    this.far = far;
    this.cy.batch(() => this.cy.elements().not(".group").toggleClass("far", far));
  }

  // Bring the given element ids on screen in line with `board`.
  reconcile(ids, board) {
    if (ids.has("@board") && ids.size > 200) {
      this.load(board);
      return;
    }
    const cy = this.cy;
    const selected = new Set(cy.$(":selected").map((e) => e.id()));
    cy.batch(() => {
      const groups = [];
      const nodes = [];
      const edges = [];
      const gone = [];
      for (const id of ids) {
        if (id === "@board") continue;
        const kind = board.kindOf(id);
        if (kind === "group") groups.push(board.groups.get(id));
        else if (kind === "node") nodes.push(board.nodes.get(id));
        else if (kind === "edge") edges.push(board.edges.get(id));
        else gone.push(id);
      }
      // Removals of edges and nodes first, groups last (a removed compound takes its children).
      const goneEls = cy.collection(gone.map((id) => cy.getElementById(id)).filter((el) => el.nonempty()));
      goneEls.edges().remove();
      goneEls.nodes().filter((n) => !n.data("isGroup")).remove();
      for (const group of sortGroups(board, groups)) {
        const el = cy.getElementById(group.id);
        const data = this.groupData(group, board);
        if (el.empty()) cy.add({ group: "nodes", data, classes: "group" });
        else {
          el.data(data);
          if ((el.data("parent") ?? null) !== (group.parent ?? null) || (el.parent().id() || null) !== (group.parent ?? null)) {
            el.move({ parent: group.parent ?? null });
          }
        }
      }
      for (const node of nodes) {
        let el = cy.getElementById(node.id);
        const data = this.nodeData(node);
        const position = Number.isFinite(node.x) ? { x: node.x, y: node.y } : null;
        if (el.empty()) {
          cy.add({ group: "nodes", data, position: position || this.viewCenter(), classes: this.nodeClasses(node) });
          continue;
        }
        const parentNow = el.parent().nonempty() ? el.parent().id() : null;
        if (parentNow !== (node.group ?? null)) el = el.move({ parent: node.group ?? null });
        el.data(data);
        el.classes(this.nodeClasses(node) + this.findingClass(node.id));
        if (position && !el.grabbed()) {
          const now = el.position();
          if (now.x !== position.x || now.y !== position.y) el.position(position);
        }
      }
      for (const edge of edges) {
        let el = cy.getElementById(edge.id);
        const data = this.edgeData(edge);
        if (el.empty()) {
          cy.add({ group: "edges", data, classes: this.edgeClasses(edge) });
          continue;
        }
        if (el.data("source") !== edge.source || el.data("target") !== edge.target) {
          el = el.move({ source: edge.source, target: edge.target });
        }
        el.data(data);
        el.classes(this.edgeClasses(edge) + this.findingClass(edge.id));
      }
      const goneGroups = goneEls.nodes().filter((n) => n.data("isGroup") && n.inside());
      for (const group of goneGroups.toArray()) {
        const keep = group.children();
        if (keep.nonempty()) keep.move({ parent: group.parent().nonempty() ? group.parent().id() : null });
      }
      goneGroups.filter((n) => n.inside()).remove();
      this.markEmptyGroups();
      for (const id of selected) {
        const el = cy.getElementById(id);
        if (el.nonempty() && !el.selected()) el.select();
      }
    });
    this.emitEmpty();
    this.dispatchEvent(new CustomEvent("redrawn"));
  }

  // A group with no members has no position of its own (the board format stores none): at first
  // load, stack the empty ones in a column right of everything else, not at the origin under it.
  // (A group that empties later keeps where it was: Cytoscape leaves its last position.)
  placeEmptyGroups() {
    const empty = this.cy.nodes(".empty-group").filter((g) => g.parent().empty());
    if (empty.empty()) return;
    const rest = this.cy.elements().not(empty).boundingBox();
    const x = Number.isFinite(rest.x2) ? rest.x2 + 140 : 0;
    let y = Number.isFinite(rest.y1) ? rest.y1 + 50 : 0;
    empty.forEach((g) => {
      g.position({ x, y });
      y += 140;
    });
  }

  markEmptyGroups() {
    // Only where it changes: toggling a class restyles the group and everything inside it,
    // even when the class was already right.
    this.cy.nodes(".group").forEach((g) => {
      const empty = g.children().empty();
      if (g.hasClass("empty-group") !== empty) g.toggleClass("empty-group", empty);
    });
  }

  emitEmpty() {
    this.dispatchEvent(new CustomEvent("empty", { detail: this.cy.nodes().empty() }));
  }

  viewCenter() {
    const ext = this.cy.extent();
    return { x: snap((ext.x1 + ext.x2) / 2), y: snap((ext.y1 + ext.y2) / 2) };
  }

  // --- viewport ---------------------------------------------------------------------------

  bindWheel() {
    // Wheel and two-finger scroll pan; Ctrl/Cmd + wheel (and trackpad pinch) zoom at the pointer.
    this.stage.addEventListener(
      "wheel",
      (event) => {
        if (!this.container.contains(event.target) && event.target !== this.container) return;
        event.preventDefault();
        const scale = event.deltaMode === 1 ? 16 : 1;
        if (event.ctrlKey || event.metaKey) {
          const rect = this.container.getBoundingClientRect();
          const factor = Math.exp(-event.deltaY * scale * 0.0025);
          this.zoomAt(this.cy.zoom() * factor, { x: event.clientX - rect.left, y: event.clientY - rect.top });
        } else {
          const dx = event.shiftKey && !event.deltaX ? event.deltaY : event.deltaX;
          const dy = event.shiftKey && !event.deltaX ? 0 : event.deltaY;
          this.cy.panBy({ x: -dx * scale, y: -dy * scale });
        }
      },
      { passive: false },
    );
  }

  zoomAt(level, renderedPosition) {
    const cy = this.cy;
    const clamped = Math.min(cy.maxZoom(), Math.max(cy.minZoom(), level));
    cy.zoom({ level: clamped, renderedPosition: renderedPosition || { x: cy.width() / 2, y: cy.height() / 2 } });
  }

  zoomBy(factor) {
    this.zoomAt(this.cy.zoom() * factor);
  }

  // Zoom to show every node: from the node positions (cheap on a large board, where a full
  // bounding box would measure every label first).
  fit() {
    const cy = this.cy;
    const nodes = cy.nodes().not(".group");
    if (nodes.empty()) return;
    let x1 = Infinity;
    let y1 = Infinity;
    let x2 = -Infinity;
    let y2 = -Infinity;
    nodes.forEach((n) => {
      const p = n.position();
      x1 = Math.min(x1, p.x);
      y1 = Math.min(y1, p.y);
      x2 = Math.max(x2, p.x);
      y2 = Math.max(y2, p.y);
    });
    // Room for the icons, their labels and the group frames around them.
    x1 -= 90;
    x2 += 90;
    y1 -= 80;
    y2 += 100;
    const zoom = Math.max(cy.minZoom(), Math.min(1.25, (cy.width() - 80) / (x2 - x1), (cy.height() - 80) / (y2 - y1)));
    cy.viewport({ zoom, pan: { x: cy.width() / 2 - ((x1 + x2) / 2) * zoom, y: cy.height() / 2 - ((y1 + y2) / 2) * zoom } });
  }

  centreOn(eles) {
    const cy = this.cy;
    const bb = eles.boundingBox();
    const fits = Math.min((cy.width() - 200) / Math.max(bb.w, 1), (cy.height() - 200) / Math.max(bb.h, 1));
    const zoom = Math.max(0.3, Math.min(1.2, fits));
    const pan = { x: cy.width() / 2 - ((bb.x1 + bb.x2) / 2) * zoom, y: cy.height() / 2 - ((bb.y1 + bb.y2) / 2) * zoom };
    cy.animate({ zoom, pan }, { duration: 300, easing: "ease-out-cubic" });
  }

  onViewport() {
    const zoom = this.cy.zoom();
    const pan = this.cy.pan();
    const size = GRID * zoom;
    const show = size >= 6;
    this.container.style.backgroundSize = show ? `${size}px ${size}px` : "0 0";
    this.container.style.backgroundPosition = `${pan.x}px ${pan.y}px`;
    this.updateDetail();
    this.dispatchEvent(new CustomEvent("viewport", { detail: { zoom } }));
  }

  setTool(tool) {
    this.tool = tool;
    this.updateGestures();
  }

  setSpace(down) {
    this.spaceDown = down;
    this.updateGestures();
  }

  updateGestures() {
    const panning = this.tool === "pan" || this.spaceDown;
    this.cy.userPanningEnabled(panning || this.touching);
    this.cy.userZoomingEnabled(this.touching);
    this.cy.boxSelectionEnabled(!panning);
    this.cy.autoungrabify(this.readOnly || panning);
    this.stage.classList.toggle("panning", panning);
    this.stage.classList.toggle("connecting", this.tool === "connect" && !panning);
    if (this.eh) {
      if (this.tool === "connect" && !panning) this.eh.enableDrawMode();
      else if (this.eh.drawMode && !this.handleDrawing) this.eh.disableDrawMode();
    }
  }

  // Touch screens: Cytoscape's own gestures (one finger on the background pans, two fingers
  // pinch-zoom, one finger on a component moves it). They are switched on while the touch
  // screen is in use, because for the mouse a drag on the background box-selects and the
  // wheel is handled above. The browser's own touch panning and zooming stay off the canvas.
  //
  // Lifting the fingers does not end touch mode: Cytoscape must still see the end of the
  // gesture with its touch settings. The mouse ends it: a mouse or pen press and the wheel
  // reach these capturing listeners before Cytoscape's own handlers of the same event, so the
  // very first mouse gesture after a touch is already a mouse gesture (no timer to lose a race
  // against).
  bindTouch() {
    this.container.style.touchAction = "none";
    this.stage.addEventListener(
      "touchstart",
      (event) => {
        if (!this.container.contains(event.target)) return;
        this.fingers = event.touches.length;
        if (this.touching) return;
        this.touching = true;
        this.updateGestures();
      },
      { capture: true, passive: true },
    );
    const lift = (event) => {
      this.fingers = event.touches.length;
    };
    window.addEventListener("touchend", lift, { passive: true });
    window.addEventListener("touchcancel", lift, { passive: true });
    const mouseArrives = (event) => {
      if (!this.touching || this.fingers) return;
      if (event.type === "pointerdown" && event.pointerType === "touch") return;
      this.touching = false;
      this.updateGestures();
    };
    this.stage.addEventListener("pointerdown", mouseArrives, { capture: true });
    this.stage.addEventListener("wheel", mouseArrives, { capture: true, passive: true });
  }

  toModel(clientX, clientY) {
    const rect = this.container.getBoundingClientRect();
    const pan = this.cy.pan();
    const zoom = this.cy.zoom();
    return { x: (clientX - rect.left - pan.x) / zoom, y: (clientY - rect.top - pan.y) / zoom };
  }

  toScreen(pos) {
    const pan = this.cy.pan();
    const zoom = this.cy.zoom();
    return { x: pos.x * zoom + pan.x, y: pos.y * zoom + pan.y };
  }

  // --- moving -----------------------------------------------------------------------------

  bindMoves() {
    const cy = this.cy;
    this.move = null;
    cy.on("grab", "node", () => {
      if (this.move) return;
      // Where everything was, and each group's area, when the gesture started: dropping a node
      // inside a group's starting area puts it in that group, outside takes it out.
      const start = new Map();
      cy.nodes().forEach((n) => {
        if (!n.isParent()) start.set(n.id(), { ...n.position() });
      });
      const areas = cy
        .nodes(".group")
        .map((g) => ({ id: g.id(), box: g.boundingBox({ includeLabels: false }), depth: g.ancestors().length }));
      this.move = { start, areas, moved: false };
    });
    cy.on("drag", "node", () => {
      if (this.move) this.move.moved = true;
    });
    cy.on("free", "node", () => {
      clearTimeout(this.moveTimer);
      this.moveTimer = setTimeout(() => this.finishMove(), 0);
    });
  }

  finishMove() {
    const move = this.move;
    this.move = null;
    if (!move || !move.moved || this.readOnly) return;
    const cy = this.cy;
    const board = this.getBoard();
    const ops = [];
    const grabbedTop = [];
    cy.nodes().forEach((n) => {
      const before = move.start.get(n.id());
      if (!before) return;
      const now = n.position();
      if (now.x === before.x && now.y === before.y) return;
      const x = snap(now.x);
      const y = snap(now.y);
      n.position({ x, y });
      if (board.nodes.has(n.id())) ops.push({ action: "update_node", id: n.id(), set: { x, y } });
    });
    // The elements the user dragged (not carried along inside a dragged group).
    const movedIds = new Set(ops.map((op) => op.id));
    cy.nodes().forEach((n) => {
      const wasMoved = n.isParent() ? n.descendants().some((d) => movedIds.has(d.id())) && n.descendants().every((d) => d.isParent() || movedIds.has(d.id())) : movedIds.has(n.id());
      if (!wasMoved) return;
      const parentMoved = n.ancestors().some((a) => a.descendants().every((d) => d.isParent() || movedIds.has(d.id())));
      if (!parentMoved) grabbedTop.push(n);
    });
    for (const el of grabbedTop) {
      const isGroup = el.data("isGroup");
      const point = isGroup ? centre(el.boundingBox({ includeLabels: false })) : el.position();
      const exclude = isGroup ? board.groupSubtree(el.id()) : new Set();
      let best = null;
      for (const area of move.areas) {
        if (exclude.has(area.id) || !inside(point, area.box)) continue;
        if (!best || area.depth > best.depth) best = area;
      }
      const target = best ? best.id : null;
      if (isGroup) {
        const current = board.groups.get(el.id())?.parent ?? null;
        if (target !== current) ops.push({ action: "update_group", id: el.id(), set: { parent: target } });
      } else {
        const current = board.nodes.get(el.id())?.group ?? null;
        if (target !== current) {
          const op = ops.find((o) => o.id === el.id() && o.action === "update_node");
          op.set.group = target;
        }
      }
    }
    if (!ops.length) return;
    this.onOp(ops.length === 1 ? ops[0] : { action: "batch", ops });
  }

  // --- selection, hover --------------------------------------------------------------------

  bindSelection() {
    let timer = null;
    const emit = () => {
      timer = null;
      this.dispatchEvent(new CustomEvent("selection", { detail: this.selectedIds() }));
    };
    this.cy.on("select unselect", () => {
      if (!timer) timer = setTimeout(emit, 0);
    });
  }

  selectedIds() {
    return this.cy.$(":selected").map((el) => el.id());
  }

  select(ids) {
    const cy = this.cy;
    cy.batch(() => {
      cy.$(":selected").unselect();
      for (const id of ids) cy.getElementById(id).select();
    });
  }

  bindHover() {
    const cy = this.cy;
    cy.on("mouseover", "node, edge", (event) => {
      event.target.addClass("hover");
      this.dispatchEvent(new CustomEvent("hover", { detail: { id: event.target.id(), event } }));
    });
    cy.on("mouseout", "node, edge", (event) => {
      event.target.removeClass("hover");
      this.dispatchEvent(new CustomEvent("hover", { detail: { id: null } }));
    });
  }

  // --- connecting -------------------------------------------------------------------------

  bindEdgeHandles() {
    const cy = this.cy;
    this.eh = cy.edgehandles({
      canConnect: (source, target) => !source.same(target) && !target.isParent() && !target.data("isGroup") && !source.data("isGroup"),
      edgeParams: () => ({ data: { color: "#3559e0" } }),
      hoverDelay: 80,
      snap: true,
      snapThreshold: 24,
      snapFrequency: 30,
      noEdgeEventsInDraw: true,
      disableBrowserGestures: true,
    });
    cy.on("ehcomplete", (event, source, target, added) => {
      added.remove();
      const board = this.getBoard();
      if (!board.nodes.has(source.id()) || !board.nodes.has(target.id())) return;
      const id = board.freshId("e");
      this.onOp({ action: "add_edge", edge: { id, source: source.id(), target: target.id(), label: "", props: {} } });
      this.dispatchEvent(new CustomEvent("connected", { detail: id }));
    });
    cy.on("ehstop", () => {
      if (this.handleDrawing) {
        this.handleDrawing = false;
        if (this.tool !== "connect") this.eh.disableDrawMode();
      }
    });
    // The handle: a dot on the hovered component's right edge. Pressing it turns on
    // edgehandles' draw mode just before Cytoscape sees the press, so the press starts an edge
    // instead of moving the component.
    const handle = this.stage.querySelector("#edge-handle");
    this.handle = handle;
    this.handleNode = null;
    cy.on("mouseover", "node", (event) => {
      const node = event.target;
      if (node.data("isGroup") || this.eh.active || this.cy.autoungrabify()) return;
      this.handleNode = node;
      this.placeHandle();
    });
    cy.on("mouseout", "node", () => {
      clearTimeout(this.handleTimer);
      this.handleTimer = setTimeout(() => {
        if (!this.handleHot) this.hideHandle();
      }, 350);
    });
    cy.on("position viewport remove grab", () => {
      if (this.handleNode) {
        if (this.handleNode.removed() || this.handleNode.grabbed()) this.hideHandle();
        else this.placeHandle();
      }
    });
    this.stage.addEventListener(
      "mousemove",
      (event) => {
        this.handleHot = this.overHandle(event.clientX, event.clientY);
        handle.classList.toggle("hot", this.handleHot);
      },
      true,
    );
    this.stage.addEventListener(
      "mousedown",
      (event) => {
        if (event.button !== 0 || !this.handleNode || !this.overHandle(event.clientX, event.clientY)) return;
        this.handleDrawing = true;
        this.eh.enableDrawMode();
        this.hideHandle();
      },
      true,
    );
  }

  placeHandle() {
    const node = this.handleNode;
    if (!node || node.removed()) return this.hideHandle();
    const bb = node.renderedBoundingBox({ includeLabels: false, includeOverlays: false, includeUnderlays: false, includeOutlines: false });
    this.handlePos = { x: bb.x2, y: (bb.y1 + bb.y2) / 2 };
    this.handle.style.transform = `translate(${this.handlePos.x - 7}px, ${this.handlePos.y - 7}px)`;
    this.handle.hidden = false;
  }

  hideHandle() {
    this.handleNode = null;
    this.handlePos = null;
    this.handle.hidden = true;
  }

  overHandle(clientX, clientY) {
    if (!this.handlePos || this.handle.hidden) return false;
    const rect = this.container.getBoundingClientRect();
    const dx = clientX - rect.left - this.handlePos.x;
    const dy = clientY - rect.top - this.handlePos.y;
    return dx * dx + dy * dy <= 11 * 11;
  }

  // --- findings ---------------------------------------------------------------------------

  setFindings(findings) {
    this.findings = findings;
    this.applyFindingClasses();
  }

  findingClass(id) {
    const f = this.findings.get(id);
    return f && (f.severity === "error" || f.severity === "warning") ? ` sev-${f.severity}` : "";
  }

  // Only the elements whose severity class changes are touched: a class change restyles the
  // element and redraws it, and a review of a large board flags hundreds of them.
  applyFindingClasses() {
    const cy = this.cy;
    cy.batch(() => {
      cy.elements(".sev-error, .sev-warning").forEach((el) => {
        const want = this.findingClass(el.id()).trim();
        for (const cls of ["sev-error", "sev-warning"]) if (cls !== want && el.hasClass(cls)) el.removeClass(cls);
      });
      for (const [id, f] of this.findings) {
        if (f.severity !== "error" && f.severity !== "warning") continue;
        const el = cy.getElementById(id);
        if (el.nonempty() && !el.hasClass(`sev-${f.severity}`)) el.addClass(`sev-${f.severity}`);
      }
    });
  }

  flash(eles) {
    eles.addClass("flash");
    setTimeout(() => eles.removeClass("flash"), 1200);
  }

  // Peers' selections, outlined in their colours.
  setPeerSelections(byId) {
    const cy = this.cy;
    // Nobody else is selecting anything and nothing is outlined: skip the scan of every element.
    if (!byId.size && !this.peerOutlines) return;
    this.peerOutlines = byId.size > 0;
    cy.batch(() => {
      cy.elements("[peer]").forEach((el) => {
        if (!byId.has(el.id())) el.removeData("peer");
      });
      for (const [id, colour] of byId) {
        const el = cy.getElementById(id);
        if (el.nonempty() && el.data("peer") !== colour) el.data("peer", colour);
      }
    });
  }
}

function sortGroups(board, only = null) {
  const list = only || [...board.groups.values()];
  const depth = (g) => {
    let d = 0;
    let p = g.parent;
    while (p != null && d < 10) {
      d += 1;
      p = board.groups.get(p)?.parent;
    }
    return d;
  };
  return list.slice().sort((a, b) => depth(a) - depth(b));
}

function inside(p, box) {
  return p.x >= box.x1 && p.x <= box.x2 && p.y >= box.y1 && p.y <= box.y2;
}

function centre(box) {
  return { x: (box.x1 + box.x2) / 2, y: (box.y1 + box.y2) / 2 };
}
