// The WebSocket session of SPEC section 5: snapshot, ops, optimistic apply with rollback,
// version gaps, reconnect with backoff, and edits queued while offline.
//
// Two boards are kept: `server`, the board at `version` as the server ordered it, and `view`,
// `server` with this client's unconfirmed ops replayed on top (what is on screen). When nothing
// is pending they are the same object, so a remote op costs one apply.
//
// Liveness: a heartbeat both ways (whiteboard/collab/protocol.py). The client pings when it has
// sent nothing for PING_EVERY and answers the server's pings; when it has heard nothing for
// SILENCE (a network that dropped without closing the socket) it gives the socket up and
// reconnects, and the browser's `offline` event does the same at once.
//
// Events (EventTarget): "change" {touched, remote, arrived}, "status" {state, text},
// "rejected" {error}, "snapshot" {message}, "presence", "left", "review", "confirmed", "role"
// {role}, and the design-review pushes "comment" {event, thread} and "review_status".

import { Board, OpError } from "./model.js";

const BACKOFF = [250, 500, 1000, 2000, 4000, 8000];
const CLOSE_FORBIDDEN = 4403;
const PING_EVERY = 2000;
const SILENCE = 4000;
// A new socket may take longer than that to bring its snapshot (a 2 MiB board on a slow link).
const SNAPSHOT_WAIT = 15000;
const WATCH_EVERY = 500;

