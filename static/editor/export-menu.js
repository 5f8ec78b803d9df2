// The Export menu's picture options (SPEC section 7): layout, scale, width and a transparent
// background, written into the PNG, SVG and PDF links' query strings. The links work without
// this module too, with the server's defaults.
//
// With a page width chosen, the menu says how large the smallest text comes out at that width
// (the drawn SVG carries it), so a board too wide for the width is noticed before its picture
// is pasted into a document, not after.
//
// "Selection only" exports the selected components, connections and groups alone (`?only=`, the
// server takes the part: a group brings its members): a subsystem reads at a page's width where
// a whole board of thirty components cannot.

import { LIMITS } from "./limits.js";

const form = document.getElementById("export-options");
const menu = document.getElementById("export-menu");
const hint = document.getElementById("export-text-size");
const links = [...document.querySelectorAll('#export-menu a[data-export="png"], #export-menu a[data-export="svg"], #export-menu a[data-export="pdf"]')];
const svgLink = links.find((link) => link.dataset.export === "svg");
const pngLink = links.find((link) => link.dataset.export === "png");
const allLinks = [...document.querySelectorAll("#export-menu a[data-export]")];
// The ids the URL names stay well inside what servers and proxies take in a request line.
const MAX_ONLY = 4000;
let asking = null;
let selection = ""; // the selected ids, joined by commas (no id holds one)

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
  const only = form.elements.only.checked && selection ? selection : null;
  for (const link of allLinks) {
    const url = new URL(link.href, window.location.href);
    if (only) url.searchParams.set("only", only);
    else url.searchParams.delete("only");
    link.href = url.pathname + url.search;
  }
}

function setSelection(ids) {
  selection = ids.join(",");
  const box = form.elements.only;
  const fits = selection.length <= MAX_ONLY;
  box.disabled = !ids.length || !fits;
  if (box.disabled) box.checked = false;
  box.closest("label").title = !ids.length
    ? "Select components, connections or a group first"
    : fits
      ? `Export the ${ids.length} selected element${ids.length === 1 ? "" : "s"} alone`
      : "Too many elements selected: select their group instead";
  update();
  if (menu.open) checkTextSize();
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

// What a failed export said: the API's error detail, else its status.
function problem(status, body) {
  try {
    const detail = JSON.parse(body).detail;
    if (detail) return detail;
  } catch {
    // not the API's JSON error: the status says it
  }
  return `the server answered ${status}`;
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
      say(`No picture at ${width} px: ${problem(response.status, body)}`, true);
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
          (offer ? `This board's text reads from ${offer} px wide.` : "This board is too wide for a page width; export it at its natural size.") +
          (form.elements.only.checked ? "" : " Or export a part: select a group and tick Selection only."),
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

// The PNG the menu's link would download, onto the system clipboard. The image is handed over
// as a promise, so the clipboard is written within the click's user activation while the
// picture is still being drawn.
async function copyPng(button) {
  const done = (text, warn) => {
    say(text, warn);
    button.disabled = false;
  };
  button.disabled = true;
  say("Drawing the PNG for the clipboard…");
  try {
    const image = fetch(pngLink.href, { credentials: "same-origin" }).then(async (response) => {
      if (!response.ok) throw new Error(problem(response.status, await response.text()));
      return response.blob();
    });
    await navigator.clipboard.write([new ClipboardItem({ "image/png": image })]);
    done("PNG copied: paste it into your document.");
  } catch (error) {
    done(`Could not copy the PNG: ${error.message}`, true);
  }
}

if (form) {
  const copyButton = document.getElementById("export-copy-png");
  copyButton?.addEventListener("click", () => copyPng(copyButton));
  form.addEventListener("change", () => {
    update();
    checkTextSize();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("archboard:selection", (event) => setSelection(event.detail));
  menu?.addEventListener("toggle", () => {
    if (menu.open) checkTextSize();
  });
  update();
}
