// The tooltip over the canvas: what is under the pointer, by its label and kind, its notes and
// its review findings (as text, never HTML).

import { kindName, nameOf } from "./labels.js";

export class Tooltip {
  constructor({ el, stage, canvas, sync, findings }) {
    this.el = el;
    const cy = canvas.cy;
    cy.on("mouseover", "node, edge", (event) => {
      const id = event.target.id();
      const board = sync.view;
      const element = board.get(id);
      if (!element) return;
      const kind = board.kindOf(id);
      const lines = [nameOf(board, id)];
      if (kind === "node") lines.push(kindName(element.kind) + (element.props?.tech ? ` · ${element.props.tech}` : ""));
      if (kind === "edge" && element.props?.protocol) lines.push(element.props.protocol + (element.props.async ? " · async" : ""));
      if (element.props?.notes) lines.push(element.props.notes);
      const issues = findings.byElement.get(id);
      if (issues) lines.push(...issues.messages);
      el.replaceChildren(
        ...lines.map((text, i) => {
          const line = document.createElement(i === 0 ? "strong" : "span");
          line.textContent = text;
          return line;
        }),
      );
      const rect = stage.getBoundingClientRect();
      const e = event.originalEvent;
      el.style.transform = `translate(${e.clientX - rect.left + 16}px, ${e.clientY - rect.top + 16}px)`;
      el.hidden = false;
    });
    cy.on("mouseout", "node, edge", () => this.hide());
    cy.on("grab pan zoom", () => this.hide());
  }

  hide() {
    this.el.hidden = true;
  }
}
