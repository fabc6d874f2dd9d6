import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyObjects } from "./apply.ts";
import { eventually } from "./eventually.ts";
import { gatewayRequest } from "./gateway-client.ts";
import { kubectl } from "./kubectl.ts";

/**
 * Health for real: the base registry's `anomaly-detector` names the Service `anomaly-detector-predictor` in
 * `self-healing-platform`, which is what KServe makes for an InferenceService of that name. Here a Knative Service
 * of that name runs the sample model (image `dev.local/modelgate/sample-model`, from `./dev images`): models
 * `/health` says `ready` while it runs, predict reaches it through the Gateway, and health says `unavailable`
 * once it is deleted.
 */
const platform = inject("platform");
const NS = "self-healing-platform";
const SERVICE = "anomaly-detector-predictor";

const sampleModel = {
  apiVersion: "serving.knative.dev/v1",
  kind: "Service",
  metadata: { name: SERVICE, namespace: NS, labels: { "networking.knative.dev/visibility": "cluster-local" } },
  spec: {
    template: {
      metadata: { annotations: { "autoscaling.knative.dev/min-scale": "0" } },
      spec: {
        containers: [
          {
            image: "dev.local/modelgate/sample-model:0.1.0",
            env: [{ name: "MODEL_NAMES", value: "anomaly-detector" }],
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: "/v1/models/anomaly-detector" } },
          },
        ],
      },
    },
  },
};

const health = async () => {
  const answer = await gatewayRequest(platform.gatewayUrl, {
    method: "GET",
    path: "/api/v1/models/anomaly-detector/health",
  });
  expect(answer.status).toBe(200);
  return answer.json as { model: string; status: string; service: string; namespace: string; message?: string };
};

beforeAll(async () => {
  await kubectl(platform, ["delete", "ksvc", "-n", NS, SERVICE, "--ignore-not-found", "--wait=true"]);
});

afterAll(async () => {
  await kubectl(platform, ["delete", "ksvc", "-n", NS, SERVICE, "--ignore-not-found", "--wait=false"]);
});

describe("models /health of a model served by a Knative Service on the platform", () => {
  it("is unavailable while no such service exists, naming why", async () => {
    const answer = await health();
    expect(answer).toMatchObject({ model: "anomaly-detector", status: "unavailable", service: SERVICE, namespace: NS });
    expect(answer.message).toMatch(/unreachable|ENOTFOUND|EAI_AGAIN/);
  });

  it("is ready once the service runs, and predict reaches the model through the Gateway", async () => {
    await applyObjects(platform, [sampleModel]);
    await kubectl(platform, ["wait", "-n", NS, "--for=condition=Ready", "--timeout=180s", `ksvc/${SERVICE}`], {
      timeoutMs: 190_000,
    });
    const ready = await eventually("health ready", 60_000, async () => {
      const answer = await health();
      return answer.status === "ready" ? answer : undefined;
    });
    expect(ready).toMatchObject({ model: "anomaly-detector", status: "ready", service: SERVICE, namespace: NS });
    const predicted = await gatewayRequest(platform.gatewayUrl, {
      method: "POST",
      path: "/api/v1/models/anomaly-detector/predict",
      body: JSON.stringify({
        instances: [
          [1, 1, 1, 1, 1, 1, 1, 1, 1, 50],
          [1, 2, 3, 2, 1],
        ],
      }),
    });
    expect(predicted.status).toBe(200);
    expect(predicted.json).toEqual({ predictions: [-1, 1], model_name: "anomaly-detector" });
  });

  it("is unavailable again once the service is deleted", async () => {
    await kubectl(platform, ["delete", "ksvc", "-n", NS, SERVICE, "--wait=true"], { timeoutMs: 120_000 });
    const gone = await eventually("health unavailable", 90_000, async () => {
      const answer = await health();
      return answer.status === "unavailable" ? answer : undefined;
    });
    expect(gone.message).toBeTruthy();
  });
});
