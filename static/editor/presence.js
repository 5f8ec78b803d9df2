// Presence: other people's cursors (name and colour), their selections outlined on the canvas,
// and the list of who is here. Our own cursor and selection go out at most ~30 times a second.

const INTERVAL = 33;
const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#469990", "#9a6324"];

// The same colour the server gives a name (whiteboard/collab/protocol.py: colour_for), for
// messages that carry none.
export function colourFor(name) {
  let sum = 0;
  for (const byte of new TextEncoder().encode(name)) sum += byte;
  return PALETTE[sum % PALETTE.length];
}

export class Presence {
  constructor({ canvas, sync, layer, list, me }) {
    this.canvas = canvas;
    this.sync = sync;
    this.layer = layer;
    this.list = list;
    this.me = { user: me, color: colourFor(me), client: null };
    this.peers = new Map(); // client -> {user, color, cursor, selection, el}
    this.lastSent = 0;
    this.timer = null;
    this.outgoing = {};
    sync.addEventListener("snapshot", (e) => this.onSnapshot(e.detail));
    sync.addEventListener("presence", (e) => this.onPresence(e.detail));
    sync.addEventListener("left", (e) => this.onLeft(e.detail));
    sync.addEventListener("status", (e) => {
      if (e.detail.state !== "online") this.clear();
    });
    canvas.addEventListener("viewport", () => this.placeAll());
    canvas.addEventListener("selection", (e) => this.queue({ selection: e.detail }));
    canvas.addEventListener("redrawn", () => this.outlineSelections());
    const container = canvas.container;
    canvas.stage.addEventListener("mousemove", (event) => {
      const p = canvas.toModel(event.clientX, event.clientY);
      this.queue({ cursor: { x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 } });
    });
    container.addEventListener("mouseleave", () => this.queue({ cursor: null }));
    this.render();
  }

  queue(fields) {
    Object.assign(this.outgoing, fields);
    if (this.timer) return;
    const wait = Math.max(0, this.lastSent + INTERVAL - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastSent = performance.now();
      const out = this.outgoing;
      this.outgoing = {};
      this.sync.sendPresence(out.cursor, out.selection);
    }, wait);
  }

  onSnapshot(message) {
    this.clear();
    if (message.client) this.me.client = message.client;
    if (message.color) this.me.color = message.color;
    for (const peer of message.presence || []) this.onPresence(peer, false);
    this.render();
    this.queue({ selection: this.canvas.selectedIds() });
  }

  onPresence(message, render = true) {
    if (!message.client || message.client === this.me.client) return;
    let peer = this.peers.get(message.client);
    if (!peer) {
      peer = { user: message.user || "someone", color: message.color || colourFor(message.user || ""), cursor: null, selection: [], el: null };
      this.peers.set(message.client, peer);
      if (render) this.render();
    }
    if ("cursor" in message) {
      peer.cursor = message.cursor;
      this.place(message.client, peer);
    }
    if ("selection" in message) {
      peer.selection = message.selection || [];
      this.outlineSelections();
    }
  }

  onLeft(message) {
    const peer = this.peers.get(message.client);
    if (!peer) return;
    peer.el?.remove();
    this.peers.delete(message.client);
    this.outlineSelections();
    this.render();
  }

  clear() {
    for (const peer of this.peers.values()) peer.el?.remove();
    this.peers.clear();
    this.outlineSelections();
    this.render();
  }

  place(client, peer) {
    if (!peer.cursor) {
      if (peer.el) peer.el.hidden = true;
      return;
    }
    if (!peer.el) {
      const el = document.createElement("div");
      el.className = "peer-cursor";
      el.dataset.client = client;
      el.style.setProperty("--peer", peer.color);
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("viewBox", "0 0 20 20");
      svg.setAttribute("width", "20");
      svg.setAttribute("height", "20");
      const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
      path.setAttribute("d", "M3 2l5.5 15 2.2-6.1L17 8.6z");
      svg.append(path);
      const name = document.createElement("span");
      name.className = "peer-name";
      name.textContent = peer.user;
      el.append(svg, name);
      this.layer.append(el);
      peer.el = el;
    }
    const p = this.canvas.toScreen(peer.cursor);
    peer.el.hidden = false;
    peer.el.style.transform = `translate(${p.x}px, ${p.y}px)`;
  }

  placeAll() {
    for (const [client, peer] of this.peers) this.place(client, peer);
  }

  outlineSelections() {
    const byId = new Map();
    for (const peer of this.peers.values()) for (const id of peer.selection) byId.set(id, peer.color);
    this.canvas.setPeerSelections(byId);
  }

  render() {
    const list = this.list;
    list.replaceChildren();
    const people = [{ ...this.me, self: true }, ...this.peers.values()];
    const seen = new Set();
    for (const person of people) {
      if (seen.has(person.user) && !person.self) continue;
      seen.add(person.user);
      const avatar = document.createElement("span");
      avatar.className = person.self ? "avatar self" : "avatar";
      avatar.style.setProperty("--peer", person.color);
      avatar.textContent = initials(person.user);
      avatar.title = person.self ? `${person.user} (you)` : person.user;
      avatar.dataset.user = person.user;
      list.append(avatar);
    }
    const count = document.createElement("span");
    count.className = "peer-count";
    count.textContent = seen.size === 1 ? "Only you" : `${seen.size} here`;
    list.append(count);
  }
}

function initials(name) {
  const parts = name.split(/[\s._-]+/).filter(Boolean);
  const text = parts.length > 1 ? parts[0][0] + parts[1][0] : name.slice(0, 2);
  return text.toUpperCase();
}
