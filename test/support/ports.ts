// Free ports for tests that must name a port before anything listens on it (redis-server's
// --port, `ringkv start --port`, an address where nothing listens). Everything that can listen on
// port 0 does so instead; a fixed port would make two test runs on one machine collide.

import { createServer, type Server } from "node:net";

/** `count` distinct ports nothing listens on right now (the system's picks, released at once). */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const probes = await Promise.all(Array.from({ length: count }, () => new Promise<Server>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => resolve(probe));
  })));
  // All held open until each is known: the ports are distinct.
  const ports = probes.map((probe) => (probe.address() as { port: number }).port);
  await Promise.all(probes.map((probe) => new Promise((resolve) => probe.close(resolve))));
  return ports;
}

export async function freePort(host = "127.0.0.1"): Promise<number> {
  return (await freePorts(1, host))[0]!;
}
