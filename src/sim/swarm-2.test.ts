import { swarmTests } from "./swarm-check.js";

// A wider cluster than the default, with fewer replicas than nodes: keys land on different replica sets.
swarmTests(101, 100, { nodes: 5, replicas: 2, clients: 8 });
