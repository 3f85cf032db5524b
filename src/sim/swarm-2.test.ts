import { swarmTests } from "./swarm-check.js";

// A wider cluster than the default, with fewer replicas than nodes: keys land on different replica sets;
// W = 1 (R - 1), so a write may rest on one disk while a replica is out of sync.
swarmTests(101, 100, { nodes: 5, replicas: 2, clients: 8 });
