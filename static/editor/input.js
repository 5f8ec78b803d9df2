// Input as one explicit state machine: pointer, touch and keyboard events go to the current
// state, and only events move it to another state (never a timer). The states:
//
//   idle      nothing under the pointer
//   hover     over a component: its four connection handles are shown
//   drag      Cytoscape moves the grabbed components; at the release they become one op
//   box       Cytoscape draws a selection box
//   pan       the canvas follows the mouse (Pan tool, Space held, middle button) or a finger
//   pinch     two fingers zoom (Cytoscape's touch gestures)
//   connect   a connection is drawn from a handle (or, with the Connect tool, from a body)
//   place     a palette item is armed: the next press on the canvas places it
//   edittext  a label is edited in place (textedit.js)
//
// Besides the state, the machine keeps what the events told it: the tool (select, pan,
// connect), the input device (mouse or touch: Cytoscape's touch gestures are on only while the
// touch screen is in use) and whether Space is held. Cytoscape's own settings (grabbable,
// box selection, touch pan and zoom) are derived from all of these in one place, `configure`.

const HOVER_MARGIN = 18; // px around a body that still counts as over it (its handles are there)

const STATES = {
  idle: {
    pointermove(e) {
      this.hoverAt(e);
    },
    pointerdown(e) {
      this.press(e);
    },
    touchstart(e) {
      this.touchBegins(e);
    },
    grabon(node) {
      this.transition("drag", this.host.dragStart());
      this.state.data.node = node;
    },
    boxstart() {
      this.transition("box");
    },
    dbltap(el) {
      this.doubleTap(el);
    },
  },
  hover: {
    enter({ node }) {
      node.addClass("hover");
      if (this.editable() && this.tool === "select" && !this.space) this.handles.show(node);
    },
    exit({ node }) {
      if (node.inside()) node.removeClass("hover");
      this.handles.hide();
    },
    redraw() {
      if (this.state.data.node.removed()) this.transition("idle");
      else this.handles.place();
    },
    pointermove(e) {
      this.hoverAt(e);
    },
    pointerdown(e) {
      this.press(e);
    },
    touchstart(e) {
      this.transition("idle");
      this.touchBegins(e);
    },
    grabon(node) {
      this.transition("drag", this.host.dragStart());
      this.state.data.node = node;
    },
    boxstart() {
      this.transition("box");
    },
    dbltap(el) {
      this.doubleTap(el);
    },
  },
  drag: {
    // Cytoscape reports the double click of a component before it frees it: the label editor
    // opens once the gesture is over.
    dbltap(el) {
      this.state.data.edit = el;
    },
    freeon() {
      const { edit, ...start } = this.state.data;
      this.transition("idle");
      this.host.moved(start);
      if (edit) this.doubleTap(edit);
      else if (this.last) this.hoverAt(this.last);
    },
  },
  box: {
    boxend() {
      this.transition("idle");
    },
  },
  pan: {
    pointermove(e) {
      const data = this.state.data;
      if (data.touch) return;
      this.canvas.cy.panBy({ x: e.clientX - data.x, y: e.clientY - data.y });
      data.x = e.clientX;
      data.y = e.clientY;
    },
    pointerup(e) {
      if (!this.state.data.touch) this.transition("idle");
      this.hoverAt(e);
    },
    touchstart() {
      if (this.fingers >= 2) this.transition("pinch");
    },
    touchend() {
      if (!this.fingers) this.transition("idle");
    },
  },
  pinch: {
    touchend() {
      if (!this.fingers) this.transition("idle");
    },
  },
  connect: {
    enter({ source, side }) {
      source.addClass("hover");
      this.handles.drawPreview(source, side, this.last?.clientX ?? 0, this.last?.clientY ?? 0);
    },
    exit({ source, target }) {
      if (source.inside()) source.removeClass("hover");
      if (target?.inside()) target.removeClass("connect-target");
      this.handles.hidePreview();
    },
    pointermove(e) {
      const data = this.state.data;
      const target = this.canvas.nodeAt(e.clientX, e.clientY, { margin: 4, except: data.source });
      if (target !== data.target) {
        data.target?.removeClass("connect-target");
        target?.addClass("connect-target");
        data.target = target;
      }
      this.handles.drawPreview(data.source, data.side, e.clientX, e.clientY);
    },
    pointerup(e) {
      const { source } = this.state.data;
      const target = this.canvas.nodeAt(e.clientX, e.clientY, { margin: 4, except: source });
      this.transition("idle");
      if (target) this.host.connect(source.id(), target.id());
      this.hoverAt(e);
    },
    cancel() {
      this.transition("idle");
      return true;
    },
  },
  place: {
    enter({ kind, tech }) {
      this.host.arm(kind, tech);
    },
    exit() {
      this.host.arm(null);
    },
    // A press by mouse, finger or pen places the component; Shift keeps the item armed.
    pointerdown(e) {
      if (e.button !== 0 || !this.inCanvas(e)) return;
      block(e);
      const { kind, tech } = this.state.data;
      if (!e.shiftKey) this.transition("idle");
      this.host.place(kind, e.clientX, e.clientY, tech);
    },
    cancel() {
      this.transition("idle");
      return true;
    },
  },
  edittext: {
    enter({ id, initial }) {
      this.host.openEditor(id, initial);
    },
    exit(data, info) {
      this.host.closeEditor(info);
    },
    editdone() {
      this.transition("idle");
    },
    // A press elsewhere keeps what was typed (the editor commits on leaving) and is then an
    // ordinary press.
    pointerdown(e) {
      if (!this.inCanvas(e)) return;
      this.transition("idle");
      this.press(e);
    },
    cancel() {
      this.transition("idle", null, { cancelled: true });
      return true;
    },
  },
};

