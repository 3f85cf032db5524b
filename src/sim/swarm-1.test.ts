import { swarmTests } from "./swarm-check.js";

swarmTests(1, 100);
