// Loads COUNT keys "key:0" ... "key:COUNT-1" with VALUE_BYTES-byte values into a RESP server, in
// pipelined MSET batches, then prints the server's used memory as INFO reports it.
// Usage: node scripts/load-sequential.mjs PORT [COUNT=1000000] [VALUE_BYTES=100]
import { Redis } from "ioredis";

const [port, count = "1000000", valueBytes = "100"] = process.argv.slice(2);
const redis = new Redis({ port: Number(port), host: "127.0.0.1" });
const value = "v".repeat(Number(valueBytes));
const batchKeys = 1000;
const inFlightMax = 16;
let inFlight = [];
for (let start = 0; start < Number(count); start += batchKeys) {
  const args = [];
  for (let i = start; i < Math.min(start + batchKeys, Number(count)); i++) args.push(`key:${i}`, value);
  inFlight.push(redis.mset(...args));
  if (inFlight.length >= inFlightMax) {
    await Promise.all(inFlight);
    inFlight = [];
  }
}
await Promise.all(inFlight);
console.log(`dbsize ${await redis.dbsize()}`);
redis.disconnect();