export class InputMachine extends EventTarget {
  constructor({ canvas, handles, stage, readOnly, host }) {
    super();
    this.canvas = canvas;
    this.handles = handles;
    this.stage = stage;
    this.readOnly = readOnly;
    this.host = host; // what the gestures do: dragStart, moved, connect, arm, place, openEditor, closeEditor, doubleTapCanvas
    this.state = { name: "idle", data: {} };
    this.tool = "select";
    this.device = "mouse";
    this.space = false;
    this.fingers = 0;
    this.last = null; // the last pointer position seen ({clientX, clientY})
    this.bind();
    this.configure();
  }

  get name() {
    return this.state.name;
  }

  editable() {
    return !this.readOnly;
  }

  // --- the machine ------------------------------------------------------------------------

  send(type, event) {
    const handler = STATES[this.state.name][type];
    return handler ? handler.call(this, event) : undefined;
  }

  transition(name, data = {}, exitInfo = {}) {
    const old = this.state;
    STATES[old.name].exit?.call(this, old.data, exitInfo);
    this.state = { name, data: data || {} };
    this.stage.dataset.state = name;
    STATES[name].enter?.call(this, this.state.data);
    this.configure();
    this.dispatchEvent(new CustomEvent("state", { detail: { name, from: old.name } }));
  }

  // Cytoscape's settings and the stage's cursor, from the state, the tool, the device and Space.
  configure() {
    const cy = this.canvas.cy;
    const panning = this.tool === "pan" || this.space;
    const name = this.state.name;
    const busy = name === "connect" || name === "place" || name === "edittext" || (name === "pan" && !this.state.data.touch);
    cy.userPanningEnabled(this.device === "touch");
    cy.userZoomingEnabled(this.device === "touch");
    cy.boxSelectionEnabled(!panning && this.tool !== "connect");
    cy.autoungrabify(this.readOnly || panning || this.tool === "connect" || busy);
    this.stage.classList.toggle("panning", panning || this.state.name === "pan");
    this.stage.classList.toggle("connecting", (this.tool === "connect" && !panning) || this.state.name === "connect");
    this.stage.classList.toggle("placing", this.state.name === "place");
    this.stage.dataset.tool = this.tool;
  }

  // --- what the rest of the editor asks ----------------------------------------------------

  setTool(tool) {
    if (this.readOnly && tool === "connect") return;
    if (this.state.name !== "idle") this.transition("idle");
    this.tool = tool;
    this.configure();
    this.dispatchEvent(new CustomEvent("tool", { detail: tool }));
  }

  setSpace(down) {
    if (this.space === down) return;
    this.space = down;
    if (this.state.name === "hover") this.transition("idle");
    this.configure();
  }

  // Arm a palette item (or disarm it when it is already armed).
  togglePlacing(kind, tech = null) {
    if (this.state.name === "place" && this.state.data.kind === kind) this.transition("idle");
    else this.startPlacing(kind, tech);
  }

  startPlacing(kind, tech = null) {
    if (this.readOnly) return;
    this.transition("place", { kind, tech: tech || null });
  }

  editText(id, initial = null) {
    if (this.readOnly) return;
    if (this.state.name === "edittext") this.transition("idle");
    this.transition("edittext", { id, initial });
  }

  // Esc: leave the gesture in progress; false when there was none.
  cancel() {
    return this.send("cancel") === true;
  }

  // --- events in ----------------------------------------------------------------------------

  // Whether an event's target is the canvas or something drawn on it (connection handles, the
  // connection preview, badges, comment markers, cursors): the wheel zooms there as anywhere on
  // the canvas. The stage's own controls (toolbar, find bar, the text being edited) keep theirs.
  overCanvas(target) {
    if (this.canvas.container.contains(target)) return true;
    return Boolean(target?.closest?.(".edge-handle, .connect-preview, .overlay, .empty-hint, .placing-hint"));
  }

