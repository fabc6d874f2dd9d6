import { describe, expect, it } from "vitest";
import type { InferenceService } from "../src/inference-service.ts";
import { readStatus } from "../src/read-status.ts";

type Status = NonNullable<InferenceService["status"]>;
type Cond = NonNullable<Status["conditions"]>[number];

function cr(status?: unknown, labels: Record<string, string> = {}): InferenceService {
  const base: InferenceService = {
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: {
      name: "scorer",
      namespace: "ml",
      uid: "u-1",
      labels: {
        "modelregistry.ai-platform/registered-model-id": "anomaly-detector",
        "modelregistry.ai-platform/model-version-id": "v2",
        ...labels,
      },
    },
    spec: { predictor: { model: { modelFormat: { name: "sklearn" }, storageUri: "s3://x" } } },
  };
  if (status !== undefined) base.status = status as Status;
  return base;
}

const STATUSES = ["True", "False", "Unknown"] as const;
const TYPES = ["PredictorReady", "IngressReady", "LatestDeploymentReady", "Ready"] as const;
const MESSAGES: Record<string, string> = {
  PredictorReady: "predictor pod crash-looping",
  IngressReady: "ingress not configured",
  LatestDeploymentReady: "revision failed",
  Ready: "InferenceService not ready",
};

/** Every combination of the four conditions KServe writes, each True/False/Unknown (3^4 = 81). */
function* combinations(): Generator<Record<(typeof TYPES)[number], (typeof STATUSES)[number]>> {
  for (const a of STATUSES)
    for (const b of STATUSES)
      for (const c of STATUSES)
        for (const d of STATUSES) yield { PredictorReady: a, IngressReady: b, LatestDeploymentReady: c, Ready: d };
}

