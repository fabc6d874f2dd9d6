import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadConfig } from "@modelgate/config";
import { createLogger, type Served, serve } from "@modelgate/http";
import { createApp } from "@modelgate/predict";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

/**
 * KServe's own paths (docs/API.md, "KServe's paths") with the kserve package's own `InferenceRESTClient`,
 * unmodified (test/kserve/rest_client.py): the same calls against modelgate (its registry names) and against
 * the KServe model server itself (the models' own names) must give the client the same results, binary
 * tensors included.
 */
const { python, a } = inject("kserve");
const CLIENT = fileURLToPath(new URL("./kserve/rest_client.py", import.meta.url));
const run = promisify(execFile);

/** The registry: names of modelgate's own, each sent upstream as the model's name on server a. */
const registry = [
  { name: "fraud-score", modelName: "scorer", type: "anomaly", url: a.url },
  { name: "fraud-score-v2", modelName: "scorer", type: "anomaly", protocol: "v2", url: a.url },
  { name: "sleeper", modelName: "dormant", type: "anomaly", url: a.url },
];

type Results = Record<string, { value?: unknown; status?: number }>;

/** What the client got from `base`, calling `scorer`, `notReady` and `unknown`. */
async function clientResults(base: string, scorer: string, notReady: string, unknown: string): Promise<Results> {
  const { stdout } = await run(python, [CLIENT, base, scorer, notReady, unknown], { timeout: 60_000 });
  return JSON.parse(stdout) as Results;
}

let served: Served;
let direct: Results;

beforeAll(async () => {
  const config = loadConfig({ KSERVE_MODEL_REGISTRY: JSON.stringify(registry), KSERVE_TIMEOUT: "20s" });
  const logger = createLogger({ name: "predict", level: "silent" });
  served = await serve(createApp({ config, logger }), { port: 0, hostname: "127.0.0.1" });
  direct = await clientResults(a.url, "scorer", "dormant", "no-such-model");
});

afterAll(async () => {
  await served?.close();
});

describe("kserve's InferenceRESTClient pointed at modelgate", () => {
  it("gets what it gets from the KServe model server itself, call for call", async () => {
    const through = await clientResults(served.url, "fraud-score", "sleeper", "no-such-model");
    expect(Object.keys(through)).toEqual(Object.keys(direct));
    expect(through).toEqual(direct);
  });

  it("works with a V2 entry's name too (the path, not the entry's protocol, picks V1 or V2)", async () => {
    const through = await clientResults(served.url, "fraud-score-v2", "sleeper", "no-such-model");
    expect(through).toEqual(direct);
  });

  it("made the calls that matter: answers, readiness both ways, binary tensors, 404 for an unknown model", () => {
    expect(direct["v1 predict"]?.value).toEqual({ predictions: [1.5, 3.5], server_id: "kserve-a" });
    expect(direct["v1 model ready"]?.value).toBe(true);
    expect(direct["v1 model not ready"]?.value).toBe(false);
    expect(direct["v2 model not ready"]?.value).toBe(false);
    expect(direct["v2 infer"]?.value).toMatchObject({ "binary answer": false });
    expect(direct["v2 infer, binary tensors"]?.value).toMatchObject({
      "binary answer": true,
      outputs: [{ name: "score", data: [1.5, 3.5] }],
    });
    expect(direct["v1 predict, unknown model"]).toEqual({ status: 404 });
    expect(direct["v2 infer, unknown model"]).toEqual({ status: 404 });
  });
});
