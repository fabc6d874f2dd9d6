// Registry micro-benchmark: load + validate a 10,000-entry KSERVE_MODEL_REGISTRY, and look models up,
// side by side with a linear scan of the same entries (what O(1) lookup is worth).
import { pathToFileURL } from "node:url";
import { loadConfig } from "@modelgate/config";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Prints load time for 10,000 entries and lookup cost per call (map vs linear scan). */
export async function runRegistryBench(size = 10_000): Promise<void> {
  const entries = Array.from({ length: size }, (_, i) => ({
    name: `model-${i}`,
    service: `model-${i}-predictor`,
    namespace: `team-${i % 50}`,
    type: (["anomaly", "predictive", "classification"] as const)[i % 3],
    description: `model number ${i}`,
    versions: [{ name: "v1", storageUri: `s3://models/${i}/v1`, modelFormat: { name: "sklearn" }, default: true }],
  }));
  const env = { KSERVE_MODEL_REGISTRY: JSON.stringify(entries) };
  const loads: number[] = [];
  let registry = loadConfig(env).registry;
  for (let run = 0; run < 7; run++) loads.push(time(() => (registry = loadConfig(env).registry)));

  const names = entries.map((e) => e.name);
  const lookups = 200_000;
  let found = 0;
  const mapMs = median(
    Array.from({ length: 5 }, () =>
      time(() => {
        for (let i = 0; i < lookups; i++) if (registry.get(names[(i * 7919) % size] ?? "")) found++;
      }),
    ),
  );
  const scans = 2_000;
  const scanMs = median(
    Array.from({ length: 5 }, () =>
      time(() => {
        for (let i = 0; i < scans; i++) if (registry.entries.find((e) => e.name === names[(i * 7919) % size])) found++;
      }),
    ),
  );
  const byTypeMs = median(Array.from({ length: 5 }, () => time(() => void registry.byType("predictive").length)));
  const mapNs = (mapMs * 1e6) / lookups;
  const scanNs = (scanMs * 1e6) / scans;
  console.log(`\nRegistry (${size.toLocaleString("en")} entries; ${found > 0 ? "lookups hit" : "no hits?"})`);
  console.table({
    "load + validate (median of 7)": { value: `${median(loads).toFixed(1)} ms` },
    "lookup by name, Map": { value: `${mapNs.toFixed(0)} ns/op` },
    "lookup by name, linear scan": { value: `${scanNs.toFixed(0)} ns/op` },
    "scan / Map": { value: `${(scanNs / mapNs).toFixed(0)}x` },
    "byType (precomputed)": { value: `${(byTypeMs * 1000).toFixed(1)} µs` },
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runRegistryBench();