  bind() {
    const stage = this.stage;
    const cy = this.canvas.cy;
    // Capturing, on the stage: before Cytoscape's own handlers of the same event, so the
    // device, the tool and Space are settled before Cytoscape acts on a press.
    stage.addEventListener(
      "pointerdown",
      (e) => {
        this.last = e;
        if (e.pointerType !== "touch" && !this.fingers && this.device !== "mouse") {
          this.device = "mouse";
          this.configure();
        }
        this.send("pointerdown", e);
      },
      true,
    );
    window.addEventListener(
      "pointermove",
      (e) => {
        if (e.pointerType === "touch") return;
        this.last = e;
        this.send("pointermove", e);
      },
      true,
    );
    window.addEventListener("pointerup", (e) => e.pointerType !== "touch" && this.send("pointerup", e), true);
    window.addEventListener("pointercancel", () => this.send("cancel"), true);
    stage.addEventListener("pointerleave", (e) => {
      if (this.state.name === "hover" && e.pointerType !== "touch") this.transition("idle");
    });
    stage.addEventListener(
      "wheel",
      (e) => {
        if (!this.overCanvas(e.target)) return;
        if (!this.fingers && this.device !== "mouse") {
          this.device = "mouse";
          this.configure();
        }
        e.preventDefault();
        this.canvas.wheel(e);
      },
      { capture: true, passive: false },
    );
    // Touch screens use Cytoscape's own gestures (one finger on the background pans, two pinch,
    // one on a component moves it). Lifting the fingers does not end touch mode: Cytoscape must
    // still see the end of the gesture with its touch settings; the next mouse press or wheel
    // does (above), before Cytoscape handles that event.
    this.canvas.container.style.touchAction = "none";
    stage.addEventListener(
      "touchstart",
      (e) => {
        if (!this.canvas.container.contains(e.target)) return;
        this.fingers = e.touches.length;
        if (this.device !== "touch") {
          this.device = "touch";
          this.configure();
        }
        this.send("touchstart", e);
      },
      { capture: true, passive: true },
    );
    const lift = (e) => {
      this.fingers = e.touches.length;
      this.send("touchend", e);
    };
    window.addEventListener("touchend", lift, { passive: true });
    window.addEventListener("touchcancel", lift, { passive: true });
    window.addEventListener("blur", () => {
      this.setSpace(false);
      this.send("cancel");
    });
    cy.on("grabon", "node", (e) => this.send("grabon", e.target));
    cy.on("freeon", "node", () => this.send("freeon"));
    cy.on("boxstart", () => this.send("boxstart"));
    cy.on("boxend", () => this.send("boxend"));
    cy.on("dbltap", (e) => this.send("dbltap", e.target));
    cy.on("viewport position remove", () => this.send("redraw"));
  }

  // --- shared by the states -----------------------------------------------------------------

  inCanvas(e) {
    return this.canvas.container.contains(e.target) || e.target.classList?.contains("edge-handle");
  }

  hoverAt(e) {
    if (this.device !== "mouse" || e.buttons) return;
    if (!this.inCanvas(e)) {
      if (this.state.name === "hover") this.transition("idle");
      return;
    }
    // Over a handle of the shown component: still over that component, whatever is near.
    if (this.state.name === "hover" && this.handles.sideAt(e.clientX, e.clientY)) return;
    const node = this.canvas.nodeAt(e.clientX, e.clientY, { margin: HOVER_MARGIN });
    if (node) {
      if (this.state.name !== "hover" || this.state.data.node !== node) this.transition("hover", { node });
    } else if (this.state.name === "hover") {
      this.transition("idle");
    }
  }

  // A mouse or pen press in idle or hover. What Cytoscape should not see is blocked here;
  // everything else (a press on a component, on an edge, on the background) goes on to
  // Cytoscape, whose grabon / boxstart move the machine on.
  press(e) {
    if (e.pointerType === "touch") return;
    const side = this.state.name === "hover" ? this.handles.sideAt(e.clientX, e.clientY) : null;
    if (!side && !this.canvas.container.contains(e.target)) return;
    if (e.button === 1 || (e.button === 0 && (this.tool === "pan" || this.space))) {
      block(e);
      this.transition("pan", { x: e.clientX, y: e.clientY });
      return;
    }
    if (e.button !== 0 || !this.editable()) return;
    if (side) {
      block(e);
      this.transition("connect", { source: this.state.data.node, side });
      return;
    }
    if (this.tool === "connect") {
      block(e);
      const node = this.canvas.nodeAt(e.clientX, e.clientY);
      if (node) this.transition("connect", { source: node, side: this.handles.nearestSide(node, e.clientX, e.clientY) });
    }
  }

  touchBegins(e) {
    if (this.fingers >= 2) {
      this.transition("pinch");
      return;
    }
    const touch = e.touches[0];
    if (!this.canvas.nodeAt(touch.clientX, touch.clientY)) this.transition("pan", { touch: true });
  }

  doubleTap(el) {
    if (!this.editable()) return;
    if (el === this.canvas.cy) this.host.doubleTapCanvas(this.last);
    else this.transition("edittext", { id: el.id(), initial: null });
  }
}

// Keep a press from Cytoscape (and from the browser's own handling: no text selection, no
// focus change, no compatibility mouse events).
function block(e) {
  e.preventDefault();
  e.stopPropagation();
}
