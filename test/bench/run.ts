// `pnpm bench`: every benchmark, each printing figures measured side by side in one run.
// `pnpm bench registry` (or predict, cold-start) runs one.
import { runColdStartBench } from "./cold-start-bench.ts";
import { runPredictBench } from "./predict-bench.ts";
import { runRegistryBench } from "./registry-bench.ts";

const benches: Record<string, () => Promise<void>> = {
  registry: runRegistryBench,
  predict: runPredictBench,
  "cold-start": runColdStartBench,
};

const wanted = process.argv.slice(2).filter((arg) => arg !== "--");
for (const name of wanted) {
  if (!(name in benches)) {
    console.error(`unknown bench "${name}": expected ${Object.keys(benches).join(", ")}`);
    process.exit(2);
  }
}
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
