#!/usr/bin/env node
// The `ringkv` command: a thin launcher for the compiled CLI (npm's prepare step builds dist/).
import { main } from "../dist/src/cli/main.js";

main(process.argv).catch((error) => {
  console.error(`ringkv: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
