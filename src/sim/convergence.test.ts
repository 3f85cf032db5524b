import { test } from "node:test";
import assert from "node:assert/strict";
import { keyString } from "../core/cluster/key-string.js";
import { Ring } from "../core/ring.js";
import { checkConvergence, type ConvergenceInput } from "./convergence.js";
import { emptyCoordinatorDurable, emptyParticipantDurable, type ParticipantDurable } from "./sim-disk.js";
import { textToEntry } from "./entry-text.js";
import { textToBytes } from "./trace.js";

const placement = { partitions: 16, vnodesPerNode: 4, replicas: 2 };
const members = ["n1", "n2", "n3"].map((id) => ({ id, address: `sim:${id}`, incarnation: `sim:${id}` }));
const ring = new Ring(placement, ["n1", "n2", "n3"]);

function world(): ConvergenceInput & { nodes: Map<string, ParticipantDurable>; finalValues: Map<string, string | null> } {
  const coordinator = { ...emptyCoordinatorDurable(), members, placement, sealed: true, epoch: 2 };
  const nodes = new Map(["n1", "n2", "n3"].map((id) => [id, emptyParticipantDurable()]));
  return { coordinator, nodes, keys: ["a", "b"], finalValues: new Map<string, string | null>() };
}

function store(input: ReturnType<typeof world>, node: string, key: string, value: string): void {
  input.nodes.get(node)!.data.set(keyString(textToBytes(key)), textToEntry(value));
}

function replicate(input: ReturnType<typeof world>, key: string, value: string): void {
  for (const id of ring.replicasForKey(textToBytes(key))) store(input, id, key, value);
}

const nonReplicaOf = (key: string): string => ["n1", "n2", "n3"].find((id) => !ring.replicasForKey(textToBytes(key)).includes(id))!;

test("agreeing replicas, nothing in doubt, the final read matching: no problems", () => {
  const input = world();
  replicate(input, "a", "1");
  input.finalValues.set("a", "1");
  input.finalValues.set("b", null);
  assert.deepEqual(checkConvergence(input), []);
});

const broken: Array<[string, (input: ReturnType<typeof world>) => void, RegExp]> = [
  ["a replica missed a write", (input) => store(input, ring.replicasForKey(textToBytes("a"))[0]!, "a", "1"), /replicas of a differ/],
  ["replicas hold different values", (input) => {
    replicate(input, "a", "1");
    store(input, ring.replicasForKey(textToBytes("a"))[1]!, "a", "2");
  }, /replicas of a differ/],
  ["a node that is not a replica holds the key", (input) => store(input, nonReplicaOf("b"), "b", "1"), /not one of its replicas/],
  ["a prepared record left behind", (input) => input.nodes.get("n2")!.prepared.set("1.7", []), /n2 still holds prepared records: 1\.7/],
  ["a decision never forgotten", (input) => input.coordinator.decisions.set("1.9", { participants: ["n1"], writes: [] }), /never forgotten: 1\.9/],
  ["the final read disagrees with the replicas", (input) => {
    replicate(input, "a", "1");
    input.finalValues.set("a", "0");
  }, /final read of a returned "0"/],
  ["a key nobody wrote", (input) => store(input, "n1", "zz", "1"), /which no client wrote/],
  ["no membership on disk", (input) => { delete input.coordinator.placement; }, /never persisted its membership/],
];

for (const [name, breakIt, expected] of broken) {
  test(`convergence catches: ${name}`, () => {
    const input = world();
    breakIt(input);
    const problems = checkConvergence(input);
    assert.ok(problems.some((problem) => expected.test(problem)), JSON.stringify(problems));
  });
}
