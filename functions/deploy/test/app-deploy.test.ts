import { LiveRegistry, Registry } from "@modelgate/config";
import { HttpError } from "@modelgate/http";
import { KubeApiError, kubeConnection } from "@modelgate/kube";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import type { InferenceService } from "../src/inference-service.ts";
import { FakeKube } from "./support/fake-kube.ts";
import { captureLogger, json, testConfig } from "./support/fixtures.ts";

let kube: FakeKube;
let log: ReturnType<typeof captureLogger>;
beforeEach(() => {
  kube = new FakeKube();
  log = captureLogger();
});

function app(env: Record<string, string> = {}) {
  return createApp({ config: testConfig(env), logger: log.logger, kube: async () => kube });
}
function deploy(body: unknown, a = app()) {
  return a.request("/api/v1/deploy", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
const stored = (ns: string, name: string) => kube.store.get(`${ns}/${name}`);
const audit = () => log.lines.filter((line) => line.msg === "deploy" || line.msg === "undeploy");

function foreign(ns: string, name: string): InferenceService {
  return {
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: { name, namespace: ns, labels: { team: "other" } },
    spec: { predictor: { model: { modelFormat: { name: "onnx" }, storageUri: "s3://theirs" } } },
  };
}

describe("POST /api/v1/deploy", () => {
  it("applies the default version and answers 202 with the Isvc, PENDING", async () => {
    const res = await deploy({ model: "anomaly-detector" });
    expect(res.status).toBe(202);
    const body = await json(res);
    expect(body).toEqual({
      inferenceService: {
        name: "anomaly-detector",
        namespace: "ml",
        uid: expect.any(String),
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
      },
      status: "PENDING",
      message:
        "InferenceService ml/anomaly-detector (model anomaly-detector, version v2) applied; KServe has not reported it ready yet",
    });
    expect(stored("ml", "anomaly-detector")?.spec.predictor.model.storageUri).toBe("s3://models/anomaly/v2");
    expect(stored("ml", "anomaly-detector")?.metadata.annotations?.["modelgate.dev/requested-by"]).toBeUndefined();
  });

  it("deploys a named version, a name and namespace of the request, and user labels", async () => {
    const res = await deploy({
      model: "anomaly-detector",
      version: "v1",
      name: "canary",
      namespace: "vision",
      labels: { team: "sre" },
    });
    expect(res.status).toBe(202);
    const cr = stored("vision", "canary");
    expect(cr?.metadata.labels).toMatchObject({ team: "sre", "modelregistry.ai-platform/model-version-id": "v1" });
  });

  it("is idempotent: the same request twice gives one CR and the same answer", async () => {
    const first = await json(await deploy({ model: "anomaly-detector" }));
    const rv = stored("ml", "anomaly-detector")?.metadata.resourceVersion;
    const second = await json(await deploy({ model: "anomaly-detector" }));
    expect(second).toEqual(first);
    expect(kube.store.size).toBe(1);
    expect(stored("ml", "anomaly-detector")?.metadata.resourceVersion).toBe(rv);
  });

  it("updates the CR when the request changes (another version)", async () => {
    await deploy({ model: "anomaly-detector" });
    const uid = stored("ml", "anomaly-detector")?.metadata.uid;
    const body = await json(await deploy({ model: "anomaly-detector", version: "v3" }));
    expect(body.inferenceService).toMatchObject({ version: "v3", uid });
    expect(stored("ml", "anomaly-detector")?.spec.predictor.model.storageUri).toBe("s3://models/anomaly/v3");
  });

  it("writes a canary percentage, and a later deploy without one removes it (a promotion)", async () => {
    await deploy({ model: "anomaly-detector", version: "v1" });
    const canary = await json(await deploy({ model: "anomaly-detector", version: "v3", canaryTrafficPercent: 25 }));
    expect(canary.inferenceService).toMatchObject({ version: "v3", canaryTrafficPercent: 25 });
    expect(stored("ml", "anomaly-detector")?.spec.predictor.canaryTrafficPercent).toBe(25);
    const promoted = await json(await deploy({ model: "anomaly-detector", version: "v3" }));
    expect(promoted.inferenceService).toMatchObject({ version: "v3", canaryTrafficPercent: null });
    expect(stored("ml", "anomaly-detector")?.spec.predictor.canaryTrafficPercent).toBeUndefined();
  });

  it("refuses a bad canary percentage with 400 and writes nothing", async () => {
    const res = await deploy({ model: "anomaly-detector", canaryTrafficPercent: 150 });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({
      error: "invalid deploy request: canaryTrafficPercent must be an integer from 0 to 100",
    });
    expect(kube.store.size).toBe(0);
  });

  it("answers READY when the stored CR's Ready condition is True", async () => {
    await deploy({ model: "classifier" });
    const cr = stored("vision", "image-classifier");
    if (!cr) throw new Error("not stored");
    cr.status = { url: "http://image-classifier.vision.example.com", conditions: [{ type: "Ready", status: "True" }] };
    const body = await json(await deploy({ model: "classifier" }));
    expect(body).toMatchObject({
      status: "READY",
      inferenceService: { ready: true, currentState: "DEPLOYED", url: "http://image-classifier.vision.example.com" },
      message: "InferenceService vision/image-classifier (model classifier, version v1) is ready",
    });
  });

  it("mentions the last error while pending", async () => {
    await deploy({ model: "classifier" });
    const cr = stored("vision", "image-classifier");
    if (!cr) throw new Error("not stored");
    cr.status = { conditions: [{ type: "Ready", status: "False", message: "image pull back-off" }] };
    const body = await json(await deploy({ model: "classifier" }));
    expect(body.message).toContain("last error: image pull back-off");
  });

  it("answers 409 and leaves a CR of that name that modelgate did not create untouched", async () => {
    const theirs = kube.put(foreign("ml", "anomaly-detector"));
    const res = await deploy({ model: "anomaly-detector" });
    expect(res.status).toBe(409);
    expect((await json(res)).error).toBe(
      "InferenceService ml/anomaly-detector exists but is not managed by modelgate (no label app.kubernetes.io/managed-by=modelgate): left untouched",
    );
    expect(stored("ml", "anomaly-detector")).toEqual(theirs);
    expect(kube.calls.map((c) => c.method)).toEqual(["get"]);
  });

  it("creates an absent CR rather than applying it, so no CR made meanwhile is taken over", async () => {
    const res = await deploy({ model: "anomaly-detector" });
    expect(res.status).toBe(202);
    expect(kube.calls.map((c) => c.method)).toEqual(["get", "create"]);
    await deploy({ model: "anomaly-detector", version: "v1" });
    expect(kube.calls.map((c) => c.method)).toEqual(["get", "create", "get", "apply"]);
    expect(stored("ml", "anomaly-detector")?.spec.predictor.model.storageUri).toBe("s3://models/anomaly/v1");
  });

  it("answers 409 and leaves untouched a foreign CR created between its read and its create", async () => {
    let theirs: InferenceService | undefined;
    kube.afterNext("get", () => {
      theirs = kube.put(foreign("ml", "anomaly-detector"));
    });
    const res = await deploy({ model: "anomaly-detector" });
    expect(res.status).toBe(409);
    expect((await json(res)).error).toContain("exists but is not managed by modelgate");
    expect(stored("ml", "anomaly-detector")).toEqual(theirs);
    expect(kube.calls.map((c) => c.method)).toEqual(["get", "create", "get"]);
  });

  it("applies over its own CR created between its read and its create (a concurrent same request)", async () => {
    const first = await json(await deploy({ model: "anomaly-detector" }));
    const ours = stored("ml", "anomaly-detector");
    kube.store.clear();
    kube.calls.length = 0;
    kube.afterNext("get", () => {
      if (ours) kube.store.set("ml/anomaly-detector", ours);
    });
    const res = await deploy({ model: "anomaly-detector" });
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual(first);
    expect(kube.calls.map((c) => c.method)).toEqual(["get", "create", "get", "apply"]);
    expect(kube.store.size).toBe(1);
  });

  it("retries when the CR changed between read and apply, and applies once it wins", async () => {
    await deploy({ model: "anomaly-detector" });
    kube.fail("apply", new KubeApiError(409, { reason: "Conflict", message: "the object has been modified" }), 2);
    const res = await deploy({ model: "anomaly-detector", version: "v1" });
    expect(res.status).toBe(202);
    expect(kube.calls.filter((c) => c.method === "apply")).toHaveLength(3);
  });

  it("gives up with 409 after three lost races", async () => {
    await deploy({ model: "anomaly-detector" });
    kube.fail("apply", new KubeApiError(409, { reason: "Conflict", message: "the object has been modified" }), 3);
    const res = await deploy({ model: "anomaly-detector", version: "v1" });
    expect(res.status).toBe(409);
    expect((await json(res)).error).toBe("the object has been modified");
  });

  it("gives up with 409 when creates keep failing with AlreadyExists, within the same bound", async () => {
    const exists = new KubeApiError(409, { reason: "AlreadyExists", message: "already exists" });
    kube.fail("create", exists, 3);
    const res = await deploy({ model: "anomaly-detector" });
    expect(res.status).toBe(409);
    expect((await json(res)).error).toBe("already exists");
    expect(kube.calls.map((c) => c.method)).toEqual(["get", "create", "get", "create", "get", "create"]);
  });

  it.each(["create", "apply"] as const)("passes the API's 422 on a %s with its message", async (method) => {
    if (method === "apply") await deploy({ model: "anomaly-detector" });
    const message =
      'InferenceService.serving.kserve.io "anomaly-detector" is invalid: spec.predictor.model.resources.limits.cpu: Invalid value: "lots"';
    kube.fail(method, new KubeApiError(422, { message, reason: "Invalid" }));
    const res = await deploy({ model: "anomaly-detector" });
    expect(res.status).toBe(422);
    expect(await json(res)).toEqual({ error: message });
  });

  it.each([
    ["create", "create"],
    ["apply", "patch"],
  ] as const)("answers 502 naming verb and resource when the API refuses modelgate's %s", async (method, verb) => {
    if (method === "apply") await deploy({ model: "anomaly-detector" });
    kube.fail(method, new KubeApiError(403, { message: "forbidden" }));
    const res = await deploy({ model: "anomaly-detector" });
    expect(res.status).toBe(502);
    expect((await json(res)).error).toContain(
      `cannot ${verb} inferenceservices.serving.kserve.io anomaly-detector in namespace ml`,
    );
  });

  it("answers 503 when the API is unreachable", async () => {
    kube.fail("get", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" }));
    const res = await deploy({ model: "anomaly-detector" });
    expect(res.status).toBe(503);
    expect((await json(res)).error).toContain("Kubernetes API unreachable");
  });

  it.each([
    ["an unknown model", { model: "nope" }, 404, "model not found: nope"],
    ["an unknown version", { model: "anomaly-detector", version: "v9" }, 404, "version not found"],
    ["a model without versions", { model: "no-versions" }, 400, "has no deployable versions"],
    ["a bad derived name", { model: "bad-name" }, 400, "DNS-1035"],
    ["a missing model", {}, 400, "model is required"],
    ["an unknown field", { model: "anomaly-detector", replicas: 3 }, 400, 'unknown field "replicas"'],
    [
      "a namespace not allowed",
      { model: "anomaly-detector", namespace: "kube-system" },
      403,
      "namespace kube-system is not allowed",
    ],
  ])("refuses %s before asking the API anything", async (_, body, status, message) => {
    const res = await deploy(body);
    expect(res.status).toBe(status);
    expect((await json(res)).error).toContain(message);
    expect(kube.calls).toEqual([]);
  });

  it.each([
    ["not JSON", "{nope", "request body is not valid JSON"],
    ["an array", "[]", "request body must be a JSON object"],
    ["empty", "", "request body is empty"],
  ])("refuses a body that is %s with 400", async (_, body, message) => {
    const res = await deploy(body);
    expect(res.status).toBe(400);
    expect((await json(res)).error).toContain(message);
  });

  it("refuses a body over MAX_BODY_BYTES with 413", async () => {
    const res = await deploy(
      { model: "anomaly-detector", labels: { a: "x".repeat(60) } },
      app({ MAX_BODY_BYTES: "20" }),
    );
    expect(res.status).toBe(413);
  });

  it("logs one audit line per deploy, success and failure", async () => {
    await deploy({ model: "anomaly-detector" });
    await deploy({ model: "anomaly-detector", namespace: "kube-system" });
    await deploy({ model: "nope" });
    expect(audit()).toEqual([
      expect.objectContaining({
        user: null,
        action: "deploy",
        namespace: "ml",
        name: "anomaly-detector",
        outcome: "applied",
      }),
      expect.objectContaining({ action: "deploy", namespace: "kube-system", outcome: "denied", status: 403 }),
      expect.objectContaining({ action: "deploy", namespace: null, name: null, outcome: "refused", status: 404 }),
    ]);
  });
});

describe("DELETE /api/v1/undeploy/{namespace}/{name}", () => {
  const undeploy = (path: string, a = app()) => a.request(`/api/v1/undeploy/${path}`, { method: "DELETE" });

  it("deletes a managed CR with 204, and answers 204 again once it is gone", async () => {
    await deploy({ model: "anomaly-detector" });
    const first = await undeploy("ml/anomaly-detector");
    expect(first.status).toBe(204);
    expect(await first.text()).toBe("");
    expect(stored("ml", "anomaly-detector")).toBeUndefined();
    expect((await undeploy("ml/anomaly-detector")).status).toBe(204);
    expect(
      audit()
        .slice(1)
        .map((line) => line.outcome),
    ).toEqual(["deleted", "absent"]);
  });

  it("answers 409 and keeps a CR modelgate did not create", async () => {
    kube.put(foreign("ml", "theirs"));
    const res = await undeploy("ml/theirs");
    expect(res.status).toBe(409);
    expect(stored("ml", "theirs")).toBeDefined();
    expect(kube.calls.map((c) => c.method)).toEqual(["get"]);
  });

  it("retries a delete that lost a race, and treats 'gone meanwhile' as done", async () => {
    await deploy({ model: "anomaly-detector" });
    kube.fail("delete", new KubeApiError(409, { reason: "Conflict", message: "precondition failed" }));
    expect((await undeploy("ml/anomaly-detector")).status).toBe(204);
    expect(kube.calls.filter((c) => c.method === "delete")).toHaveLength(2);
    expect(stored("ml", "anomaly-detector")).toBeUndefined();
  });

  it.each([
    ["a namespace not allowed", "kube-system/x", 403],
    ["a bad namespace", "Bad_NS/x", 400],
    ["a bad name", "ml/Bad_Name", 400],
  ])("refuses %s before asking the API", async (_, path, status) => {
    expect((await undeploy(path)).status).toBe(status);
    expect(kube.calls).toEqual([]);
  });

  it("maps API failures (403 of our identity → 502, unreachable → 503)", async () => {
    await deploy({ model: "anomaly-detector" });
    kube.fail("delete", new KubeApiError(403, { message: "forbidden" }));
    const refused = await undeploy("ml/anomaly-detector");
    expect(refused.status).toBe(502);
    expect((await json(refused)).error).toContain("cannot delete inferenceservices.serving.kserve.io anomaly-detector");
    kube.fail("get", new DOMException("timed out", "TimeoutError"));
    expect((await undeploy("ml/anomaly-detector")).status).toBe(503);
  });
});

describe("GET /api/v1/inferenceservices", () => {
  const get = (path: string, a = app()) => a.request(`/api/v1/inferenceservices${path}`);

  it("lists the managed CRs of every allowed namespace, sorted, without foreign ones", async () => {
    await deploy({ model: "classifier" });
    await deploy({ model: "anomaly-detector" });
    await deploy({ model: "predictive-analytics" });
    kube.put(foreign("ml", "theirs"));
    kube.put({
      ...foreign("elsewhere", "x"),
      metadata: { name: "x", namespace: "elsewhere", labels: { "app.kubernetes.io/managed-by": "modelgate" } },
    });
    const res = await get("");
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.total).toBe(3);
    expect(body.inferenceServices.map((i: { namespace: string; name: string }) => `${i.namespace}/${i.name}`)).toEqual([
      "ml/anomaly-detector",
      "self-healing-platform/forecaster",
      "vision/image-classifier",
    ]);
    expect(
      kube.calls
        .filter((c) => c.method === "list")
        .map((c) => c.namespace)
        .sort(),
    ).toEqual(["ml", "self-healing-platform", "vision"]);
  });

  it("lists one namespace with ?namespace=", async () => {
    await deploy({ model: "classifier" });
    await deploy({ model: "anomaly-detector" });
    const body = await json(await get("?namespace=vision"));
    expect(body).toMatchObject({ total: 1, inferenceServices: [{ name: "image-classifier" }] });
  });

  it("refuses a namespace that is not allowed (403) or not a label (400)", async () => {
    expect((await get("?namespace=kube-system")).status).toBe(403);
    expect((await get("?namespace=Bad_NS")).status).toBe(400);
    expect(kube.calls).toEqual([]);
  });

  it("lists across the cluster with KSERVE_ALLOWED_NAMESPACES=*", async () => {
    const star = app({ KSERVE_ALLOWED_NAMESPACES: "*" });
    await deploy({ model: "anomaly-detector", namespace: "anywhere" }, star);
    const body = await json(await get("", star));
    expect(body.total).toBe(1);
    expect(kube.calls.filter((c) => c.method === "list")).toEqual([{ method: "list", namespace: undefined }]);
  });

  it("answers 503 when the API is unreachable", async () => {
    kube.fail("list", Object.assign(new Error("reset"), { code: "ECONNRESET" }));
    expect((await get("")).status).toBe(503);
  });

  it("gets one CR live, and 404 when absent or not modelgate's", async () => {
    await deploy({ model: "anomaly-detector" });
    kube.put(foreign("ml", "theirs"));
    const found = await get("/ml/anomaly-detector");
    expect(found.status).toBe(200);
    expect(await json(found)).toMatchObject({ name: "anomaly-detector", version: "v2" });
    const absent = await get("/ml/nothing");
    expect([absent.status, (await json(absent)).error]).toEqual([404, "inferenceservice not found: ml/nothing"]);
    expect((await get("/ml/theirs")).status).toBe(404);
    expect((await get("/kube-system/x")).status).toBe(403);
    expect((await get("/ml/Bad_Name")).status).toBe(400);
  });
});

describe("configuration states", () => {
  it("KSERVE_ENABLED=false: every deploy route and POST / answer 503, health stays 200", async () => {
    const off = app({ KSERVE_ENABLED: "false" });
    const answers = await Promise.all([
      deploy({ model: "anomaly-detector" }, off),
      off.request("/api/v1/undeploy/ml/x", { method: "DELETE" }),
      off.request("/api/v1/inferenceservices"),
      off.request("/api/v1/inferenceservices/ml/x"),
      off.request("/", { method: "POST", headers: { "ce-specversion": "1.0" }, body: "{}" }),
    ]);
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect((await json(res)).error).toBe("KServe integration disabled (KSERVE_ENABLED=false)");
    }
    expect((await off.request("/health/readiness")).status).toBe(200);
    expect(kube.calls).toEqual([]);
  });

  it("no cluster configured: health 200, deploy routes 503 saying how to configure one", async () => {
    const config = testConfig({ KUBERNETES_IN_CLUSTER: "false" });
    const none = createApp({
      config,
      logger: log.logger,
      connection: kubeConnection(config.kubernetes, { homeDir: "/nonexistent", exists: () => false }),
    });
    expect((await none.request("/health/liveness")).status).toBe(200);
    expect((await none.request("/health/readiness")).status).toBe(200);
    const res = await deploy({ model: "anomaly-detector" }, none);
    expect(res.status).toBe(503);
    expect((await json(res)).error).toContain("set KUBERNETES_KUBECONFIG (or KUBECONFIG) to a kubeconfig file");
    expect((await none.request("/api/v1/inferenceservices")).status).toBe(503);
  });

  it("a kubeconfig that cannot be loaded: 503 naming the file, and tried again next time", async () => {
    const config = testConfig({ KUBERNETES_IN_CLUSTER: "false", KUBERNETES_KUBECONFIG: "/nonexistent/kubeconfig" });
    const broken = createApp({ config, logger: log.logger });
    for (let i = 0; i < 2; i++) {
      const res = await broken.request("/api/v1/inferenceservices");
      expect(res.status).toBe(503);
      expect((await json(res)).error).toContain("cannot load kubeconfig /nonexistent/kubeconfig");
    }
  });

  it("answers 404 for routes it does not have", async () => {
    expect((await app().request("/api/v1/nothing")).status).toBe(404);
  });

  it("answers 404, not 503, for routes it does not have while KServe is disabled or no cluster is configured", async () => {
    const config = testConfig({ KUBERNETES_IN_CLUSTER: "false" });
    const none = createApp({
      config,
      logger: log.logger,
      connection: kubeConnection(config.kubernetes, { homeDir: "/nonexistent", exists: () => false }),
    });
    for (const a of [app({ KSERVE_ENABLED: "false" }), none]) {
      for (const [path, method] of [
        ["/api/v1/nothing", "GET"],
        ["/api/v1/deploy", "GET"],
        ["/api/v1/undeploy/ml", "DELETE"],
        ["/api/v1/inferenceservices/ml", "GET"],
      ] as const) {
        expect((await a.request(path, { method })).status, `${method} ${path}`).toBe(404);
      }
    }
    expect(kube.calls).toEqual([]);
  });

  it("does not turn an unexpected bug into a 503", async () => {
    kube.fail("get", new TypeError("bug"));
    expect((await deploy({ model: "anomaly-detector" })).status).toBe(500);
    kube.fail("get", new HttpError(418, "custom"));
    expect((await deploy({ model: "anomaly-detector" })).status).toBe(418);
  });
});

describe("deploy on the registry as it is now", () => {
  it("deploys a model a newer registry version added, and refuses one it removed (404)", async () => {
    const config = testConfig();
    const live = new LiveRegistry(config.registry);
    const a = createApp({ config, logger: log.logger, kube: async () => kube, registry: live });
    expect((await deploy({ model: "anomaly-detector" }, a)).status).toBe(202);
    const renamed = config.registry.entries.map((entry) =>
      entry.name === "anomaly-detector" ? { ...entry, name: "anomaly-renamed" } : entry,
    );
    live.replace(new Registry(renamed));
    const refused = await deploy({ model: "anomaly-detector" }, a);
    expect(refused.status).toBe(404);
    expect((await json(refused)).error).toMatch(/anomaly-detector/);
    expect((await deploy({ model: "anomaly-renamed" }, a)).status).toBe(202);
  });
});
