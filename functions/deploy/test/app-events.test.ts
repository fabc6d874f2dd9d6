import { KubeApiError, kubeConnection } from "@modelgate/kube";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { ACCEPTED_TYPES_TEXT } from "../src/cloud-events.ts";
import type { InferenceService } from "../src/inference-service.ts";
import { isvcClientFactory } from "../src/kube/isvc-client.ts";
import { FakeAuthorizer } from "./support/fake-authorizer.ts";
import { FakeKube } from "./support/fake-kube.ts";
import { captureLogger, json, testConfig } from "./support/fixtures.ts";

let kube: FakeKube;
let log: ReturnType<typeof captureLogger>;
beforeEach(() => {
  kube = new FakeKube();
  log = captureLogger();
});

const app = (env: Record<string, string> = {}) =>
  createApp({ config: testConfig(env), logger: log.logger, kube: async () => kube });

function binary(type: string, data: unknown, id = "e-1", extra: Record<string, string> = {}) {
  return {
    method: "POST",
    headers: {
      "ce-specversion": "1.0",
      "ce-type": type,
      "ce-source": "/tests",
      "ce-id": id,
      "content-type": "application/json",
      ...extra,
    },
    body: typeof data === "string" ? data : JSON.stringify(data),
  };
}
function structured(type: string, data: unknown, id = "s-1") {
  return {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify({ specversion: "1.0", type, source: "/tests", id, datacontenttype: "application/json", data }),
  };
}
const DEPLOY = "dev.modelgate.deploy.requested";
const UNDEPLOY = "dev.modelgate.undeploy.requested";