describe("readStatus", () => {
  it("reads a CR without status as UNDEPLOYED, not ready, no url, no error", () => {
    expect(readStatus(cr())).toEqual({
      name: "scorer",
      namespace: "ml",
      uid: "u-1",
      model: "anomaly-detector",
      version: "v2",
      desiredState: "DEPLOYED",
      currentState: "UNDEPLOYED",
      ready: false,
      url: null,
      lastError: null,
      conditions: [],
      canaryTrafficPercent: null,
      traffic: [],
    });
  });

  it("reads an empty status and a status with no conditions the same way", () => {
    for (const status of [{}, { conditions: [] }, { url: "" }]) {
      const view = readStatus(cr(status));
      expect(view).toMatchObject({ ready: false, currentState: "UNDEPLOYED", url: null, lastError: null });
    }
  });

  it("is DEPLOYED iff Ready is True, and lastError is the first False condition's message, for all 81 combinations", () => {
    let checked = 0;
    for (const combo of combinations()) {
      const conditions: Cond[] = TYPES.map((type) => ({
        type,
        status: combo[type],
        ...(combo[type] === "True" ? {} : { reason: `${type}Reason`, message: MESSAGES[type] }),
      }));
      const view = readStatus(cr({ conditions, url: "http://scorer.ml.example.com" }));
      const ready = combo.Ready === "True";
      expect(view.ready).toBe(ready);
      expect(view.currentState).toBe(ready ? "DEPLOYED" : "UNDEPLOYED");
      const firstFalse = TYPES.find((type) => combo[type] === "False");
      expect(view.lastError).toBe(firstFalse === undefined ? null : MESSAGES[firstFalse]);
      expect(view.conditions.map((c) => c.status)).toEqual(TYPES.map((type) => combo[type]));
      expect(view.url).toBe("http://scorer.ml.example.com");
      checked++;
    }
    expect(checked).toBe(81);
  });

  it("keeps condition type, status, reason and message, and drops KServe's other fields", () => {
    const view = readStatus(
      cr({
        conditions: [
          {
            type: "PredictorReady",
            status: "False",
            reason: "RevisionFailed",
            message: "Revision failed",
            severity: "Info",
            lastTransitionTime: "2026-01-01T00:00:00Z",
          },
          { type: "Ready", status: "False", lastTransitionTime: "2026-01-01T00:00:00Z" },
        ],
      }),
    );
    expect(view.conditions).toEqual([
      { type: "PredictorReady", status: "False", reason: "RevisionFailed", message: "Revision failed" },
      { type: "Ready", status: "False" },
    ]);
  });

  it("uses lastFailureInfo when no False condition carries a message", () => {
    const view = readStatus(
      cr({
        conditions: [{ type: "Ready", status: "False", reason: "ModelLoadFailed" }],
        modelStatus: {
          transitionStatus: "BlockedByFailedLoad",
          lastFailureInfo: { reason: "ModelLoadFailed", message: "failed to download s3://x: 403" },
        },
      }),
    );
    expect(view.lastError).toBe("failed to download s3://x: 403");
  });

  it("uses lastFailureInfo when there are no conditions at all", () => {
    const view = readStatus(cr({ modelStatus: { lastFailureInfo: { message: "OOMKilled" } } }));
    expect(view).toMatchObject({ lastError: "OOMKilled", ready: false });
  });

  it("prefers the first False condition's message over lastFailureInfo", () => {
    const view = readStatus(
      cr({
        conditions: [{ type: "PredictorReady", status: "False", message: "pod pending" }],
        modelStatus: { lastFailureInfo: { message: "older failure" } },
      }),
    );
    expect(view.lastError).toBe("pod pending");
  });

  it("skips a False condition without message for a later one that has one", () => {
    const view = readStatus(
      cr({
        conditions: [
          { type: "IngressReady", status: "False", reason: "NoIngress" },
          { type: "PredictorReady", status: "False", message: "image pull back-off" },
        ],
      }),
    );
    expect(view.lastError).toBe("image pull back-off");
  });

  it("falls back to a False condition's reason when nothing has a message", () => {
    expect(readStatus(cr({ conditions: [{ type: "Ready", status: "False", reason: "Stopped" }] })).lastError).toBe(
      "Stopped",
    );
  });

  it("reports lastFailureInfo even while Ready is True (the last error, not the current one)", () => {
    const view = readStatus(
      cr({
        conditions: [{ type: "Ready", status: "True" }],
        modelStatus: { lastFailureInfo: { message: "earlier crash" } },
      }),
    );
    expect(view).toMatchObject({ ready: true, currentState: "DEPLOYED", lastError: "earlier crash" });
  });

  it("reads the canary percentage of the spec and the predictor's traffic split of the status", () => {
    const split = cr({
      components: {
        predictor: {
          traffic: [
            { revisionName: "scorer-predictor-00002", percent: 20, latestRevision: true, tag: "latest" },
            { revisionName: "scorer-predictor-00001", percent: 80, latestRevision: false, tag: "prev" },
            { percent: 5 },
            "junk",
            { revisionName: "scorer-predictor-00003" },
          ],
        },
      },
    });
    split.spec.predictor.canaryTrafficPercent = 20;
    const isvc = readStatus(split);
    expect(isvc.canaryTrafficPercent).toBe(20);
    expect(isvc.traffic).toEqual([
      { revision: "scorer-predictor-00002", percent: 20, latest: true, tag: "latest" },
      { revision: "scorer-predictor-00001", percent: 80, latest: false, tag: "prev" },
      { revision: "scorer-predictor-00003", percent: 0, latest: false },
    ]);
    expect(readStatus(cr({ components: { predictor: { traffic: "x" } } })).traffic).toEqual([]);
  });

  it("takes status.url, else status.address.url", () => {
    expect(readStatus(cr({ url: "https://a.example.com", address: { url: "http://a.ml.svc" } })).url).toBe(
      "https://a.example.com",
    );
    expect(readStatus(cr({ address: { url: "http://a.ml.svc.cluster.local" } })).url).toBe(
      "http://a.ml.svc.cluster.local",
    );
  });

  it("is not ready when Ready is missing even if every other condition is True", () => {
    const view = readStatus(
      cr({ conditions: TYPES.filter((t) => t !== "Ready").map((type) => ({ type, status: "True" })) }),
    );
    expect(view).toMatchObject({ ready: false, currentState: "UNDEPLOYED", lastError: null });
  });

  it("tolerates malformed status: non-array conditions, junk entries, missing status values", () => {
    expect(readStatus(cr({ conditions: "nope" })).conditions).toEqual([]);
    const view = readStatus(
      cr({ conditions: [null, 7, { status: "True" }, { type: "Ready" }, { type: "Ready", status: "True" }] }),
    );
    expect(view.conditions).toEqual([
      { type: "Ready", status: "Unknown" },
      { type: "Ready", status: "True" },
    ]);
    expect(view.ready).toBe(true);
    expect(readStatus(cr("a string")).conditions).toEqual([]);
  });

  it("shows null model and version for a CR missing modelgate's labels, and empty uid when none", () => {
    const bare = cr();
    bare.metadata = { name: "x", namespace: "ml" };
    expect(readStatus(bare)).toMatchObject({ model: null, version: null, uid: "" });
  });
});
