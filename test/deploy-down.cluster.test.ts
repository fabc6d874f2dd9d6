import { loadConfig } from "@modelgate/config";
import { createLogger } from "@modelgate/http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../functions/deploy/src/index.ts";
import { ensureNamespace } from "./cluster/admin.ts";
import { type ControlPlane, installCrds, listSharedCrdFiles, startControlPlane } from "./cluster/control-plane.ts";

/**
 * The deploy function when the API server goes away: its own control plane (only the KServe CRDs), stopped
 * mid-suite, so the shared one stays up for the other suites.
 */

const cluster = inject("cluster");
const NS = "down";
let cp: ControlPlane;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  cp = await startControlPlane({ binDir: cluster.binDir });
  try {
    await installCrds(
      cp,
      listSharedCrdFiles().filter((file) => file.includes("inferenceservices")),
    );
    await ensureNamespace(cp, NS);
  } catch (error) {
    await cp.stop();
    throw error;
  }
  const config = loadConfig({
    KSERVE_MODEL_REGISTRY: JSON.stringify([
      {
        name: "scorer",
        service: "scorer-predictor",
        namespace: NS,
        type: "anomaly",
        versions: [{ name: "v1", storageUri: "s3://scorer", modelFormat: { name: "sklearn" } }],
      },
    ]),
    KUBERNETES_IN_CLUSTER: "false",
    KUBERNETES_KUBECONFIG: cp.kubeconfigPath,
    MODELGATE_AUTH: "none",
  });
  app = createApp({ config, logger: createLogger({ name: "deploy", level: "silent" }) });
});

afterAll(async () => {
  await cp?.stop();
});

const deploy = () =>
  app.request("/api/v1/deploy", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "scorer" }),
  });
const deployEvent = () =>
  app.request("/", {
    method: "POST",
    headers: {
      "ce-specversion": "1.0",
      "ce-type": "dev.modelgate.deploy.requested",
      "ce-source": "/down",
      "ce-id": "1",
      "content-type": "application/json",
    },
    body: JSON.stringify({ model: "scorer" }),
  });

describe("Kubernetes API server stopped", () => {
  it("works while the API server runs, then answers 503 on every deploy route and event once it is stopped", async () => {
    expect((await deploy()).status).toBe(202);
    await cp.stop();

    const started = performance.now();
    const answers = [
      await deploy(),
      await app.request(`/api/v1/undeploy/${NS}/scorer`, { method: "DELETE" }),
      await app.request("/api/v1/inferenceservices"),
      await app.request(`/api/v1/inferenceservices/${NS}/scorer`),
      await deployEvent(),
    ];
    const elapsed = performance.now() - started;
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toMatch(
        /^Kubernetes API unreachable \(.*\): .*ECONNREFUSED/,
      );
    }
    // Refused connections fail fast: no request waits for the 10 s timeout.
    expect(elapsed).toBeLessThan(5_000);
    expect((await app.request("/health/readiness")).status).toBe(200);
  });
});
