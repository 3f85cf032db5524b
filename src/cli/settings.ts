// Settings of a server process come from, in order of precedence: command-line flags, environment
// variables (RINGKV_<NAME>, e.g. RINGKV_PORT, RINGKV_PASSWORD), a JSON config file (--config), and
// the defaults. Every value is validated here, so a typo gets a clear message before anything starts.

import { readFileSync } from "node:fs";
import { DEFAULTS } from "../shared/defaults.js";
import { makeLimits, type Limits } from "../shared/limits.js";
import { LOG_LEVELS, type LogLevel } from "../runtime/logger.js";

/** Flags as commander hands them over: only the ones the user gave are set. */
export type RawOptions = Record<string, string | boolean | undefined>;

export class SettingsError extends Error {
  override name = "SettingsError";
}

/** Merges flags, environment and config file into one flat record of raw values. */
export function gatherOptions(flags: RawOptions, env: NodeJS.ProcessEnv = process.env): RawOptions {
  const fromFile = typeof flags.config === "string" ? readConfigFile(flags.config) : {};
  const merged: RawOptions = { ...fromFile };
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("RINGKV_") || value === undefined) continue;
    merged[camelCase(name.slice("RINGKV_".length))] = value;
  }
  for (const [name, value] of Object.entries(flags)) if (value !== undefined) merged[name] = value;
  return merged;
}

function readConfigFile(path: string): RawOptions {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SettingsError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new SettingsError(`config file ${path} must hold a JSON object of settings`);
  }
  const options: RawOptions = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new SettingsError(`config file ${path}: setting "${name}" must be a string, number or boolean`);
    }
    options[name] = typeof value === "number" ? String(value) : value;
  }
  return options;
}

function camelCase(envName: string): string {
  return envName.toLowerCase().replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

export function stringOption(options: RawOptions, name: string, fallback: string): string {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== "string" || value.length === 0) throw new SettingsError(`--${kebab(name)} needs a value`);
  return value;
}

export function optionalString(options: RawOptions, name: string): string | undefined {
  const value = options[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function integerOption(options: RawOptions, name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const value = options[name];
  if (value === undefined) return fallback;
  const text = String(value);
  const parsed = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new SettingsError(`--${kebab(name)} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return parsed;
}

export function portOption(options: RawOptions, name: string, fallback: number): number {
  return integerOption(options, name, fallback, 0, 65535);
}

export function logLevelOption(options: RawOptions): LogLevel {
  const level = stringOption(options, "logLevel", DEFAULTS.logLevel);
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new SettingsError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${level}"`);
  }
  return level as LogLevel;
}

/** The limits a server enforces, from --key-bytes-max, --value-bytes-max, --max-connections, ... */
export function limitsOption(options: RawOptions): Limits {
  const overrides: Partial<Limits> = {};
  const names: Array<[keyof Limits, string]> = [
    ["keyBytesMax", "keyBytesMax"],
    ["valueBytesMax", "valueBytesMax"],
    ["connectionsMax", "maxConnections"],
    ["pipelineDepthMax", "pipelineDepthMax"],
    ["requestTimeoutMs", "requestTimeoutMs"],
    ["idleTimeoutMs", "idleTimeoutMs"],
    ["clientBuffersBytesMax", "clientBuffersBytesMax"],
  ];
  for (const [limit, option] of names) {
    if (options[option] !== undefined) overrides[limit] = integerOption(options, option, 1, limit === "idleTimeoutMs" ? 0 : 1);
  }
  return makeLimits(overrides);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
