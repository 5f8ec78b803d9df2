// Small behaviours of the server-rendered pages, kept out of the templates so the
// Content-Security-Policy can forbid inline scripts: confirmation before a form posts
// (`data-confirm` on the button) and select-all on focus (`data-select-on-focus`).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
document.addEventListener("focusin", (event) => {
  if (event.target.matches("[data-select-on-focus]")) event.target.select();
});
