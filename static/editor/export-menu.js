// The Export menu's picture options (SPEC section 7): layout, scale, width and a transparent
// background, written into the PNG, SVG and PDF links' query strings. The links work without
// this module too, with the server's defaults.

const form = document.getElementById("export-options");
const links = [...document.querySelectorAll('#export-menu a[data-export="png"], #export-menu a[data-export="svg"], #export-menu a[data-export="pdf"]')];

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

if (form) {
  form.addEventListener("change", update);
  form.addEventListener("submit", (event) => event.preventDefault());
  update();
}
