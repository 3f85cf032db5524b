import { swarmTests } from "./swarm-check.js";

// Fewer replicas than nodes and W < R: in-sync sets shrink to 2 of 3 replicas, spread over 5 nodes.
swarmTests(201, 100, { nodes: 5, replicas: 3, minInSync: 2, clients: 8 });
