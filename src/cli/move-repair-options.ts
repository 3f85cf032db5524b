// The flags that pace a cluster's background copying — repair and partition moves — taken by
// `ringkv coordinator` and passed on by `ringkv start` to the coordinator it launches.

import type { Command } from "commander";
import { DEFAULT_CATCH_UP } from "../core/cluster/config.js";
import { DEFAULTS } from "../shared/defaults.js";
import type { MoveRepairSettings } from "../runtime/launcher.js";
import { integerOption, type RawOptions } from "./settings.js";

export function addMoveRepairOptions(command: Command): Command {
  return command
    .option("--repair-interval <ms>", `a background repair round (replicas compared by digest, divergence fixed) this long after the last (default ${DEFAULTS.repairIntervalMs})`)
    .option("--repair-bytes-per-second <n>", `bytes repair's scans may read per second, all nodes together (default ${DEFAULTS.repairBytesPerSecond / 2 ** 20} MiB)`)
    .option("--move-bytes-per-second <n>", `most bytes per second copied to replicas catching up or to nodes partitions move to (default ${DEFAULT_CATCH_UP.catchUpBytesPerSecond / 2 ** 20} MiB)`);
}

/** The flags' values, checked (a bad one throws SettingsError naming it). */
export function moveRepairSettings(options: RawOptions): MoveRepairSettings {
  return {
    repairIntervalMs: integerOption(options, "repairInterval", DEFAULTS.repairIntervalMs, 1_000, 7 * 24 * 3_600_000),
    repairBytesPerSecond: integerOption(options, "repairBytesPerSecond", DEFAULTS.repairBytesPerSecond, 1_024, 2 ** 40),
    moveBytesPerSecond: integerOption(options, "moveBytesPerSecond", DEFAULT_CATCH_UP.catchUpBytesPerSecond, 1, Number.MAX_SAFE_INTEGER),
  };
}
