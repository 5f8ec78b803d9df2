// A finished drag as ops: the moved components at their snapped positions, and for what was
// dropped inside a group (as it was when the drag started) or outside every group, its new
// group. One op for one component, a batch for several, so one undo takes the gesture back.

import { snap } from "./canvas.js";

// What the drag needs to remember from its start: where everything was, and each group's area.
export function dragStart(cy) {
  const start = new Map();
  cy.nodes().forEach((n) => {
    if (!n.isParent()) start.set(n.id(), { ...n.position() });
  });
  const areas = cy.nodes(".group").map((g) => ({ id: g.id(), box: g.boundingBox({ includeLabels: false }), depth: g.ancestors().length }));
  return { start, areas };
}

export function moveOps(cy, board, { start, areas }) {
  const ops = [];
  cy.nodes().forEach((n) => {
    const before = start.get(n.id());
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
  const grabbedTop = [];
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
    for (const area of areas) {
      if (exclude.has(area.id) || !inside(point, area.box)) continue;
      if (!best || area.depth > best.depth) best = area;
    }
    const target = best ? best.id : null;
    if (isGroup) {
      const current = board.groups.get(el.id())?.parent ?? null;
      if (target !== current) ops.push({ action: "update_group", id: el.id(), set: { parent: target } });
    } else {
      const current = board.nodes.get(el.id())?.group ?? null;
      if (target !== current) ops.find((o) => o.id === el.id() && o.action === "update_node").set.group = target;
    }
  }
  if (!ops.length) return null;
  return ops.length === 1 ? ops[0] : { action: "batch", ops };
}

function inside(p, box) {
  return p.x >= box.x1 && p.x <= box.x2 && p.y >= box.y1 && p.y <= box.y2;
}

function centre(box) {
  return { x: (box.x1 + box.x2) / 2, y: (box.y1 + box.y2) / 2 };
}
