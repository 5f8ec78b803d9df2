// The palette: search the components, drag one onto the canvas, or click (tap) it to arm it and
// then click (tap) the canvas (the input state machine's `place` state does the placing). A search
// that names a technology ("redis") shows it on its kind's item, and the component placed from
// there uses it.

export class Palette {
  constructor({ root, stage, kinds, readOnly, onArm, onDrop }) {
    this.root = root;
    this.kinds = kinds;
    this.stage = stage;
    this.onArm = onArm; // a click on an item: arm it, or disarm it when armed
    this.pointerType = "mouse"; // of the last press on a palette item (for the hint's wording)
    this.hint = stage.querySelector("#placing-hint");
    this.search = root.querySelector("#palette-search");
    this.search.addEventListener("input", () => this.filter(this.search.value));
    this.search.addEventListener("keydown", (event) => {
      event.stopPropagation();
      if (event.key === "Escape") {
        this.search.value = "";
        this.filter("");
        this.search.blur();
      } else if (event.key === "Enter") {
        const first = root.querySelector(".palette-item:not([hidden])");
        if (first) this.onArm(first.dataset.kind, first.dataset.tech);
        this.search.blur();
      }
    });
    if (readOnly) return;
    for (const item of root.querySelectorAll(".palette-item")) {
      item.addEventListener("dragstart", (event) => {
        event.dataTransfer.setData("application/x-archboard-kind", item.dataset.kind);
        if (item.dataset.tech) event.dataTransfer.setData("application/x-archboard-tech", item.dataset.tech);
        event.dataTransfer.setData("text/plain", item.dataset.kind);
        event.dataTransfer.effectAllowed = "copy";
        const img = item.querySelector("img");
        if (img) event.dataTransfer.setDragImage(img, 18, 18);
      });
      item.addEventListener("pointerdown", (event) => {
        this.pointerType = event.pointerType;
      });
      item.addEventListener("click", () => this.onArm(item.dataset.kind, item.dataset.tech));
    }
    stage.addEventListener("dragover", (event) => {
      if ([...event.dataTransfer.types].includes("application/x-archboard-kind")) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        stage.classList.add("drop-target");
      }
    });
    stage.addEventListener("dragleave", () => stage.classList.remove("drop-target"));
    stage.addEventListener("drop", (event) => {
      stage.classList.remove("drop-target");
      const kind = event.dataTransfer.getData("application/x-archboard-kind");
      if (!kind) return;
      event.preventDefault();
      onDrop(kind, event.clientX, event.clientY, event.dataTransfer.getData("application/x-archboard-tech") || null);
    });
    stage.addEventListener("mousemove", (event) => {
      if (this.hint.hidden) return;
      const rect = stage.getBoundingClientRect();
      this.hint.style.transform = `translate(${event.clientX - rect.left + 14}px, ${event.clientY - rect.top + 14}px)`;
    });
  }

  // Show which item is armed (null: none).
  showArmed(kind, tech = null) {
    this.root.querySelectorAll(".palette-item.armed").forEach((el) => el.classList.remove("armed"));
    if (!kind) {
      this.hint.hidden = true;
      return;
    }
    const item = this.root.querySelector(`.palette-item[data-kind="${CSS.escape(kind)}"]`);
    item?.classList.add("armed");
    const name = tech ? this.kinds[kind]?.techs.find((t) => t.id === tech)?.name || tech : item ? item.title.split(":")[0] : kind;
    this.hint.textContent =
      this.pointerType === "touch" || this.pointerType === "pen" ? `Tap the canvas to place ${name} · tap ${name} again to cancel` : `Click to place ${name} · Esc to cancel`;
    this.hint.hidden = false;
  }

  filter(text) {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const section of this.root.querySelectorAll(".palette-category")) {
      let visible = 0;
      for (const item of section.querySelectorAll(".palette-item")) {
        const match = words.every((w) => item.dataset.search.includes(w));
        item.hidden = !match;
        this.showTech(item, match ? this.techMatching(item.dataset.kind, words) : null);
        if (match) visible += 1;
      }
      section.hidden = visible === 0;
      shown += visible;
    }
    this.root.querySelector(".palette-empty").hidden = shown > 0;
  }

  // The technology a search names on this kind's item, unless the words name the kind itself.
  techMatching(kind, words) {
    const entry = this.kinds[kind];
    const kindText = `${kind} ${entry.name.toLowerCase()}`;
    if (!words.length || words.every((w) => kindText.includes(w))) return null;
    return entry.techs.find((t) => words.every((w) => `${t.id} ${t.name.toLowerCase()}`.includes(w) || kindText.includes(w))) || null;
  }

  showTech(item, tech) {
    if ((item.dataset.tech || null) === (tech?.id || null)) return;
    const entry = this.kinds[item.dataset.kind];
    const img = item.querySelector("img");
    const name = item.querySelector("span:last-child");
    if (tech) item.dataset.tech = tech.id;
    else delete item.dataset.tech;
    if (img) img.src = tech ? tech.icon : entry.icon;
    name.textContent = tech ? tech.name : entry.name;
  }

  focusSearch() {
    this.search.focus();
    this.search.select();
  }
}