describe("CloudEvents on POST /", () => {
  it("deploy.requested in binary mode → 200 deploy.accepted in binary mode with the deploy answer", async () => {
    const res = await app().request("/", binary(DEPLOY, { model: "anomaly-detector" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("ce-type")).toBe("dev.modelgate.deploy.accepted");
    expect(res.headers.get("ce-source")).toBe("/modelgate/deploy");
    expect(res.headers.get("ce-specversion")).toBe("1.0");
    expect(res.headers.get("ce-subject")).toBe("ml/anomaly-detector");
    expect(res.headers.get("ce-id")).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = await json(res);
    expect(body).toMatchObject({ status: "PENDING", inferenceService: { name: "anomaly-detector", version: "v2" } });
    expect(kube.store.has("ml/anomaly-detector")).toBe(true);
  });

  it("deploy.requested in structured mode works the same", async () => {
    const res = await app().request("/", structured(DEPLOY, { model: "classifier", version: "v1" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("ce-type")).toBe("dev.modelgate.deploy.accepted");
    expect(kube.store.has("vision/image-classifier")).toBe(true);
  });

  it("a redelivered event (same source and id) has the effect of one, and gets the same reply", async () => {
    const a = app();
    const first = await a.request("/", binary(DEPLOY, { model: "anomaly-detector" }, "same"));
    const rv = kube.store.get("ml/anomaly-detector")?.metadata.resourceVersion;
    const second = await a.request("/", binary(DEPLOY, { model: "anomaly-detector" }, "same"));
    expect(second.headers.get("ce-id")).toBe(first.headers.get("ce-id"));
    expect(await json(second)).toEqual(await json(first));
    expect(kube.store.size).toBe(1);
    expect(kube.store.get("ml/anomaly-detector")?.metadata.resourceVersion).toBe(rv);
    const other = await a.request("/", binary(DEPLOY, { model: "anomaly-detector" }, "other"));
    expect(other.headers.get("ce-id")).not.toBe(first.headers.get("ce-id"));
  });

  it("undeploy.requested → 200 undeploy.accepted, also when already gone", async () => {
    const a = app();
    await a.request("/", binary(DEPLOY, { model: "anomaly-detector" }));
    for (const expected of [true, false]) {
      const res = await a.request("/", structured(UNDEPLOY, { namespace: "ml", name: "anomaly-detector" }));
      expect(res.status).toBe(200);
      expect(res.headers.get("ce-type")).toBe("dev.modelgate.undeploy.accepted");
      expect(await json(res)).toEqual({ namespace: "ml", name: "anomaly-detector", deleted: expected });
    }
    expect(kube.store.size).toBe(0);
  });

  it("accepts JSON data sent with another content type (text/plain)", async () => {
    const res = await app().request(
      "/",
      binary(DEPLOY, JSON.stringify({ model: "anomaly-detector" }), "t", { "content-type": "text/plain" }),
    );
    expect(res.status).toBe(200);
  });

  it.each([
    [
      "kn func invoke's default type",
      binary("boson.fn", { message: "Hello World" }),
      'unsupported CloudEvent type "boson.fn"',
    ],
    [
      "a plain JSON POST",
      { method: "POST", headers: { "content-type": "application/json" }, body: "{}" },
      "expected a CloudEvent",
    ],
    ["deploy data without model", binary(DEPLOY, { version: "v1" }), "model is required"],
    ["deploy data that is not an object", binary(DEPLOY, "[1]"), "expected a JSON object"],
    ["deploy data that is not JSON", binary(DEPLOY, "nope", "x", { "content-type": "text/plain" }), "not JSON"],
    ["deploy data with an unknown field", binary(DEPLOY, { model: "a", x: 1 }), 'unknown field "x"'],
    ["undeploy data without name", binary(UNDEPLOY, { namespace: "ml" }), 'expected {"namespace", "name"}'],
    [
      "undeploy data with extra fields",
      binary(UNDEPLOY, { namespace: "ml", name: "a", force: true }),
      'expected {"namespace", "name"}',
    ],
    [
      "an event missing its id",
      { method: "POST", headers: { "ce-specversion": "1.0", "ce-type": DEPLOY, "ce-source": "/t" }, body: "{}" },
      "not a valid CloudEvent",
    ],
    [
      "a structured body that is not JSON",
      { method: "POST", headers: { "content-type": "application/cloudevents+json" }, body: "{nope" },
      "not a valid CloudEvent",
    ],
    [
      "a batch",
      { method: "POST", headers: { "content-type": "application/cloudevents-batch+json" }, body: "[]" },
      "batched CloudEvents are not accepted",
    ],
    [
      "a binary event of another specversion",
      binary(DEPLOY, { model: "anomaly-detector" }, "e-2", { "ce-specversion": "0.3" }),
      'not a valid CloudEvent 1.0: specversion must be "1.0", got "0.3"',
    ],
    [
      "a binary event without a source",
      {
        method: "POST",
        headers: { "ce-specversion": "1.0", "ce-type": DEPLOY, "ce-id": "x", "content-type": "application/json" },
        body: JSON.stringify({ model: "anomaly-detector" }),
      },
      "not a valid CloudEvent 1.0: source is required",
    ],
    [
      "a structured event without a specversion",
      {
        method: "POST",
        headers: { "content-type": "application/cloudevents+json" },
        body: JSON.stringify({ type: DEPLOY, source: "/t", id: "x", data: { model: "anomaly-detector" } }),
      },
      "not a valid CloudEvent 1.0: specversion is required",
    ],
    [
      "a structured event with a bad time and a bad extension name",
      {
        method: "POST",
        headers: { "content-type": "application/cloudevents+json" },
        body: JSON.stringify({
          ...JSON.parse(structured(DEPLOY, { model: "anomaly-detector" }).body),
          time: "now",
          Ext: 1,
        }),
      },
      'time must be an RFC 3339 timestamp, got "now"; attribute name "Ext" must be lower-case letters and digits only',
    ],
  ])("refuses %s with 400 naming the accepted types", async (_, init, message) => {
    const res = await app().request("/", init);
    expect(res.status).toBe(400);
    const { error } = await json(res);
    expect(error).toContain(message);
    expect(error).toContain(ACCEPTED_TYPES_TEXT);
    expect(kube.calls.filter((c) => c.method !== "get")).toEqual([]);
  });

  it("answers 400 to an event for what the route answers 404 (unknown model or version)", async () => {
    for (const data of [{ model: "nope" }, { model: "anomaly-detector", version: "v9" }]) {
      const res = await app().request("/", binary(DEPLOY, data));
      expect(res.status).toBe(400);
      expect((await json(res)).error).toMatch(/not found/);
    }
  });

  it("answers 400 to an event for what the route answers 409 (a CR modelgate did not create)", async () => {
    const theirs: InferenceService = {
      apiVersion: "serving.kserve.io/v1beta1",
      kind: "InferenceService",
      metadata: { name: "anomaly-detector", namespace: "ml" },
      spec: { predictor: { model: { modelFormat: { name: "x" }, storageUri: "s3://x" } } },
    };
    kube.put(theirs);
    const a = app();
    expect((await a.request("/", binary(DEPLOY, { model: "anomaly-detector" }))).status).toBe(400);
    expect((await a.request("/", binary(UNDEPLOY, { namespace: "ml", name: "anomaly-detector" }))).status).toBe(400);
    expect(kube.store.has("ml/anomaly-detector")).toBe(true);
  });

  it("keeps 403 (namespace not allowed) and 422 (API validation) as they are", async () => {
    const a = app();
    expect((await a.request("/", binary(DEPLOY, { model: "anomaly-detector", namespace: "kube-system" }))).status).toBe(
      403,
    );
    expect((await a.request("/", binary(UNDEPLOY, { namespace: "kube-system", name: "x" }))).status).toBe(403);
    kube.fail("create", new KubeApiError(422, { message: "invalid quantity" }));
    const res = await a.request("/", binary(DEPLOY, { model: "anomaly-detector" }));
    expect([res.status, (await json(res)).error]).toEqual([422, "invalid quantity"]);
  });

  it("refuses a batch with 400 before anything else, even while deploy is unavailable (503)", async () => {
    const batch = { method: "POST", headers: { "content-type": "application/cloudevents-batch+json" }, body: "[]" };
    const res = await app({ KSERVE_ENABLED: "false" }).request("/", batch);
    expect(res.status).toBe(400);
    expect((await json(res)).error).toContain("batched CloudEvents are not accepted: send one event per request");
    expect(kube.calls).toEqual([]);
  });

  it("answers 503 when the API is unreachable, KServe is disabled, or no cluster is configured", async () => {
    kube.fail("get", Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
    expect((await app().request("/", binary(DEPLOY, { model: "anomaly-detector" }))).status).toBe(503);
    expect(
      (await app({ KSERVE_ENABLED: "false" }).request("/", binary(DEPLOY, { model: "anomaly-detector" }))).status,
    ).toBe(503);
    const config = testConfig({ KUBERNETES_IN_CLUSTER: "false" });
    const none = createApp({
      config,
      logger: log.logger,
      kube: isvcClientFactory(kubeConnection(config.kubernetes, { homeDir: "/nonexistent", exists: () => false })),
    });
    const res = await none.request("/", binary(UNDEPLOY, { namespace: "ml", name: "x" }));
    expect(res.status).toBe(503);
    expect((await json(res)).error).toContain("no Kubernetes cluster configured");
  });

  it("refuses an event body over MAX_BODY_BYTES with 413", async () => {
    const res = await app({ MAX_BODY_BYTES: "10" }).request("/", binary(DEPLOY, { model: "anomaly-detector" }));
    expect(res.status).toBe(413);
  });

  it("logs the event's id and source with the audit line", async () => {
    await app().request("/", binary(DEPLOY, { model: "anomaly-detector" }, "logged"));
    expect(log.lines.find((line) => line.msg === "deploy")).toMatchObject({
      event: { id: "logged", source: "/tests" },
      outcome: "applied",
    });
  });
});

describe("CloudEvents with an authorizer", () => {
  const authed = (allow: string[]) => {
    const authorizer = new FakeAuthorizer(allow);
    const a = createApp({ config: testConfig(), logger: log.logger, kube: async () => kube, authorizer });
    return { a, authorizer };
  };

  it("authenticates with the events audience first: no token is 401 whatever the type", async () => {
    const { a, authorizer } = authed([]);
    for (const init of [binary("boson.fn", {}), binary(DEPLOY, { model: "anomaly-detector" })]) {
      const res = await a.request("/", init);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
    }
    expect(authorizer.calls).toEqual(["authenticate - modelgate-deploy", "authenticate - modelgate-deploy"]);
  });

  it("an authenticated sender gets the 400 for an unknown type, and 403 when denied", async () => {
    const { a } = authed(["create@ml"]);
    const headers = { authorization: "Bearer good" };
    expect((await a.request("/", binary("boson.fn", {}, "1", headers))).status).toBe(400);
    const res = await a.request("/", binary(DEPLOY, { model: "anomaly-detector" }, "2", headers));
    expect(res.status).toBe(403);
    expect(kube.calls).toEqual([]);
  });

  it("an allowed sender deploys and undeploys, recorded as the requester", async () => {
    const { a, authorizer } = authed(["create@ml", "patch@ml", "delete@ml"]);
    const headers = { authorization: "Bearer good" };
    expect((await a.request("/", binary(DEPLOY, { model: "anomaly-detector" }, "1", headers))).status).toBe(200);
    expect(kube.store.get("ml/anomaly-detector")?.metadata.annotations?.["modelgate.dev/requested-by"]).toBe("alice");
    expect(
      (await a.request("/", binary(UNDEPLOY, { namespace: "ml", name: "anomaly-detector" }, "2", headers))).status,
    ).toBe(200);
    expect(authorizer.calls.filter((call) => call.startsWith("authorize"))).toEqual([
      "authorize alice create+patch ml",
      "authorize alice delete ml",
    ]);
  });
});
