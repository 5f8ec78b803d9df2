// The length limits of what the editor lets people type, as the server declares and checks them
// (whiteboard.templating: the page writes them into #archboard-limits).
export const LIMITS = JSON.parse(document.getElementById("archboard-limits").textContent);
