// Every default setting of ringkv, in one place: the commands (`ringkv start`, `coordinator`,
// `node`, `cli`, `bench`), the client library and the machines all read them here, and README.md
// and docs/DESIGN.md quote them. Bounds (sizes, counts, deadlines) are in limits.ts instead.

const MIB = 1024 * 1024;

export const DEFAULTS = Object.freeze({
  /** Address every process listens on: this machine only, unless --host says otherwise. */
  host: "127.0.0.1",
  /** The coordinator's port, where clients connect and storage nodes join; also where
   * `ringkv cli`, `ringkv bench` and the client library look unless told otherwise. */
  coordinatorPort: 6380,
  /** A storage node's own port (`ringkv node`, alone or joining a cluster): not the coordinator's,
   * so a node and a coordinator on one machine both start with their defaults. */
  nodePort: 7001,
  /** Data directory of every process (`ringkv start` makes DATA/coordinator, DATA/node-1, ...). */
  dataDir: "./data",
  logLevel: "info",
  /** Storage nodes of the local cluster that `ringkv start` runs. */
  localNodes: 3,
  /** R: storage nodes that hold every key. */
  replicas: 3,
  /**
   * W: the fewest in-sync replicas a partition keeps when replicas die. With R = 3 and W = 2 any
   * one storage node can die and every key stays readable and writable, with every acknowledged
   * write on at least two disks.
   */
  minInSync: 2,
  /** How long a replica may be down before it leaves the in-sync sets (writes to its keys wait that long). */
  replicaTimeoutMs: 3_000,
  /**
   * Repair (core/cluster/repair.ts): a background round, comparing every partition's in-sync
   * replicas by digest, an hour after the last one ended; its scans read at most this many bytes
   * per second, all nodes together, so that a round over a large store stays a light load.
   */
  repairIntervalMs: 3_600_000,
  repairBytesPerSecond: 8 * MIB,
  /** Tombstones every replica of a partition holds are collected this often (core/cluster/tombstone-collector.ts). */
  tombstoneCollectIntervalMs: 10_000,
  /** Ring partitions (a power of two) and virtual nodes per storage node (docs/DESIGN.md, Placement). */
  partitions: 1024,
  vnodesPerNode: 64,
  /** Every read cache (a storage node's and the coordinator's): its byte bound and its entries per
   * set. Its sets, unless given, are as many as fill the bytes (kv-cache.ts, cacheShape). */
  cacheBytes: 64 * MIB,
  cacheWays: 16,
  /** `ringkv start` with the default --port: the coordinator's dashboard and metrics port (with
   * another --port, a free one, so that two local clusters differ only in --port); the storage
   * nodes' metrics take free ports. */
  metricsPort: 9380,
  /** Length of the machines' tick in a real process: time enters them as a tick this often. */
  tickMs: 10,
});
