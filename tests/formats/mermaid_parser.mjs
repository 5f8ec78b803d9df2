// Mermaid's own parser (@mermaid-js/parser) as a line-oriented service for the tests: each line
// of standard input is a JSON string holding an architecture-beta diagram; each line of output
// is what the parser read from it, or the parser's error.
import { createInterface } from "node:readline";
import { parse } from "@mermaid-js/parser";

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  let answer;
  try {
    const ast = await parse("architecture", JSON.parse(line));
    answer = {
      ok: true,
      title: ast.title ?? null,
      groups: ast.groups.map((g) => [g.id, g.title ?? null, g.in ?? null]),
      services: ast.services.map((s) => [s.id, s.icon ?? null, s.title ?? null, s.in ?? null]),
      edges: ast.edges.map((e) => [e.lhsId, e.rhsId, e.title ?? null, Boolean(e.lhsInto), Boolean(e.rhsInto)]),
    };
  } catch (error) {
    answer = { ok: false, error: String(error && error.message ? error.message : error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
