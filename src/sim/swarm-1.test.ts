import { swarmTests } from "./swarm-check.js";

// The default cluster: 3 nodes, every key on all 3, in-sync sets that may shrink to W = 2.
swarmTests(1, 100, { minInSync: 2 });
