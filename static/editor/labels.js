// What a person reads for an element: its label, else what it is (the kind's name, "A → B" for
// a connection), never its internal id unless there is nothing else. Used by tooltips, toasts,
// the panels and the find bar.

let kinds = {};

export function useKinds(table) {
  kinds = table;
}

export function kindName(kind) {
  return kinds[kind]?.name || kind;
}

export function nameOf(board, id) {
  const node = board.nodes.get(id);
  if (node) return node.label || kindName(node.kind);
  const edge = board.edges.get(id);
  if (edge) return edge.label || `${nameOf(board, edge.source)} → ${nameOf(board, edge.target)}`;
  const group = board.groups.get(id);
  if (group) return group.label || "Group";
  return id;
}

// "node", "connection", "group" as a person says it.
export function typeOf(board, id) {
  const kind = board.kindOf(id);
  if (kind === "edge") return "connection";
  if (kind === "node") return kinds[board.nodes.get(id).kind]?.category === "annotation" ? "note" : "component";
  return kind || "element";
}

// An error message (from the model or the server) with the element ids it quotes replaced by
// the elements' names, where the board still knows them.
export function describeError(message, ...boards) {
  return String(message).replace(/'([A-Za-z0-9_.:-]{1,64})'/g, (whole, id) => {
    const board = boards.find((b) => b && b.has(id));
    return board ? `“${nameOf(board, id)}”` : whole;
  });
}
