// The Export menu's picture options (SPEC section 7): layout, scale, width and a transparent
// background, written into the PNG, SVG and PDF links' query strings. The links work without
// this module too, with the server's defaults.
//
// With a page width chosen, the menu says how large the smallest text comes out at that width
// (the drawn SVG carries it), so a board too wide for the width is noticed before its picture
// is pasted into a document, not after.

import { LIMITS } from "./limits.js";

const form = document.getElementById("export-options");
const menu = document.getElementById("export-menu");
const hint = document.getElementById("export-text-size");
const links = [...document.querySelectorAll('#export-menu a[data-export="png"], #export-menu a[data-export="svg"], #export-menu a[data-export="pdf"]')];
const svgLink = links.find((link) => link.dataset.export === "svg");
let asking = null;

function update() {
  const layout = form.elements.layout.value;
  // A width is an option of the drawn layout only.
  form.elements.width.disabled = layout === "auto";
  for (const link of links) {
    const url = new URL(link.href, window.location.href);
    const query = new URLSearchParams();
    if (layout) query.set("layout", layout);
    if (link.dataset.export === "png") query.set("scale", form.elements.scale.value);
    if (form.elements.width.value && layout !== "auto") query.set("width", form.elements.width.value);
    if (form.elements.transparent.checked) query.set("background", "transparent");
    url.search = query.toString();
    link.href = url.pathname + url.search;
  }
}

function say(text, warn, readableWidth = null) {
  hint.hidden = !text;
  hint.textContent = text;
  hint.classList.toggle("warn", Boolean(warn));
  if (readableWidth) {
    const use = document.createElement("button");
    use.type = "button";
    use.className = "export-use-width";
    use.textContent = `Use ${readableWidth} px`;
    use.addEventListener("click", () => useWidth(readableWidth));
    hint.append(" ", use);
  }
}

// The narrowest width whose text reads, offered as a width of its own (kept while the page lives).
function useWidth(width) {
  const select = form.elements.width;
  if (![...select.options].some((option) => option.value === String(width))) {
    select.append(new Option(`${width} px`, String(width)));
  }
  select.value = String(width);
  update();
  checkTextSize();
}

// Asked when a width is chosen and each time the menu opens (the board may have grown since).
export async function checkTextSize() {
  asking?.abort();
  asking = null;
  const width = form.elements.width.value;
  if (!width || form.elements.layout.value === "auto" || !svgLink) {
    say("");
    return;
  }
  const controller = (asking = new AbortController());
  say(`Measuring the text at ${width} px…`);
  try {
    const response = await fetch(svgLink.href, { signal: controller.signal, credentials: "same-origin" });
    const body = await response.text();
    if (controller !== asking) return;
    if (!response.ok) {
      let detail = `the server answered ${response.status}`;
      try {
        detail = JSON.parse(body).detail || detail;
      } catch {
        // not the API's JSON error: keep the status
      }
      say(`No picture at ${width} px: ${detail}`, true);
      return;
    }
    const px = Number(/data-smallest-text-px="([0-9.]+)"/.exec(body)?.[1]);
    const readable = Number(/data-readable-width="([0-9]+)"/.exec(body)?.[1]);
    if (!Number.isFinite(px)) {
      say("");
    } else if (px < LIMITS.readable_text_px) {
      // The picture names the narrowest width at which its text reads (at most the API's largest).
      const offer = readable > Number(width) && readable <= LIMITS.max_picture_width ? readable : null;
      say(
        `At ${width} px the smallest text is ${px.toFixed(1)} px: too small to read on a page. ` +
          (offer ? `This board's text reads from ${offer} px wide.` : "This board is too wide for a page width; export it at its natural size."),
        true,
        offer,
      );
    } else {
      say(`At ${width} px the smallest text is ${px.toFixed(1)} px.`);
    }
  } catch (error) {
    if (error.name !== "AbortError") say(`Could not measure the text: ${error.message}`, true);
  }
}

if (form) {
  form.addEventListener("change", () => {
    update();
    checkTextSize();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  menu?.addEventListener("toggle", () => {
    if (menu.open) checkTextSize();
  });
  update();
}
