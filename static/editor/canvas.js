// The canvas: Cytoscape.js draws the board (components with the `diagrams` icons, notes as
// text, groups as compound nodes, connections styled by protocol and route) and answers
// geometry questions (what is under the pointer, where an element is on screen). It never
// changes the board: gestures are read by the input state machine (input.js) and become ops;
// the board comes back through `reconcile` (optimistically at once, then as the server confirms).

import { BoxGrid, ZOOMED_LABELS, textBox, tuckedLabels } from "./declutter.js";
import { IN_VIEW, wantedDetail, zoneOfPoint, zoneOfSegment, zonesAround } from "./detail.js";
import { batchPlainLines } from "./lines.js";
import { stylesheet } from "./style.js";

const GRID = 20;
// A board of more elements than this is drawn in detail only in and near the view (detail.js),
// and not at all zoomed out past FAR_ZOOM; a smaller one is drawn in detail at every zoom.
const SMALL_BOARD = 300;
const FAR_ZOOM = 0.4;
// Elements given (or relieved of) detail per frame. Restyling an element for its detail costs
// about a millisecond on the benchmark's machine (Cytoscape 3.34 rebuilds the collection of the
// element's compound family per changed property), and crossing FAR_ZOOM on the benchmark's
// 2,000-node board changes about 1,150 elements in view and 2,200 more in the margin: far too
// many for one frame. In view, VIEW_STEP per frame from the middle out; around it, MARGIN_STEP
// per frame once the view is done, so the frames that follow a gesture stay short.
const VIEW_STEP = 100;
const MARGIN_STEP = 40;
// Zoomed out, labels are drawn larger on the board so they stay legible on screen (smaller than at
// 100 %, never hidden): the zoom `fit` picks for a demo board in a 1024 px window is about 0.3.
const LABEL_SCALES = [
  [0.45, "zoom-xs"],
  [0.62, "zoom-s"],
];

export const snap = (value) => Math.round(value / GRID) * GRID;

