// What share of a process's CPU went where, from a V8 CPU profile (node --cpu-prof):
//   the top functions by self time, and for each NAME given the share of samples with that
//   function anywhere on the stack (its inclusive cost, callees included); shares of busy samples.
// Usage: node scripts/profile-share.mjs PROFILE.cpuprofile [NAME ...] [--top N]
import { readFileSync } from "node:fs";
import { basename } from "node:path";

const args = process.argv.slice(2);
const topIndex = args.indexOf("--top");
const top = topIndex === -1 ? 15 : Number(args.splice(topIndex, 2)[1]);
const [file, ...names] = args;
if (file === undefined || !Number.isInteger(top)) {
  console.error("usage: node scripts/profile-share.mjs PROFILE.cpuprofile [NAME ...] [--top N]");
  process.exit(2);
}

const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || "(anonymous)"} ${url ? `${basename(url)}:${lineNumber + 1}` : ""}`.trim();
};

const selfSamples = new Map();
const inclusive = new Map(names.map((name) => [name, 0]));
for (const id of profile.samples) {
  const node = byId.get(id);
  const key = label(node);
  selfSamples.set(key, (selfSamples.get(key) ?? 0) + 1);
  const onStack = new Set();
  for (let at = id; at !== undefined; at = parentOf.get(at)) onStack.add(byId.get(at).callFrame.functionName);
  for (const name of names) if (onStack.has(name)) inclusive.set(name, inclusive.get(name) + 1);
}

// Shares of the busy samples: what the process spent its CPU on, its idle time left out.
const total = profile.samples.length;
const busy = total - (selfSamples.get("(idle)") ?? 0);
const percent = (count) => `${((count / Math.max(1, busy)) * 100).toFixed(1).padStart(5)} %`;
console.log(`${total} samples, ${busy} busy (${((busy / total) * 100).toFixed(1)} %); shares below are of the busy ones`);
console.log("top by self time:");
for (const [key, count] of [...selfSamples].filter(([key]) => key !== "(idle)").sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${percent(count)}  ${key}`);
}
if (names.length > 0) console.log("inclusive (the function and what it calls):");
for (const [name, count] of inclusive) console.log(`  ${percent(count)}  ${name}`);
