// Copies the files under src/ that tsc does not compile (the dashboard's HTML, CSS and browser
// JavaScript) to the same place under dist/src/, so that what `npm pack` ships serves them.
import { copyFileSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const SOURCE = "src";
const TARGET = join("dist", "src");

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (!name.endsWith(".ts")) {
      const target = join(TARGET, relative(SOURCE, path));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
    }
  }
}

copyAssets(SOURCE);
