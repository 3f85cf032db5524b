// The HTTP port of a process (--metrics-port): Prometheus metrics on every process, and on the
// coordinator the live dashboard, its event stream and the status as JSON. Loopback unless
// --metrics-host says otherwise; with --password, every path needs HTTP basic auth with that
// password (any user name), which browsers and Prometheus (basic_auth) both send.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { passwordChecker } from "../server/password-check.js";

export interface HttpRoute {
  /** Answers a GET (or HEAD) of its path. */
  (request: IncomingMessage, response: ServerResponse): void | Promise<void>;
}

export interface HttpOptions {
  host: string;
  port: number;
  password?: string;
  routes: ReadonlyMap<string, HttpRoute>;
  onError(error: unknown, path: string): void;
}

export interface RunningHttp {
  address(): AddressInfo;
  close(): Promise<void>;
}

/** Headers on every answer: nothing is fetched from anywhere else, nothing is framed elsewhere. */
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export async function startHttp(options: HttpOptions): Promise<RunningHttp> {
  const checkPassword = passwordChecker(options.password);
  const server: Server = createServer((request, response) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (checkPassword !== undefined && !authorized(request, checkPassword)) {
      response.writeHead(401, { "www-authenticate": 'Basic realm="ringkv", charset="UTF-8"', "content-type": "text/plain" });
      response.end("ringkv: this server needs its password (HTTP basic auth; any user name)\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      response.end("only GET and HEAD\n");
      return;
    }
    const route = options.routes.get(path);
    if (route === undefined) {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end(`no such page: ${path}\n`);
      return;
    }
    Promise.resolve()
      .then(() => route(request, response))
      .catch((error: unknown) => {
        options.onError(error, path);
        if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
        response.end("internal error\n");
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    address: () => server.address() as AddressInfo,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Event streams stay open until closed: end them (and idle keep-alive connections) now.
      server.closeAllConnections();
    }),
  };
}

function authorized(request: IncomingMessage, checkPassword: (candidate: Buffer) => boolean): boolean {
  const header = request.headers.authorization;
  if (header === undefined || !/^basic /i.test(header)) return false;
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  return checkPassword(Buffer.from(decoded.slice(colon + 1)));
}
