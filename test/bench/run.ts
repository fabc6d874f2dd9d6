// `pnpm bench`: every benchmark but the platform one, each printing figures measured side by side in one run.
// `pnpm bench registry` (or predict, cold-start) runs one; `pnpm bench platform` (root, minutes) only when named.
import { runColdStartBench } from "./cold-start-bench.ts";
import { runPlatformBench } from "./platform-bench.ts";
import { runPredictBench } from "./predict-bench.ts";
import { runRegistryBench } from "./registry-bench.ts";

const benches: Record<string, () => Promise<void>> = {
  registry: runRegistryBench,
  predict: runPredictBench,
  "cold-start": () => runColdStartBench(Number(process.env.COLD_START_RUNS ?? 9)),
  platform: runPlatformBench,
};
/** Run only when named: it starts the whole platform (test/platform/), as root. */
const ONLY_WHEN_NAMED = new Set(["platform"]);

const wanted = process.argv.slice(2).filter((arg) => arg !== "--");
for (const name of wanted) {
  if (!(name in benches)) {
    console.error(`unknown bench "${name}": expected ${Object.keys(benches).join(", ")}`);
    process.exit(2);
  }
}
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length === 0 ? !ONLY_WHEN_NAMED.has(name) : wanted.includes(name)) await run();
}
