// ELK's layered algorithm for bench/layout.py: an ELK JSON graph on stdin, the laid-out graph
// on stdout. Only the benchmark runs it, to compare ELK with the app's own auto-layout.
const ELK = require("elkjs/lib/elk.bundled.js");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const graph = await new ELK().layout(JSON.parse(input));
  process.stdout.write(JSON.stringify(graph));
});
