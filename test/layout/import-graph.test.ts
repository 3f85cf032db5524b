// The project's import graph, read from the sources: no file imports itself through a circle
// (type-only imports count: a circle of types is still two files that cannot be read apart),
// and nothing shipped imports test code.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Each source file's relative imports, as absolute paths of .ts files. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of [...sourceFiles(join(ROOT, "src")), ...sourceFiles(join(ROOT, "test"))]) {
    const text = readFileSync(file, "utf8");
    const imports = [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*"(\.\.?\/[^"]+)\.js"/g)]
      .map((match) => resolve(dirname(file), `${match[1]}.ts`));
    graph.set(file, imports);
  }
  return graph;
}

/** Every circle found by a depth-first walk, each as the files along it. */
function importCircles(graph: Map<string, string[]>): string[][] {
  const circles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "open") circles.push(path.slice(path.indexOf(next)));
      else if (state.get(next) === undefined) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return circles;
}

const show = (files: string[]) => files.map((file) => relative(ROOT, file)).join(" -> ");

test("the circle finder finds a planted circle, type-only or not", () => {
  const graph = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
  assert.deepEqual(importCircles(graph), [["a", "b", "c"]]);
  assert.deepEqual(importCircles(new Map([["a", ["b"]], ["b", []]])), []);
});

test("no import circles in src/ or test/", () => {
  const graph = importGraph();
  assert.ok(graph.size > 100, "the sources were found");
  assert.deepEqual(importCircles(graph).map(show), []);
});

test("shipped code never imports test code", () => {
  const offenders: string[] = [];
  for (const [file, imports] of importGraph()) {
    if (!relative(ROOT, file).startsWith("src/") || file.endsWith(".test.ts")) continue;
    for (const target of imports) if (relative(ROOT, target).startsWith("test/")) offenders.push(show([file, target]));
  }
  assert.deepEqual(offenders, []);
});
