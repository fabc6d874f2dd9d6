import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createCallers,
  deleteIsvcs,
  deploy,
  type IrisProbe,
  type IsvcView,
  irisProbe,
  predictIris,
  predictionsBecome,
  waitForIsvc,
} from "./lifecycle-client.ts";

/**
 * A canary through the deploy API (`canaryTrafficPercent`, docs/API.md) on KServe's Serverless mode: v1 rolled
 * out, v2 as a canary, rolled back, then promoted; the controller's split read back each time, and what the
 * Gateway carries of it.
 */
const platform = inject("platform");
let deployerToken = "";
let probe: IrisProbe;

const removeIris = () => deleteIsvcs(platform, "iris");

/** The split as `{percent of the latest revision, percent of the others}`, once the controller has written it. */
const split = (isvc: IsvcView) => ({
  latest: isvc.traffic.filter((t) => t.latest).reduce((sum, t) => sum + t.percent, 0),
  previous: isvc.traffic.filter((t) => !t.latest).reduce((sum, t) => sum + t.percent, 0),
});

const waitForSplit = (what: string, latest: number) =>
  waitForIsvc(
    platform,
    deployerToken,
    "iris",
    what,
    (read) =>
      read.ready && read.version === "v2" && split(read).latest === latest && split(read).previous === 100 - latest,
  );

beforeAll(async () => {
  ({ deployer: deployerToken } = await createCallers(platform));
  probe = await irisProbe(platform);
  await removeIris();
  expect((await deploy(platform, deployerToken, { model: "iris", version: "v1" })).status).toBe(202);
  await waitForIsvc(platform, deployerToken, "iris", "v1 Ready", (read) => read.ready && read.traffic.length > 0);
});

afterAll(removeIris);

describe("a canary through the deploy API", () => {
  it("splits traffic as asked: the new version's revision gets the canary's share, the rolled-out one the rest", async () => {
    const answer = await deploy(platform, deployerToken, { model: "iris", version: "v2", canaryTrafficPercent: 30 });
    expect(answer.status, answer.text).toBe(202);
    const { isvc } = await waitForSplit("a 30/70 split", 30);
    expect(isvc.canaryTrafficPercent).toBe(30);
    expect(isvc.traffic).toHaveLength(2);
    expect(new Set(isvc.traffic.map((t) => t.revision)).size).toBe(2);
    const counts = { v1: 0, v2: 0, failed: 0 };
    const failures = new Map<string, number>();
    for (let i = 0; i < 30; i += 1) {
      const predicted = await predictIris(platform, probe.instances);
      const predictions = JSON.stringify((predicted.json as { predictions?: number[] } | undefined)?.predictions);
      if (predicted.status !== 200) {
        counts.failed += 1;
        const key = `${predicted.status} ${predicted.text.slice(0, 120)}`;
        failures.set(key, (failures.get(key) ?? 0) + 1);
      } else if (predictions === JSON.stringify(probe.v1)) counts.v1 += 1;
      else if (predictions === JSON.stringify(probe.v2)) counts.v2 += 1;
    }
    process.stderr.write(
      `[lifecycle] 30 requests during a 30/70 canary through Traefik: ${JSON.stringify(counts)} ${JSON.stringify([...failures])}\n`,
    );
    // What the Gateway carries of a split: Knative puts each revision's routing headers on its backendRef, which
    // Traefik 3.6 drops when a rule has two (docs/DEPLOYING.md, "Serving runtimes and storage"); the activator
    // then cannot tell the revision. Every answer is a model's or that 404, never anything else.
    expect(counts.v1 + counts.v2 + counts.failed).toBe(30);
    for (const key of failures.keys()) expect(key).toMatch(/^404 .*revision.* "iris-predictor" not found/);
  });

  it("rolls back with canaryTrafficPercent 0: all traffic on the rolled-out revision, predictions v1's", async () => {
    const answer = await deploy(platform, deployerToken, { model: "iris", version: "v2", canaryTrafficPercent: 0 });
    expect(answer.status, answer.text).toBe(202);
    const { isvc } = await waitForSplit("a 0/100 split", 0);
    expect(isvc.canaryTrafficPercent).toBe(0);
    await predictionsBecome(platform, probe.instances, probe.v1);
  });

  it("promotes by deploying without a canary: the field is gone, all traffic on v2, predictions v2's", async () => {
    const answer = await deploy(platform, deployerToken, { model: "iris", version: "v2" });
    expect(answer.status, answer.text).toBe(202);
    const { isvc } = await waitForSplit("all on the latest", 100);
    expect(isvc.canaryTrafficPercent).toBeNull();
    await predictionsBecome(platform, probe.instances, probe.v2);
  });
});
