// The clients' connections to the coordinator. A request travels with the network's latency and
// belongs to the coordinator incarnation it was sent to: if that process dies, the client learns the
// connection closed (an unknown outcome), and a request sent while no coordinator runs is refused.
//
// It also watches the coordinator's promise that every request ends within its deadline: a request
// the coordinator received and kept, undisturbed by a crash or a pause, and left unanswered past the
// client's deadline is a liveness failure; so is an answer to a request it never had, or a second one.

import type { CoordinatorEvent } from "../core/cluster/types.js";
import { checkResultFits, keysOf } from "./history.js";
import type { Scheduler } from "./scheduler.js";
import { clientOp, historyResult, type ClientPort, type Outcome, type SimClient, type WireOp } from "./sim-client.js";

/** The wall clock (ms since the Unix epoch) commands run at when a run starts: a fixed, plausible date. */
const SIM_WALL_CLOCK_START_MS = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/** The coordinator as the clients see it. */
export interface CoordinatorEndpoint {
  /** True when a coordinator process runs and accepts connections. */
  accepting(): boolean;
  incarnation(): number;
  paused(): boolean;
  currentTick(): number;
  deliver(event: CoordinatorEvent): void;
}

interface Request {
  client: SimClient;
  op: WireOp;
  incarnation: number;
  delivered: boolean;
  /** A pause of the coordinator may have delayed the answer past any deadline. */
  disturbed: boolean;
  abandoned: boolean;
}

export class ClientLink implements ClientPort {
  readonly #requests = new Map<number, Request>();
  #lastRequestId = 0;
  /** Told of each answer as the coordinator gives it, so that checkers can look at the cluster at that moment. */
  onAnswer: ((op: WireOp, outcome: Outcome) => void) | undefined;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly coordinator: CoordinatorEndpoint,
    private readonly latencyUs: () => number,
    private readonly requestTimeoutTicks: number,
    /** A broken promise of the coordinator: reported as a failure of the run. */
    private readonly fail: (message: string) => void,
    private readonly requestsMax: number,
  ) {}

  send(client: SimClient, op: WireOp): number {
    this.#lastRequestId += 1;
    const requestId = this.#lastRequestId;
    if (!this.coordinator.accepting()) {
      this.scheduler.after(this.latencyUs(), () => client.answer(requestId, { kind: "refused" }));
      return requestId;
    }
    if (this.#requests.size >= this.requestsMax) throw new Error(`sim: more than ${this.requestsMax} client requests outstanding`);
    const request: Request = {
      client, op, incarnation: this.coordinator.incarnation(),
      delivered: false, disturbed: false, abandoned: false,
    };
    this.#requests.set(requestId, request);
    this.scheduler.after(this.latencyUs(), () => this.#arrive(requestId, request));
    return requestId;
  }

  abandon(requestId: number): void {
    const request = this.#requests.get(requestId);
    if (request === undefined) return;
    request.abandoned = true;
    if (request.delivered && !request.disturbed && this.#sameCoordinator(request)) {
      this.fail(`request ${requestId} (${describe(request.op)}) got no answer before the client's deadline, from a coordinator that neither crashed nor paused`);
    }
  }

  /** A reply or fail effect of the coordinator. */
  answer(requestId: number, outcome: Outcome): void {
    const request = this.#requests.get(requestId);
    if (request === undefined) {
      this.fail(`the coordinator answered request ${requestId}, which it does not have (a second answer, or a made-up id)`);
      return;
    }
    this.#requests.delete(requestId);
    if (outcome.kind === "result") {
      const { op } = request;
      try {
        if (op.f !== "scanChunk") checkResultFits(op, historyResult(op, outcome));
        else if (outcome.result.kind !== "keys") throw new Error(`a scan's chunk needs a "keys" result, got "${outcome.result.kind}"`);
      } catch (error) {
        this.fail(`request ${requestId} (${describe(op)}): ${(error as Error).message}`);
      }
    }
    this.onAnswer?.(request.op, outcome);
    this.scheduler.after(this.latencyUs(), () => request.client.answer(requestId, outcome));
  }

  /** The coordinator died: every request it had ends with its connection. */
  coordinatorCrashed(): void {
    for (const [requestId, request] of this.#requests) {
      if (!request.delivered) continue; // still in flight: lost on arrival
      this.#requests.delete(requestId);
      this.scheduler.after(this.latencyUs(), () => request.client.answer(requestId, { kind: "lost" }));
    }
  }

  coordinatorPaused(): void {
    for (const request of this.#requests.values()) request.disturbed = true;
  }

  /** Requests the coordinator holds (or that are on their way to it), not given up by their client. */
  get outstanding(): number {
    let count = 0;
    for (const request of this.#requests.values()) if (!request.abandoned) count += 1;
    return count;
  }

  /** After the run: requests the running coordinator received and never answered. */
  unanswered(): string[] {
    const found: string[] = [];
    for (const [requestId, request] of this.#requests) {
      if (request.delivered && this.#sameCoordinator(request)) found.push(`request ${requestId} (${describe(request.op)}) was never answered`);
    }
    return found;
  }

  #arrive(requestId: number, request: Request): void {
    if (!this.#sameCoordinator(request)) {
      this.#requests.delete(requestId);
      request.client.answer(requestId, { kind: "lost" });
      return;
    }
    request.delivered = true;
    if (this.coordinator.paused()) request.disturbed = true;
    const deadlineTick = this.coordinator.currentTick() + this.requestTimeoutTicks;
    const nowMs = SIM_WALL_CLOCK_START_MS + Math.floor(this.scheduler.nowUs / 1000);
    this.coordinator.deliver({ kind: "client", requestId, op: clientOp(request.op, nowMs), deadlineTick });
  }

  #sameCoordinator(request: Request): boolean {
    return this.coordinator.accepting() && this.coordinator.incarnation() === request.incarnation;
  }
}

function describe(op: WireOp): string {
  if (op.f === "scanChunk") return `scanChunk of partition ${op.partition} after ${JSON.stringify(op.after)}`;
  if (op.f === "scan") return `scan of partitions ${op.partitions.join(",")}`;
  return `${op.f} ${keysOf(op).join(" ")}`;
}
