// The cluster secret and the client password: from a flag (--secret, --password), a file
// (--secret-file, --password-file) or the environment (RINGKV_SECRET, RINGKV_SECRET_FILE,
// RINGKV_PASSWORD, RINGKV_PASSWORD_FILE), so that they need not show on a command line that `ps`
// shows to every user. And protected mode: a server that listens beyond loopback without a
// password refuses to start unless told --protected-mode no (Redis's protected mode). And the
// TLS files (--tls-cert, --tls-key, --tls-ca).

import { readFileSync, statSync } from "node:fs";
import { isIPv4 } from "node:net";
import type { Logger } from "../runtime/logger.js";
import { readTlsFiles, type TlsMaterial } from "../runtime/tls-files.js";
import { CREDENTIAL_LIMITS } from "../shared/limits.js";
import { SettingsError, type RawOptions } from "./settings.js";

export interface Credential {
  value: string;
  /** Where it came from, for a warning: "the command line", or a file. */
  source: string;
}

/** The cluster secret, if one was given; refused when shorter than CREDENTIAL_LIMITS.secretBytesMin. */
export function secretOption(options: RawOptions, flags: RawOptions): Credential | undefined {
  const secret = credentialOption(options, flags, "secret");
  const bytes = secret === undefined ? 0 : Buffer.byteLength(secret.value);
  if (secret !== undefined && bytes < CREDENTIAL_LIMITS.secretBytesMin) {
    throw new SettingsError(`the cluster secret (from ${secret.source}) is ${bytes} bytes; it must have at least `
      + `${CREDENTIAL_LIMITS.secretBytesMin} (make one with: openssl rand -hex 32)`);
  }
  return secret;
}

export function passwordOption(options: RawOptions, flags: RawOptions): Credential | undefined {
  return credentialOption(options, flags, "password");
}

/** Logs a warning about a credential given on the command line, where `ps` shows it, or in a file others may read. */
export function warnAbout(logger: Logger, name: "secret" | "password", credential: Credential | undefined): void {
  if (credential?.source === "the command line") {
    logger.warn(`the ${name} is on the command line, where ps shows it to every user; prefer RINGKV_${name.toUpperCase()} or --${name}-file`);
  } else if (credential !== undefined && credential.source !== "the environment") {
    const mode = statSync(credential.source).mode & 0o777;
    if ((mode & 0o077) !== 0) logger.warn(`${credential.source}, which holds the ${name}, is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  }
}

function credentialOption(options: RawOptions, flags: RawOptions, name: "secret" | "password"): Credential | undefined {
  const fileName = `${name}File`;
  const direct = options[name];
  const file = options[fileName];
  if (typeof direct === "string" && typeof file === "string") {
    throw new SettingsError(`give the ${name} once: --${name} (or RINGKV_${name.toUpperCase()}) or --${name}-file, not both`);
  }
  if (typeof file === "string") return { value: readCredentialFile(file, name), source: file };
  if (typeof direct !== "string" || direct.length === 0) return undefined;
  return { value: direct, source: flags[name] === undefined ? "the environment" : "the command line" };
}

/** The file's text without its final newline; a line of its own, not a whole document. */
function readCredentialFile(path: string, name: string): string {
  let text: string;
  try {
    const { size } = statSync(path);
    if (size > CREDENTIAL_LIMITS.credentialFileBytesMax) {
      throw new Error(`it has ${size} bytes, more than the ${CREDENTIAL_LIMITS.credentialFileBytesMax} a ${name} file may have`);
    }
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SettingsError(`cannot read --${name}-file ${path}: ${(error as Error).message}`);
  }
  const value = text.replace(/\r?\n$/, "");
  if (value.length === 0) throw new SettingsError(`--${name}-file ${path} is empty`);
  if (/[\r\n]/.test(value)) throw new SettingsError(`--${name}-file ${path} has more than one line`);
  return value;
}

/**
 * Refuses to serve beyond loopback without a password: anyone who can reach the port could read
 * and write every key. --protected-mode no allows it (a trusted network, a firewall in front).
 */
export function checkProtectedMode(options: RawOptions, host: string, password: Credential | undefined): void {
  const mode = options.protectedMode ?? "yes";
  if (mode !== "yes" && mode !== "no") throw new SettingsError(`--protected-mode must be yes or no, got "${String(mode)}"`);
  if (mode === "no" || password !== undefined || isLoopback(host)) return;
  throw new SettingsError(`refusing to listen on ${host} without a password: anyone who can reach it could read and write `
    + "every key. Set one (--password-file, RINGKV_PASSWORD), listen on 127.0.0.1, or pass --protected-mode no "
    + "if the network is trusted");
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIPv4(host) && host.startsWith("127."));
}

/** TLS from --tls-cert and --tls-key (both or neither) and --tls-ca, read now: a bad path fails before anything starts. */
export function tlsOption(options: RawOptions): TlsMaterial | undefined {
  const [cert, key, ca] = (["tlsCert", "tlsKey", "tlsCa"] as const).map((name) => {
    const value = options[name];
    return typeof value === "string" && value.length > 0 ? value : undefined;
  });
  if (cert === undefined && key === undefined) {
    if (ca !== undefined) throw new SettingsError("--tls-ca needs --tls-cert and --tls-key: TLS is on only with a certificate to serve");
    return undefined;
  }
  if (cert === undefined || key === undefined) throw new SettingsError("TLS needs both --tls-cert and --tls-key");
  try {
    return readTlsFiles({ cert, key, ...(ca === undefined ? {} : { ca }) });
  } catch (error) {
    throw new SettingsError((error as Error).message);
  }
}
