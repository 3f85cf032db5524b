// Caps of the load generator (`ringkv bench`), checked where its flags are read.

export const BENCH_LIMITS = Object.freeze({
  /** Most connections `ringkv bench` opens. */
  clientsMax: 10_000,
  /** Most worker threads `ringkv bench --threads` starts. */
  threadsMax: 64,
  /** Keys per MSET while `ringkv bench --preload` fills the keyspace. */
  preloadBatchKeys: 500,
});
