// TLS with Node's tls module, from certificates given by path (--tls-cert, --tls-key, --tls-ca):
// the options of a TLS server (a client port; the coordinator's port also takes its nodes'
// links, whose client certificates it checks against the CA) and of a TLS client (a node's link
// to the coordinator, which checks the coordinator's certificate). And `ringkv start --tls`'s
// self-signed set for local use, made with the openssl command: a CA, and one certificate for
// 127.0.0.1 and localhost that every process serves and presents to its peers.

import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ConnectionOptions, TlsOptions } from "node:tls";
import { RingkvError } from "../shared/errors.js";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../storage/data-dir.js";

/** Paths of the PEM files a process serves and trusts. */
export interface TlsFiles {
  cert: string;
  key: string;
  /** The CA that signs peers' certificates; without it, the system's CAs. */
  ca?: string;
}

/** The PEM files read, once, at start: a missing or unreadable one is a clear error then. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

export function readTlsFiles(files: TlsFiles): TlsMaterial {
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new RingkvError("ERR", `cannot read the TLS ${what} ${path}: ${(error as Error).message}`);
    }
  };
  return { cert: read("certificate", files.cert), key: read("key", files.key), ...(files.ca === undefined ? {} : { ca: read("CA", files.ca) }) };
}

/** A TLS server: it asks every client for a certificate, but only links must have one (see server.ts). */
export function serverTlsOptions(tls: TlsMaterial): TlsOptions {
  return { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false, minVersion: "TLSv1.2" };
}

/** A TLS client of `host`: it checks the server's certificate and presents its own. */
export function clientTlsOptions(tls: Partial<TlsMaterial>, host: string): ConnectionOptions {
  return { cert: tls.cert, key: tls.key, ca: tls.ca, servername: isIp(host) ? undefined : host, minVersion: "TLSv1.2", rejectUnauthorized: true };
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

const SELF_SIGNED_DAYS = 825;

/**
 * DIR/ca.pem, cert.pem and key.pem for a local cluster, made once with openssl and kept (the
 * private keys 0600): the same files on every start, so that clients keep trusting the CA.
 */
export function selfSignedTls(dir: string): Required<TlsFiles> {
  const files = { ca: join(dir, "ca.pem"), cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
  if (existsSync(files.ca) && existsSync(files.cert) && existsSync(files.key)) return files;
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const caKey = join(dir, "ca.key");
  const request = join(dir, "cert.csr");
  const extensions = join(dir, "cert.ext");
  writeFileSync(extensions, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n");
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(["req", "-x509", ...ecKey, "-keyout", caKey, "-out", files.ca, "-days", String(SELF_SIGNED_DAYS), "-subj", "/CN=ringkv local CA"]);
  openssl(["req", ...ecKey, "-keyout", files.key, "-out", request, "-subj", "/CN=ringkv"]);
  openssl(["x509", "-req", "-in", request, "-CA", files.ca, "-CAkey", caKey, "-CAcreateserial", "-out", files.cert,
    "-days", String(SELF_SIGNED_DAYS), "-extfile", extensions]);
  for (const leftover of [request, extensions, join(dir, "ca.srl")]) rmSync(leftover, { force: true });
  for (const secret of [caKey, files.key]) chmodSync(secret, PRIVATE_FILE_MODE);
  return files;
}

function openssl(args: string[]): void {
  try {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const detail = code === "ENOENT"
      ? "the openssl command is not installed; install it, or give --tls-cert, --tls-key and --tls-ca"
      : `openssl ${args[0]} failed: ${String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim()}`;
    throw new RingkvError("ERR", `cannot make a self-signed TLS set: ${detail}`);
  }
}
