import { beforeAll, describe, expect, inject, it } from "vitest";
import { eventually } from "./eventually.ts";
import { kubectl } from "./kubectl.ts";
import {
  api,
  atZero,
  CALLER_NAMESPACE,
  createCallers,
  deleteIsvcs,
  deploy,
  type IrisProbe,
  inferIris,
  irisHealth,
  irisProbe,
  isvcObject,
  isvcPods,
  MODEL_NAMESPACE,
  predictIris,
  predictionsBecome,
  readIsvc,
  waitForIsvc,
} from "./lifecycle-client.ts";

/**
 * A model's whole life over modelgate's HTTP routes, on the real platform: deploy by a ServiceAccount RBAC allows,
 * the KServe controller makes the InferenceService Ready (a Knative Service running the sklearn runtime on the
 * model store's volume), predict and infer through the Gateway answer the model's own predictions, a second
 * version rolls out, a version whose storage does not exist fails with the controller's own reason, undeploy
 * removes it all. Nothing in between is written by hand.
 */
const platform = inject("platform");
let tokens: { deployer: string; stranger: string };
let probe: IrisProbe;

beforeAll(async () => {
  tokens = await createCallers(platform);
  probe = await irisProbe(platform);
  await deleteIsvcs(platform, "iris", "iris-broken");
});

describe("deploy refused before anything is written", () => {
  it("answers 403 to a token RBAC does not allow, and writes no CR", async () => {
    const answer = await deploy(platform, tokens.stranger, { model: "iris" });
    expect(answer.status, answer.text).toBe(403);
    expect((answer.json as { error: string }).error).toMatch(/lifecycle-stranger may not create inferenceservices/);
    expect(await isvcObject(platform, "iris")).toBeUndefined();
  });

  it("answers 403 to a namespace outside KSERVE_ALLOWED_NAMESPACES, and writes no CR there", async () => {
    const answer = await deploy(platform, tokens.deployer, { model: "iris", namespace: CALLER_NAMESPACE });
    expect(answer.status, answer.text).toBe(403);
    expect((answer.json as { error: string }).error).toContain(CALLER_NAMESPACE);
    const there = await kubectl(platform, ["get", "isvc", "-n", CALLER_NAMESPACE, "-o", "name"]);
    expect(there.trim()).toBe("");
  });

  it("answers 401 without a token", async () => {
    const answer = await deploy(platform, "", { model: "iris" });
    expect(answer.status, answer.text).toBe(401);
  });
});