export class Canvas extends EventTarget {
  constructor({ container, stage, kinds, look, readOnly, getBoard }) {
    super();
    this.look = look;
    this.container = container;
    this.stage = stage;
    this.kinds = kinds;
    this.readOnly = readOnly;
    this.getBoard = getBoard;
    this.far = false;
    this.scale = "";
    this.tucked = new Set(); // connection labels left out zoomed out (declutter)
    this.large = false;
    this.detailQueued = false;
    this.detailLeft = { view: 0, margin: 0 }; // elements whose detail is still to change
    this.details = new Map(); // element id -> its detail classes ("far", "near", "near zoom-s", ...)
    this.geometry = null; // where each component and connection is, for updateDetail
    this.findings = new Map(); // element id -> {severity, messages}
    this.peerOutlines = false;
    this.selectionQueued = false;
    this.selection = null; // the selected ids, until the selection or the elements change
    this.cy = cytoscape({
      container,
      style: stylesheet(look),
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
    this.cy.on("add remove position", () => {
      this.geometry = null;
    });
    // An element added selected (a moved one) or removed changes the selection without a
    // select or unselect event.
    this.cy.on("add remove", () => {
      this.selection = null;
    });
    // The detail follows the view in Cytoscape's own animation frame, before it draws: the frame
    // that shows a new part of the board draws it in detail, and a burst of viewport events
    // (a wheel, a drag) costs one update.
    const renderer = this.cy.renderer();
    batchPlainLines(renderer);
    if (renderer?.beforeRender) {
      const { animations, eleCalcs } = renderer.beforeRenderPriorities;
      renderer.beforeRender(() => this.detailFrame(), (animations + eleCalcs) / 2);
      this.frameHook = true;
    }
    // Cytoscape reports a box selection element by element: one "selection" event per burst,
    // when the handler that caused it has finished (a microtask, not a timer).
    this.cy.on("select unselect", () => {
      this.selection = null;
      if (this.selectionQueued) return;
      this.selectionQueued = true;
      queueMicrotask(() => {
        this.selectionQueued = false;
        this.dispatchEvent(new CustomEvent("selection", { detail: this.selectedIds() }));
      });
    });
    // A connection under the pointer thickens: it can be double-clicked, selected, labelled.
    this.cy.on("mouseover", "edge", (e) => e.target.addClass("hover"));
    this.cy.on("mouseout", "edge", (e) => e.target.removeClass("hover"));
    this.onViewport();
    new ResizeObserver(() => this.cy.resize()).observe(container);
  }

  // --- board -> cytoscape ----------------------------------------------------------------

  isNote(kind) {
    return this.kinds[kind]?.category === "annotation";
  }

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
      icon: tech?.icon || kind.icon || [],
      display: replicas >= badge.min ? `${label}${badge.separator}${badge.badge.replace("{n}", replicas)}` : label,
    };
    if (this.isNote(node.kind)) {
      // The box a note takes, as the drawn export sizes it (look.note); an empty note shows
      // its kind's name here only, to be found and filled in.
      const lines = (node.label || "").split("\n").reduce((n, line) => n + Math.max(1, Math.ceil((line.length * note.char) / note.width)), 0);
      Object.assign(data, { icon: [], display: label, w: note.width, h: Math.max(note.min_height, lines * note.line + note.pad) });
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
    const { fills, strokes, label } = this.look.group;
    return {
      id: group.id,
      parent: group.parent ?? undefined,
      display: group.label || label.fallback,
      fill: fills[depth % fills.length],
      stroke: strokes[depth % strokes.length],
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

  // The near classes at this zoom: "near", and the size of the labels zoomed out.
  nearDetail() {
    return "near" + (this.scale ? ` ${this.scale}` : "");
  }

  // An element keeps the detail it has; a new one starts far on a large board (the next frame
  // gives it detail if it is in view, before drawing it).
  detailOf(id) {
    let detail = this.details.get(id);
    if (!detail) {
      detail = this.large ? "far" : this.nearDetail();
      this.details.set(id, detail);
    }
    return detail;
  }

  detailClasses(id) {
    return ` ${this.detailOf(id)}`;
  }

  // Groups keep their titles at every zoom (they are what a far view reads by), so they never
  // take the far style: `updateDetail` leaves them out.
  groupClasses() {
    return "group " + this.nearDetail();
  }

  nodeClasses(node) {
    if (this.isNote(node.kind)) return "note" + this.detailClasses(node.id);
    const replicas = Number.isInteger(node.props?.replicas) ? node.props.replicas : 1;
    return (replicas > 1 ? "replicated" : "") + this.detailClasses(node.id);
  }

  edgeClasses(edge) {
    const board = this.getBoard();
    const annotation = [edge.source, edge.target].some((id) => this.isNote(board.nodes.get(id)?.kind));
    const route = edge.props?.route === "curved" || edge.props?.route === "orthogonal" ? ` route-${edge.props.route}` : "";
    return (edge.props?.async ? "async" : "") + route + (annotation ? " annotation" : "") + this.detailClasses(edge.id);
  }

  // Draw a whole board (first load).
  load(board) {
    const cy = this.cy;
    // A large board opens zoomed out: start in the cheap far-away style (`fit` corrects it).
    this.large = board.nodes.size + board.edges.size + board.groups.size > SMALL_BOARD;
    this.far = this.large;
    this.details.clear();
    const elements = [];
    for (const group of sortGroups(board)) elements.push({ group: "nodes", data: this.groupData(group, board), classes: this.groupClasses() });
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
      this.markEmptyGroups(board);
      this.placeEmptyGroups();
      this.placeEdgeLabels(cy.edges());
    });
    this.declutter();
    this.applyFindingClasses();
    this.emitEmpty(board);
    this.queueDetail();
  }

  queueDetail() {
    if (this.detailQueued) return;
    this.detailQueued = true;
    if (!this.frameHook) requestAnimationFrame(() => this.detailFrame());
  }

  detailFrame() {
    if (!this.detailQueued) return;
    this.detailQueued = false;
    // The frame that zooms past FAR_ZOOM or a label scale, either way, draws the elements with
    // the detail they had and restyles none: restyling the first hundred in that frame made the
    // zoom itself show late.
    const { far, scale } = this.levelAt(this.cy.zoom(), this.large);
    const crossing = far !== this.far || scale !== this.scale;
    const left = this.updateDetail(crossing ? { view: 0, margin: 0 } : { view: VIEW_STEP, margin: MARGIN_STEP });
    if (left > 0) {
      this.queueDetail();
      // Nothing was restyled, so nothing asks Cytoscape for the next frame, whose hook does the rest.
      if (crossing && this.frameHook) this.cy.renderer().redraw();
    }
  }

  // Whether a board is drawn far at this zoom, and the size of its labels.
  levelAt(zoom, large) {
    const far = large && zoom < FAR_ZOOM;
    return { far, scale: far ? "" : (LABEL_SCALES.find(([below]) => zoom < below)?.[1] ?? "") };
  }

  // Classes that depend on the zoom and the view: `near` (labels, icons, arrows) or `far`, and
  // the label size zoomed out. A class change restyles the element, so only the elements whose
  // detail changes are touched, at most `budget.view` in view (the middle first) and, once the
  // view is done, `budget.margin` around it (the margin before the rest). Returns how many are
  // left for the next frames.
  updateDetail(budget = { view: Infinity, margin: Infinity }) {
    const cy = this.cy;
    const zoom = cy.zoom();
    this.large = cy.elements().length > SMALL_BOARD;
    const { far, scale } = this.levelAt(zoom, this.large);
    this.far = far;
    if (scale !== this.scale) {
      const old = this.scale;
      this.scale = scale;
      cy.batch(() => {
        const groups = cy.nodes(".group");
        if (old) groups.removeClass(old);
        if (scale) groups.addClass(scale);
      });
      this.declutter();
    }
    const near = this.nearDetail();
    const want = { far: this.far, near };
    const extent = cy.extent();
    const zones = zonesAround(extent);
    const now = [];
    const later = [[], [], []];
    for (const item of this.geometryOf()) {
      const current = this.details.get(item.id);
      let zone = IN_VIEW;
      if (this.large) zone = item.b ? zoneOfSegment(item.a, item.b, zones) : zoneOfPoint(item.a, zones);
      const wanted = this.large ? wantedDetail(zone, current, want) : near;
      if (wanted !== current) (zone === IN_VIEW ? now : later[zone - 1]).push([item, current, wanted]);
    }
    const mid = { x: (extent.x1 + extent.x2) / 2, y: (extent.y1 + extent.y2) / 2 };
    const distance = ([{ a, b = a }]) => ((a.x + b.x) / 2 - mid.x) ** 2 + ((a.y + b.y) / 2 - mid.y) ** 2;
    // A small board is all in view (zone IN_VIEW) and changes at once.
    const viewStep = this.large ? budget.view : Infinity;
    if (now.length > viewStep) {
      const keyed = now.map((entry) => [distance(entry), entry]).sort((a, b) => a[0] - b[0]);
      now.length = 0;
      for (const [, entry] of keyed) now.push(entry);
    }
    const queue = later.flat();
    const viewLeft = Math.max(0, now.length - viewStep);
    const batch = viewLeft ? now.slice(0, viewStep) : now.concat(queue.slice(0, budget.margin));
    this.detailLeft = { view: viewLeft, margin: queue.length - (viewLeft ? 0 : Math.min(queue.length, budget.margin)) };
    if (batch.length) {
      cy.batch(() => {
        const labelled = [];
        for (const [{ el, id, b }, current, wanted] of batch) {
          el.removeClass(current);
          el.addClass(wanted);
          this.details.set(id, wanted);
          if (wanted !== "far" && b) labelled.push(el);
        }
        if (labelled.length) this.placeEdgeLabels(cy.collection(labelled));
      });
    }
    return this.detailLeft.view + this.detailLeft.margin;
  }

  // The detail of elements just added, changed or moved, at once and in the change's own
  // restyle: a new element starts far on a large board, a moved one may have come into view.
  // (The rest of the board keeps its detail: an edit does not make the canvas look at every
  // element.)
  settleDetail(eles) {
    if (!this.large) return;
    const zones = zonesAround(this.cy.extent());
    const want = { far: this.far, near: this.nearDetail() };
    eles.forEach((el) => {
      if (el.isNode() && el.data("isGroup")) return;
      const zone = el.isEdge() ? zoneOfSegment(el.source().position(), el.target().position(), zones) : zoneOfPoint(el.position(), zones);
      const current = this.detailOf(el.id());
      const wanted = wantedDetail(zone, current, want);
      if (wanted === current) return;
      el.removeClass(current);
      el.addClass(wanted);
      this.details.set(el.id(), wanted);
    });
  }

  // Each component (its position `a`) and connection (from `a` to `b`), read from Cytoscape once
  // after elements are added, removed or moved rather than on every frame of a pan.
  geometryOf() {
    if (this.geometry) return this.geometry;
    const items = [];
    this.cy.nodes().forEach((n) => {
      if (n.data("isGroup")) return;
      const p = n.position();
      items.push({ el: n, id: n.id(), a: { x: p.x, y: p.y } });
    });
    this.cy.edges().forEach((e) => {
      const a = e.source().position();
      const b = e.target().position();
      items.push({ el: e, id: e.id(), a: { x: a.x, y: a.y }, b: { x: b.x, y: b.y } });
    });
    this.geometry = items;
    return items;
  }

  // Bring the given element ids on screen in line with `board`.
  reconcile(ids, board) {
    if (ids.has("@board") && ids.size > 200) {
      this.load(board);
      return;
    }
    const cy = this.cy;
    const selected = new Set(this.selectedIds());
    const labelled = new Set();
    const touched = [];
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
        if (el.empty()) cy.add({ group: "nodes", data, classes: this.groupClasses() });
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
          touched.push(cy.add({ group: "nodes", data, position: position || this.viewCenter(), classes: this.nodeClasses(node) }));
          continue;
        }
        const parentNow = el.parent().nonempty() ? el.parent().id() : null;
        if (parentNow !== (node.group ?? null)) el = el.move({ parent: node.group ?? null });
        el.data(data);
        touched.push(el);
        el.classes(this.nodeClasses(node) + this.findingClass(node.id) + (el.hasClass("hover") ? " hover" : ""));
        if (position && !el.grabbed()) {
          const now = el.position();
          if (now.x !== position.x || now.y !== position.y) {
            el.position(position);
            el.connectedEdges().forEach((e) => labelled.add(e));
          }
        }
      }
      for (const edge of edges) {
        let el = cy.getElementById(edge.id);
        const data = this.edgeData(edge);
        if (el.empty()) {
          labelled.add(cy.add({ group: "edges", data, classes: this.edgeClasses(edge) }));
          continue;
        }
        if (el.data("source") !== edge.source || el.data("target") !== edge.target) {
          el = el.move({ source: edge.source, target: edge.target });
        }
        el.data(data);
        el.classes(this.edgeClasses(edge) + this.findingClass(edge.id));
        labelled.add(el);
      }
      const goneGroups = goneEls.nodes().filter((n) => n.data("isGroup") && n.inside());
      for (const group of goneGroups.toArray()) {
        const keep = group.children();
        if (keep.nonempty()) keep.move({ parent: group.parent().nonempty() ? group.parent().id() : null });
      }
      goneGroups.filter((n) => n.inside()).remove();
      this.markEmptyGroups(board);
      this.settleDetail(cy.collection(touched).union(cy.collection([...labelled])).filter((e) => e.inside()));
      if (labelled.size) this.placeEdgeLabels(cy.collection([...labelled].filter((e) => e.inside())));
      for (const id of selected) {
        const el = cy.getElementById(id);
        if (el.nonempty() && !el.selected()) el.select();
      }
    });
    this.declutter();
    this.emitEmpty(board);
    this.dispatchEvent(new CustomEvent("redrawn"));
  }

  // Connection labels sit at the middle of their line; where that covers a component (two close
  // components, a line passing by a third), the label moves sideways, off the line, until it is
  // clear, so it never hides an icon or a component's own label (the steps are the look's, the
  // drawn export's `drawn.clear_edge_labels` moves them the same way). The few labels that move get a
  // style of their own (a mapped style on every edge would cost a restyle of each on load). Only
  // edges drawn in detail: a far one is placed when it comes near (updateDetail).
  placeEdgeLabels(edges) {
    const labelled = edges.filter((e) => this.details.get(e.id()) !== "far" && (e.data("display") || e.scratch("_label")));
    if (labelled.empty()) return;
    const cell = 200;
    const grid = new BoxGrid(cell);
    const { clear_step: step, clear_tries: tries } = this.look.edge.label;
    const sides = [0];
    for (let k = 1; k <= tries; k++) sides.push(k, -k);
    // Each label's middle and half-size, and the cells its places can touch (up to `tries` steps
    // from its line's middle, plus its own size): a component matters only in those cells, the
    // others are passed over without building their boxes, as an edit places the labels of a
    // few lines on a board of thousands of components.
    const reach = tries * step;
    const cells = { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
    const placing = [];
    labelled.forEach((edge) => {
      const s = edge.source().position();
      const t = edge.target().position();
      const text = edge.data("display");
      const w = Math.min(120, text.length * 6.2) / 2 + 4;
      const h = 9 * Math.ceil((text.length * 6.2) / 120);
      const mid = { x: (s.x + t.x) / 2, y: (s.y + t.y) / 2 };
      const len = Math.hypot(t.x - s.x, t.y - s.y) || 1;
      placing.push({ edge, w, h, mid, perp: { x: -(t.y - s.y) / len, y: (t.x - s.x) / len } });
      cells.x1 = Math.min(cells.x1, Math.floor((mid.x - reach - w) / cell));
      cells.x2 = Math.max(cells.x2, Math.floor((mid.x + reach + w) / cell));
      cells.y1 = Math.min(cells.y1, Math.floor((mid.y - reach - h) / cell));
      cells.y2 = Math.max(cells.y2, Math.floor((mid.y + reach + h) / cell));
    });
    this.cy.nodes().forEach((n) => {
      const p = n.position();
      // From the data, not n.width(): inside a batch the style (and so the size) is not computed yet.
      const note = n.hasClass("note");
      const w = (note ? n.data("w") : this.look.node.size) / 2 + 4;
      const h = (note ? n.data("h") : this.look.node.size) / 2 + 4;
      // Below the icon: the component's own label.
      const box = { x1: p.x - Math.max(w, 50), x2: p.x + Math.max(w, 50), y1: p.y - h, y2: p.y + h + (note ? 0 : 22) };
      const outside =
        Math.floor(box.x2 / cell) < cells.x1 || Math.floor(box.x1 / cell) > cells.x2 || Math.floor(box.y2 / cell) < cells.y1 || Math.floor(box.y1 / cell) > cells.y2;
      if (outside || n.isParent() || n.data("isGroup")) return;
      grid.add(box);
    });
    for (const { edge, w, h, mid, perp } of placing) {
      let best = { x: 0, y: 0 };
      for (const k of sides) {
        const dx = perp.x * k * step;
        const dy = perp.y * k * step;
        const box = { x1: mid.x + dx - w, x2: mid.x + dx + w, y1: mid.y + dy - h, y2: mid.y + dy + h };
        if (!grid.hits(box)) {
          best = { x: Math.round(dx), y: Math.round(dy) };
          break;
        }
      }
      const was = edge.scratch("_label") || { x: 0, y: 0 };
      if (was.x === best.x && was.y === best.y) continue;
      edge.scratch("_label", best);
      if (best.x || best.y) edge.style({ "text-margin-x": best.x, "text-margin-y": best.y });
      else edge.removeStyle("text-margin-x text-margin-y");
    }
  }

  // Zoomed out on a board drawn in full, the connection labels that would collide are left out
  // (declutter.js); at the zooms that draw labels at their own size, every one is drawn. (A large
  // board draws far elements without labels and its detail follows the view: not decluttered.)
  declutter() {
    const cy = this.cy;
    const zoomed = this.large ? null : ZOOMED_LABELS[this.scale];
    const tucked = zoomed ? this.collidingLabels(zoomed) : new Set();
    // Kept as ids, so a large board's edit does not look at every connection for the class.
    const was = this.tucked;
    if (!tucked.size && !was.size) return;
    this.tucked = tucked;
    cy.batch(() => {
      for (const id of was) {
        if (!tucked.has(id)) cy.getElementById(id).removeClass("tucked");
      }
      for (const id of tucked) {
        const e = cy.getElementById(id);
        if (!e.hasClass("tucked")) e.addClass("tucked");
      }
    });
  }

  // Where the labels are drawn at a zoomed-out scale, from the data and the look (inside a batch
  // the styles are not computed yet), and which connection labels collide (declutter.js).
  collidingLabels(zoomed) {
    const { node, edge } = this.look;
    const fixed = [];
    const labels = [];
    const half = node.size / 2;
    this.cy.nodes().forEach((n) => {
      if (n.isParent() || n.data("isGroup")) return;
      const p = n.position();
      if (n.hasClass("note")) {
        const w = n.data("w") / 2;
        const h = n.data("h") / 2;
        fixed.push({ x1: p.x - w, x2: p.x + w, y1: p.y - h, y2: p.y + h });
        return;
      }
      fixed.push({ x1: p.x - half, x2: p.x + half, y1: p.y - half, y2: p.y + half });
      const text = n.data("display");
      const size = node.label.size * zoomed.node;
      if (text) fixed.push(textBox(text, size, node.label.wrap * zoomed.nodeWrap, p.x, p.y + half + node.label.gap, { top: true, pad: node.label.padding }));
    });
    this.cy.edges().forEach((e) => {
      const text = e.data("display");
      if (!text || e.hasClass("annotation")) return;
      const s = e.source().position();
      const t = e.target().position();
      const moved = e.scratch("_label") || { x: 0, y: 0 };
      const at = { x: (s.x + t.x) / 2 + moved.x, y: (s.y + t.y) / 2 + moved.y };
      const box = textBox(text, edge.label.size * zoomed.edge, edge.label.wrap * zoomed.edgeWrap, at.x, at.y, { pad: edge.label.padding });
      labels.push({ id: e.id(), box });
    });
    return tuckedLabels(labels, fixed);
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

  // The groups are found from the board, not by a selector over every element: this runs on
  // each change, and a large board has thousands of elements and a few dozen groups.
  markEmptyGroups(board) {
    // Only where it changes: toggling a class restyles the group and everything inside it,
    // even when the class was already right.
    for (const id of board.groups.keys()) {
      const g = this.cy.getElementById(id);
      if (g.empty()) continue;
      const empty = g.children().empty();
      if (g.hasClass("empty-group") !== empty) g.toggleClass("empty-group", empty);
    }
  }

  // The canvas holds the board's components and groups (counted from the board: collecting
  // every node of a large board on each change cost about a millisecond).
  emitEmpty(board) {
    this.dispatchEvent(new CustomEvent("empty", { detail: board.nodes.size + board.groups.size === 0 }));
  }

  viewCenter() {
    const ext = this.cy.extent();
    return { x: snap((ext.x1 + ext.x2) / 2), y: snap((ext.y1 + ext.y2) / 2) };
  }

  // --- geometry ---------------------------------------------------------------------------

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

  // A component's body on screen (container coordinates), without its label, its replica ghost
  // or its outline: where its connection handles go.
  screenBox(node) {
    const p = this.toScreen(node.position());
    const zoom = this.cy.zoom();
    const w = (node.width() / 2) * zoom;
    const h = (node.height() / 2) * zoom;
    return { x1: p.x - w, x2: p.x + w, y1: p.y - h, y2: p.y + h, x: p.x, y: p.y };
  }

  // The component (not a group) whose body, grown by `margin` screen pixels, holds the point:
  // the nearest one when several do.
  nodeAt(clientX, clientY, { margin = 0, except = null } = {}) {
    const rect = this.container.getBoundingClientRect();
    const x = clientX - rect.left;
    const y = clientY - rect.top;
    let best = null;
    let bestDistance = Infinity;
    this.cy.nodes().forEach((node) => {
      if (node.isParent() || node.data("isGroup") || node === except) return;
      const b = this.screenBox(node);
      if (x < b.x1 - margin || x > b.x2 + margin || y < b.y1 - margin || y > b.y2 + margin) return;
      const d = (x - b.x) ** 2 + (y - b.y) ** 2;
      if (d < bestDistance) {
        best = node;
        bestDistance = d;
      }
    });
    return best;
  }

  // --- viewport ---------------------------------------------------------------------------

  zoomAt(level, renderedPosition) {
    const cy = this.cy;
    const clamped = Math.min(cy.maxZoom(), Math.max(cy.minZoom(), level));
    cy.zoom({ level: clamped, renderedPosition: renderedPosition || { x: cy.width() / 2, y: cy.height() / 2 } });
  }

  zoomBy(factor) {
    this.zoomAt(this.cy.zoom() * factor);
  }

  // Wheel and two-finger scroll pan; Ctrl/Cmd + wheel (and trackpad pinch) zoom at the pointer.
  wheel(event) {
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
  }

  // Zoom to show every node and group. On a large board from the node positions (a full
  // bounding box would measure every label first); on a small one from the frames of the
  // components and groups (nested groups reach further than a fixed margin), with room for
  // labels, whose size depends on the zoom being chosen.
  fit() {
    const cy = this.cy;
    const nodes = cy.nodes().not(".group");
    if (nodes.empty()) return;
    let x1 = Infinity;
    let y1 = Infinity;
    let x2 = -Infinity;
    let y2 = -Infinity;
    if (cy.elements().length > SMALL_BOARD) {
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
    } else {
      const bb = cy.nodes().boundingBox({ includeLabels: false, includeOverlays: false, includeUnderlays: false, includeOutlines: false });
      x1 = bb.x1 - 40;
      x2 = bb.x2 + 40;
      y1 = bb.y1 - 10;
      y2 = bb.y2 + 50;
    }
    // The floating toolbar covers the bottom of the canvas: the board is fitted above it.
    const bar = this.stage?.querySelector(".toolbar");
    const covered = bar?.offsetParent ? Math.max(0, cy.container().getBoundingClientRect().bottom - bar.getBoundingClientRect().top) : 0;
    const height = cy.height() - covered;
    const zoom = Math.max(cy.minZoom(), Math.min(1.25, (cy.width() - 80) / (x2 - x1), (height - 40) / (y2 - y1)));
    cy.viewport({ zoom, pan: { x: cy.width() / 2 - ((x1 + x2) / 2) * zoom, y: height / 2 - ((y1 + y2) / 2) * zoom } });
  }

  // Centre the elements' bodies (not their labels) in the view.
  centreOn(eles) {
    const cy = this.cy;
    const bb = eles.boundingBox({ includeLabels: false, includeOverlays: false, includeUnderlays: false, includeOutlines: false });
    const fits = Math.min((cy.width() - 200) / Math.max(bb.w, 1), (cy.height() - 200) / Math.max(bb.h, 1));
    const zoom = Math.max(0.5, Math.min(1.2, fits));
    const pan = { x: cy.width() / 2 - ((bb.x1 + bb.x2) / 2) * zoom, y: cy.height() / 2 - ((bb.y1 + bb.y2) / 2) * zoom };
    cy.viewport({ zoom, pan });
  }

  onViewport() {
    const zoom = this.cy.zoom();
    const pan = this.cy.pan();
    const size = GRID * zoom;
    const show = size >= 6;
    this.container.style.backgroundSize = show ? `${size}px ${size}px` : "0 0";
    this.container.style.backgroundPosition = `${pan.x}px ${pan.y}px`;
    this.queueDetail();
    this.dispatchEvent(new CustomEvent("viewport", { detail: { zoom } }));
  }

  // --- selection --------------------------------------------------------------------------

  // Asked several times per change (the toolbar's buttons, the selection kept across a
  // reconcile): kept until the selection or the set of elements changes rather than found by a
  // selector over every element each time. A copy, so callers may change it.
  selectedIds() {
    if (!this.selection) this.selection = this.cy.$(":selected").map((el) => el.id());
    return this.selection.slice();
  }

  select(ids) {
    const cy = this.cy;
    cy.batch(() => {
      cy.$(":selected").unselect();
      for (const id of ids) cy.getElementById(id).select();
    });
  }

  // --- findings, peers, highlights ---------------------------------------------------------

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

  // A short highlight of found or focused elements (a visual effect; nothing depends on it).
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
      cy.elements("[?peer]").forEach((el) => {
        // Set to null, not removeData(): Cytoscape 3.34's removeData does not restyle, so the
        // outline of a peer who left or deselected stayed on screen.
        if (!byId.has(el.id())) el.data("peer", null);
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
