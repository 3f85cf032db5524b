// Prints N distinct ports that nothing listens on now (the system's picks), one line, for scripts
// that must name ports before their servers start: fixed ports would collide with another run.
// Usage: node scripts/free-ports.js [N=1]
import { createServer } from "node:net";

const count = Number(process.argv[2] ?? 1);
const probes = await Promise.all(Array.from({ length: count }, () => new Promise((resolve, reject) => {
  const probe = createServer();
  probe.once("error", reject);
  probe.listen(0, "127.0.0.1", () => resolve(probe));
})));
// Every probe is held until all are open, so the ports are distinct.
console.log(probes.map((probe) => probe.address().port).join(" "));
await Promise.all(probes.map((probe) => new Promise((resolve) => probe.close(resolve))));