describe("a model's life over HTTP", () => {
  it("deploys: 202, and the real controller makes it Ready with the URL modelgate reads back", async () => {
    // The broken version goes first: Knative reports it failed only at its progress deadline, checked below.
    const broken = await deploy(platform, tokens.deployer, { model: "iris", version: "missing", name: "iris-broken" });
    expect(broken.status, broken.text).toBe(202);
    const started = performance.now();
    const answer = await deploy(platform, tokens.deployer, { model: "iris" });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.json).toMatchObject({
      status: "PENDING",
      inferenceService: { name: "iris", namespace: MODEL_NAMESPACE, model: "iris", version: "v1", ready: false },
    });
    const { isvc } = await waitForIsvc(platform, tokens.deployer, "iris", "Ready", (read) => read.ready);
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`[lifecycle] deploy to Ready: ${seconds.toFixed(1)} s\n`);
    const cr = (await isvcObject(platform, "iris")) as { status: { url: string } };
    expect(isvc).toMatchObject({ currentState: "DEPLOYED", ready: true, version: "v1", url: cr.status.url });
    expect(isvc.url).toMatch(new RegExp(`^http://iris-predictor\\.${MODEL_NAMESPACE}\\.`));
    expect(isvc.conditions).toContainEqual({ type: "PredictorReady", status: "True" });
  });

  it("predicts (V1) and infers (V2) through the Gateway with the model's own answers; health says ready", async () => {
    const predicted = await predictIris(platform, probe.instances);
    expect(predicted.status, predicted.text).toBe(200);
    expect(predicted.json).toEqual({ predictions: probe.v1 });
    const inferred = await inferIris(platform, probe.instances);
    expect(inferred.status, inferred.text).toBe(200);
    expect(inferred.json).toMatchObject({
      model_name: "iris",
      outputs: [{ name: "output-0", datatype: "INT64", shape: [probe.instances.length], data: probe.v1 }],
    });
    expect((await irisHealth(platform)).status).toBe("ready");
  });

  it("answers from zero: the predictor scaled to zero, the first request starts it", async () => {
    await eventually("the iris predictor at zero", 120_000, async () =>
      (await atZero(platform, "iris")) ? true : undefined,
    );
    const predicted = await predictIris(platform, probe.instances);
    process.stderr.write(`[lifecycle] request at zero to prediction: ${(predicted.ms / 1000).toFixed(2)} s\n`);
    expect(predicted.status, predicted.text).toBe(200);
    expect(predicted.json).toEqual({ predictions: probe.v1 });
  });

  it("rolls out the other version: answers change, one owner (modelgate), the contract's labels", async () => {
    const answer = await deploy(platform, tokens.deployer, { model: "iris", version: "v2" });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.json).toMatchObject({ inferenceService: { version: "v2" } });
    await predictionsBecome(platform, probe.instances, probe.v2);
    const { isvc } = await waitForIsvc(platform, tokens.deployer, "iris", "v2 Ready", (r) => r.ready);
    expect(isvc.version).toBe("v2");
    const cr = (await isvcObject(platform, "iris")) as {
      metadata: {
        labels: Record<string, string>;
        managedFields: { manager: string; operation: string; subresource?: string; fieldsV1: unknown }[];
      };
      spec: { predictor: { model: { storageUri: string } } };
    };
    expect(cr.spec.predictor.model.storageUri).toBe("pvc://model-store/iris/v2");
    // modelgate owns what it applies; the controller adds only its finalizer (and the status).
    const fields = cr.metadata.managedFields.filter((f) => f.subresource !== "status");
    expect(fields.filter((f) => f.operation === "Apply").map((f) => f.manager)).toEqual(["modelgate"]);
    for (const other of fields.filter((f) => f.manager !== "modelgate"))
      expect(Object.keys(other.fieldsV1 as Record<string, unknown>), other.manager).toEqual(["f:metadata"]);
    for (const other of fields.filter((f) => f.manager !== "modelgate"))
      expect(Object.keys((other.fieldsV1 as { "f:metadata": object })["f:metadata"])).toEqual(["f:finalizers"]);
    expect(cr.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "modelgate",
      "modelregistry.ai-platform/registered-model-id": "iris",
      "modelregistry.ai-platform/model-version-id": "v2",
      "modelregistry.ai-platform/inference-service-id": "iris",
    });
  });

  it("accepted a version whose storage does not exist, and reads back the controller's reason and message", async () => {
    const { isvc } = await waitForIsvc(platform, tokens.deployer, "iris-broken", "a failing condition", (read) =>
      read.conditions.some((c) => c.status === "False" && c.reason !== undefined && c.message !== undefined),
    );
    expect(isvc.ready).toBe(false);
    const failed = isvc.conditions.find((c) => c.status === "False" && c.message !== undefined);
    const cr = (await isvcObject(platform, "iris-broken")) as { status: { conditions: { message?: string }[] } };
    expect(cr.status.conditions.map((c) => c.message)).toContain(failed?.message);
    expect(isvc.lastError).toBe(failed?.message);
    // Knative writes one of two reports at the progress deadline (reconcile_resources.go): the container's own
    // termination message (the model server names the missing file) when the pod it reads has already exited
    // once, or the Deployment's "timed out progressing" when it has not (seen under CI load). Both are the
    // controller's words, and modelgate must pass either through unchanged.
    expect(isvc.lastError).toMatch(
      /model\.joblib|iris\/missing|\/mnt\/models|iris-broken-predictor.*timed out progressing/,
    );
  });

  it("undeploys: 204, the CRs and their pods go away, health becomes unavailable; again: 204", async () => {
    for (const name of ["iris", "iris-broken"]) {
      const answer = await api(platform, "DELETE", `/api/v1/undeploy/${MODEL_NAMESPACE}/${name}`, {
        token: tokens.deployer,
      });
      expect(answer.status, answer.text).toBe(204);
    }
    await eventually("the CRs and pods gone", 120_000, async () => {
      const left = [
        await isvcObject(platform, "iris"),
        await isvcObject(platform, "iris-broken"),
        ...(await isvcPods(platform, "iris")),
        ...(await isvcPods(platform, "iris-broken")),
      ].filter(Boolean);
      return left.length === 0 ? true : undefined;
    });
    expect(await readIsvc(platform, tokens.deployer, "iris")).toBeUndefined();
    const health = await eventually("health unavailable", 60_000, async () => {
      const read = await irisHealth(platform);
      return read.status === "unavailable" ? read : undefined;
    });
    expect(health.message).toBeTruthy();
    const again = await api(platform, "DELETE", `/api/v1/undeploy/${MODEL_NAMESPACE}/iris`, {
      token: tokens.deployer,
    });
    expect(again.status, again.text).toBe(204);
  });
});
