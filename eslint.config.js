// Lint for the whole project, plus the rule that keeps src/core deterministic:
// no I/O, no clock, no timers, no randomness, no await (DESIGN.md §3). src/shared (errors, limits,
// defaults, Fifo: what every layer uses, the core included) obeys the same rule.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * No I/O modules, and of src/ only the folders in `allowed` (`up`: the path from the file up to src/).
 */
function pureImports(up, allowed) {
  const [self, ...others] = allowed.map((folder) => `src/${folder}`);
  return ["error", {
    patterns: [
      { group: ["node:*", "fs", "net", "os", "path", "child_process", "crypto", "timers", "worker_threads"],
        message: "src/core and src/shared are deterministic: no I/O modules. Drive effects from src/runtime or src/sim." },
      { group: [`${up}*`, ...allowed.map((folder) => `!${up}${folder}`)], message: `${self} must not depend on code outside ${[self, ...others].join(" and ")}.` },
      { group: ["lmdb", "msgpackr", "pino", "commander"], message: "src/core and src/shared must not depend on I/O libraries." },
    ],
  }];
}
const coreImports = (up) => pureImports(up, ["core", "shared"]);

// src/shared is the bottom layer: it imports nothing of ours but itself.
const sharedImports = {
  files: ["src/shared/**/*.ts"],
  ignores: ["src/shared/**/*.test.ts"],
  rules: { "no-restricted-imports": pureImports("../", ["shared"]) },
};

// Files one folder down (src/core/cluster/) reach src/ two folders up.
const coreSubfolderImports = {
  files: ["src/core/*/**/*.ts"],
  ignores: ["src/core/**/*.test.ts"],
  rules: { "no-restricted-imports": coreImports("../../") },
};

const coreRestrictions = {
  files: ["src/core/**/*.ts", "src/shared/**/*.ts"],
  ignores: ["src/core/**/*.test.ts", "src/shared/**/*.test.ts"],
  rules: {
    "no-restricted-imports": coreImports("../"),
    "no-restricted-globals": ["error",
      { name: "setTimeout", message: "Time enters the core as tick events." },
      { name: "setInterval", message: "Time enters the core as tick events." },
      { name: "setImmediate", message: "Time enters the core as tick events." },
      { name: "queueMicrotask", message: "The core never schedules work." },
      { name: "process", message: "The core never touches the process." },
      { name: "performance", message: "Time enters the core as tick events." },
      { name: "Date", message: "Time enters the core as tick events." },
      { name: "fetch", message: "The core does no I/O." },
      { name: "require", message: "The core does no I/O." },
    ],
    "no-restricted-syntax": ["error",
      { selector: "AwaitExpression", message: "The core never awaits: it returns effects." },
      { selector: "FunctionDeclaration[async=true], ArrowFunctionExpression[async=true], FunctionExpression[async=true]",
        message: "The core never awaits: it returns effects." },
      { selector: "MemberExpression[object.name='Math'][property.name='random']",
        message: "Randomness enters the core from an injected seeded generator." },
      { selector: "MemberExpression[object.name='crypto']", message: "Randomness enters the core from an injected seeded generator." },
    ],
  },
};

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "data/**", "bin/**", "scripts/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "eqeqeq": ["error", "always"],
      "no-console": "off",
    },
  },
  coreRestrictions,
  coreSubfolderImports,
  sharedImports,
  // The dashboard's page script runs in the browser.
  {
    files: ["src/observability/dashboard/**/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: { document: "readonly", EventSource: "readonly", requestAnimationFrame: "readonly", setInterval: "readonly" },
    },
  },
);