export class Sync extends EventTarget {
  constructor({ url, board, version, user, readOnly }) {
    super();
    this.url = url;
    this.user = user;
    this.readOnly = readOnly;
    this.server = new Board(board);
    this.view = this.server;
    this.version = version;
    this.pending = []; // [{op_id, op, sent}]
    this.ahead = new Map(); // version -> applied message that came before the ones it follows
    this.syncing = false;
    this.ws = null;
    this.state = "connecting";
    this.attempt = 0;
    this.session = Math.random().toString(36).slice(2, 8);
    this.counter = 0;
    this.clientId = null;
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}${this.url}`);
    this.ws = ws;
    this.opened = this.heard = this.sent = performance.now();
    this.setState(this.attempt ? "reconnecting" : "connecting");
    ws.addEventListener("message", (event) => {
      if (event.target === this.ws) this.onMessage(event);
    });
    ws.addEventListener("close", (event) => this.onClose(event));
    if (!this.watch) this.watch = setInterval(() => this.checkLiveness(), WATCH_EVERY);
  }

  // The heartbeat's clock: a ping when we have been quiet, and a socket that has gone silent, or
  // that opened but brought no snapshot, given up (its `close` may not come for minutes on a
  // dropped network).
  checkLiveness() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const now = performance.now();
    const live = this.state === "online";
    if (now - (live ? this.heard : this.opened) > (live ? SILENCE : SNAPSHOT_WAIT)) {
      return this.abandon("reconnecting", "The connection went silent: reconnecting.");
    }
    if (now - this.sent >= PING_EVERY) this.send({ type: "ping" });
  }

  // Stop using the current socket (its late messages and close are ignored) and connect again.
  abandon(state, text) {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    this.syncing = false;
    ws.close();
    this.attempt += 1;
    this.setState(state, text);
    if (state === "reconnecting") this.connect();
  }

  // The browser says the network is gone: say so now, and reconnect when it is back (`retry`).
  offline() {
    clearTimeout(this.retryTimer);
    if (this.ws) this.abandon("offline", "The browser is offline.");
    else if (this.state !== "forbidden") this.setState("offline", "The browser is offline.");
  }

  onClose(event) {
    if (event.target !== this.ws) return;
    this.ws = null;
    this.syncing = false;
    if (event.code === CLOSE_FORBIDDEN) {
      this.setState("forbidden", event.reason || "You no longer have access to this board.");
      return;
    }
    const delay = BACKOFF[Math.min(this.attempt, BACKOFF.length - 1)] * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    this.setState("offline", event.reason || "");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  // Reconnect now (used by the "Retry" button and when the browser comes back online).
  retry() {
    if (this.ws || this.state === "forbidden") return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  setState(state, text = "") {
    this.state = state;
    this.dispatchEvent(new CustomEvent("status", { detail: { state, text, pending: this.pending.length } }));
  }

  get online() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN && this.state === "online";
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
      this.sent = performance.now();
      return true;
    }
    return false;
  }

  // --- local edits ------------------------------------------------------------------------

  // Apply an op on screen now and send it (or queue it while offline). Returns the op_id, or
  // null when the op does not fit the board as shown (nothing is sent then).
  submit(op) {
    if (this.readOnly) {
      this.toast("This board is view only.");
      return null;
    }
    const view = this.pending.length ? this.view : this.server.clone();
    let touched;
    try {
      touched = view.apply(op);
    } catch (error) {
      if (error instanceof OpError) {
        this.toast(error.message);
        return null;
      }
      throw error;
    }
    this.view = view;
    const op_id = `${this.session}-${++this.counter}`;
    const entry = { op_id, op, sent: false };
    this.pending.push(entry);
    if (this.online) entry.sent = this.send({ type: "op", op_id, op });
    this.emitChange(touched, false);
    if (!this.online) this.setState(this.state, "");
    return op_id;
  }

  toast(text) {
    this.dispatchEvent(new CustomEvent("rejected", { detail: { error: text, local: true } }));
  }

  // --- server messages --------------------------------------------------------------------

  onMessage(event) {
    const t0 = performance.now();
    this.heard = t0;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    switch (message.type) {
      case "snapshot":
        this.onSnapshot(message);
        break;
      case "applied":
        this.onApplied(message, t0);
        break;
      case "ops":
        this.syncing = false;
        for (const applied of message.ops) this.onApplied(applied, t0, true);
        this.drainAhead(t0);
        break;
      case "rejected":
        this.onRejected(message);
        break;
      case "ping":
        this.send({ type: "pong" });
        break;
      case "role":
        this.readOnly = message.role === "viewer";
        this.dispatchEvent(new CustomEvent("role", { detail: message }));
        break;
      case "presence":
      case "left":
      case "review":
      case "comment":
      case "review_status":
        this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
        break;
      default:
        break;
    }
  }

  onSnapshot(message) {
    this.syncing = false;
    this.ahead.clear();
    if (message.client) this.clientId = message.client;
    const before = this.view;
    const firstLoad = this.state === "connecting" && message.version === this.version && !this.pending.length;
    this.server = new Board(message.board);
    this.version = message.version;
    this.rebuild();
    this.attempt = 0;
    this.setState("online");
    this.dispatchEvent(new CustomEvent("snapshot", { detail: message }));
    if (!firstLoad) this.emitChange(diffIds(before, this.view), true);
    // Edits made while offline (or sent but not confirmed) go out again in order; an op_id the
    // server already applied is answered with its original `applied`, never applied twice.
    for (const entry of this.pending) entry.sent = this.send({ type: "op", op_id: entry.op_id, op: entry.op });
  }

  onApplied(message, t0, fromSync = false) {
    const mine = message.user === this.user ? this.pending.findIndex((p) => p.op_id === message.op_id) : -1;
    if (message.version <= this.version) {
      // Already in `server` (a resend answered from the log, or a sync overlap).
      if (mine >= 0) this.confirm(mine, message);
      return;
    }
    if (message.version > this.version + 1) {
      this.ahead.set(message.version, message);
      if (!this.syncing && !fromSync) {
        this.syncing = true;
        this.send({ type: "sync", since: this.version });
      }
      return;
    }
    const touched = new Set();
    try {
      this.server.apply(message.op, touched);
    } catch (error) {
      // Our copy no longer matches the server's: start again from a snapshot.
      console.warn("archboard: could not apply", message.version, error);
      this.version = 0;
      this.server = new Board({ format: "archboard/1", nodes: [], edges: [] });
      this.syncing = true;
      this.send({ type: "sync", since: 0 });
      return;
    }
    this.version = message.version;
    if (mine >= 0) {
      this.pending.splice(mine, 1);
      this.dispatchEvent(new CustomEvent("confirmed", { detail: message }));
    }
    if (this.pending.length) {
      const before = this.view;
      this.rebuild(touched);
      if (mine >= 0) for (const id of diffIds(before, this.view)) touched.add(id);
    } else {
      const before = this.view;
      this.view = this.server;
      if (before !== this.server) for (const id of diffIds(before, this.view)) touched.add(id);
    }
    this.emitChange(touched, mine < 0, mine < 0 ? t0 : null);
    if (!fromSync) this.drainAhead(t0);
  }

  drainAhead(t0) {
    while (this.ahead.has(this.version + 1)) {
      const next = this.ahead.get(this.version + 1);
      this.ahead.delete(this.version + 1);
      this.onApplied(next, t0, true);
    }
    for (const v of [...this.ahead.keys()]) if (v <= this.version) this.ahead.delete(v);
  }

  confirm(index, message) {
    this.pending.splice(index, 1);
    const before = this.view;
    this.rebuild();
    this.dispatchEvent(new CustomEvent("confirmed", { detail: message }));
    this.emitChange(diffIds(before, this.view), false);
  }

  onRejected(message) {
    const index = this.pending.findIndex((p) => p.op_id === message.op_id);
    if (index >= 0) {
      const [entry] = this.pending.splice(index, 1);
      const before = this.view;
      this.rebuild();
      this.emitChange(diffIds(before, this.view), false);
      this.dispatchEvent(new CustomEvent("rejected", { detail: { error: message.error, errors: message.errors, op: entry.op } }));
    } else {
      this.dispatchEvent(new CustomEvent("rejected", { detail: { error: message.error } }));
    }
  }

  // view = server + pending ops (an op that no longer fits is left for the server to reject).
  rebuild(touched = null) {
    if (!this.pending.length) {
      this.view = this.server;
      return;
    }
    const view = this.server.clone();
    for (const entry of this.pending) {
      try {
        view.apply(entry.op, touched || undefined);
      } catch (error) {
        if (!(error instanceof OpError)) throw error;
      }
    }
    this.view = view;
  }

  // `arrived`: when the frame of another client's op arrived (performance.now()), for the
  // on-screen latency the page measures (main.js), or null.
  emitChange(touched, remote, arrived = null) {
    this.dispatchEvent(new CustomEvent("change", { detail: { touched, remote, arrived } }));
  }

  sendPresence(cursor, selection) {
    if (!this.online) return;
    const message = { type: "presence" };
    if (cursor !== undefined) message.cursor = cursor;
    if (selection !== undefined) message.selection = selection.slice(0, 1000);
    this.send(message);
  }
}

// Ids whose element differs (by identity: elements are immutable) between two boards.
export function diffIds(a, b) {
  const touched = new Set();
  if (a === b) return touched;
  for (const section of ["nodes", "edges", "groups"]) {
    const left = a[section];
    const right = b[section];
    for (const [id, element] of left) if (right.get(id) !== element) touched.add(id);
    for (const id of right.keys()) if (!left.has(id)) touched.add(id);
  }
  if (JSON.stringify(a.top) !== JSON.stringify(b.top)) touched.add("@board");
  return touched;
}
