import type { ModelEntry } from "@modelgate/config";
import { describe, expect, it } from "vitest";
import { buildInferenceService } from "../src/build-inference-service.ts";
import { testConfig } from "./support/fixtures.ts";

const config = testConfig();
function entry(name: string): ModelEntry {
  const found = config.registry.get(name);
  if (!found) throw new Error(`fixture ${name} missing`);
  return found;
}
function version(e: ModelEntry, name: string) {
  const found = e.versions.find((v) => v.name === name);
  if (!found) throw new Error(`fixture version ${name} missing`);
  return found;
}

describe("buildInferenceService", () => {
  const anomaly = entry("anomaly-detector");

  it("builds the full CR from an entry with every deploy setting", () => {
    const cr = buildInferenceService(anomaly, {
      version: version(anomaly, "v2"),
      name: "anomaly-detector",
      namespace: "ml",
    });
    expect(cr).toEqual({
      apiVersion: "serving.kserve.io/v1beta1",
      kind: "InferenceService",
      metadata: {
        name: "anomaly-detector",
        namespace: "ml",
        labels: {
          "app.kubernetes.io/managed-by": "modelgate",
          "modelregistry.ai-platform/registered-model-id": "anomaly-detector",
          "modelregistry.ai-platform/model-version-id": "v2",
          "modelregistry.ai-platform/inference-service-id": "anomaly-detector",
        },
        annotations: {
          "modelgate.dev/model-type": "anomaly",
          "modelgate.dev/description": "Isolation forest over node metrics",
          "serving.kserve.io/deploymentMode": "Standard",
        },
      },
      spec: {
        predictor: {
          minReplicas: 1,
          maxReplicas: 3,
          serviceAccountName: "model-reader",
          model: {
            modelFormat: { name: "sklearn", version: "1" },
            storageUri: "s3://models/anomaly/v2",
            runtime: "kserve-sklearnserver",
            protocolVersion: "v2",
            resources: { limits: { cpu: "1", memory: "1Gi" } },
          },
        },
      },
    });
  });

  it("leaves out every optional field the entry does not set", () => {
    const forecast = entry("predictive-analytics");
    const cr = buildInferenceService(forecast, {
      version: version(forecast, "2024-01"),
      name: "forecaster",
      namespace: "self-healing-platform",
    });
    expect(cr.spec).toEqual({
      predictor: { model: { modelFormat: { name: "xgboost" }, storageUri: "gs://m/forecast/1" } },
    });
    expect(cr.metadata.annotations).toEqual({ "modelgate.dev/model-type": "predictive" });
  });

  it("passes resources as given, even when the API server will reject them", () => {
    const odd = { ...anomaly, deploy: { resources: { limits: { cpu: "lots" }, weird: [1, 2] } } };
    const cr = buildInferenceService(odd, { version: version(anomaly, "v1"), name: "a", namespace: "ml" });
    expect(cr.spec.predictor.model.resources).toEqual({ limits: { cpu: "lots" }, weird: [1, 2] });
  });

  it("adds user labels, but modelgate's own labels win over them", () => {
    const cr = buildInferenceService(anomaly, {
      version: version(anomaly, "v1"),
      name: "anomaly-detector",
      namespace: "ml",
      labels: {
        team: "sre",
        "app.kubernetes.io/managed-by": "someone-else",
        "modelregistry.ai-platform/model-version-id": "v9",
      },
    });
    expect(cr.metadata.labels).toMatchObject({
      team: "sre",
      "app.kubernetes.io/managed-by": "modelgate",
      "modelregistry.ai-platform/model-version-id": "v1",
    });
  });

  it("records the requester when one is known", () => {
    const cr = buildInferenceService(anomaly, {
      version: version(anomaly, "v1"),
      name: "a",
      namespace: "ml",
      requestedBy: "system:serviceaccount:ml:ci",
    });
    expect(cr.metadata.annotations?.["modelgate.dev/requested-by"]).toBe("system:serviceaccount:ml:ci");
  });

  it("writes the canary percentage on the predictor only when one is given", () => {
    const canary = buildInferenceService(anomaly, {
      version: version(anomaly, "v2"),
      name: "a",
      namespace: "ml",
      canaryTrafficPercent: 0,
    });
    expect(canary.spec.predictor.canaryTrafficPercent).toBe(0);
    const promoted = buildInferenceService(anomaly, { version: version(anomaly, "v2"), name: "a", namespace: "ml" });
    expect("canaryTrafficPercent" in promoted.spec.predictor).toBe(false);
  });

  it("labels the CR with the name it is given, not the entry's", () => {
    const cr = buildInferenceService(anomaly, { version: version(anomaly, "v3"), name: "canary", namespace: "ml" });
    expect(cr.metadata.name).toBe("canary");
    expect(cr.metadata.labels?.["modelregistry.ai-platform/inference-service-id"]).toBe("canary");
  });

  it("does not share objects with the registry entry", () => {
    const cr = buildInferenceService(anomaly, { version: version(anomaly, "v2"), name: "a", namespace: "ml" });
    expect(cr.spec.predictor.model.modelFormat).not.toBe(version(anomaly, "v2").modelFormat);
  });
});
