import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@modelgate/config";
import { createLogger } from "@modelgate/http";
import { openConnection } from "@modelgate/kube/open-connection";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../functions/deploy/src/app.ts";
import { type IsvcClient, isvcClientFactory } from "../functions/deploy/src/kube/isvc-client.ts";
import { adminRequest, createServiceAccount, ensureNamespace, requestToken } from "./cluster/admin.ts";

/**
 * The deploy function against the real kube-apiserver (v1.34.3, KServe CRDs installed), through its HTTP
 * routes and CloudEvents, with modelgate's identity the cluster admin's kubeconfig and no authorizer
 * (MODELGATE_AUTH=none). Namespaces are per run: deleted ones stay Terminating (no controller-manager).
 */

const cluster = inject("cluster");
const run = randomBytes(3).toString("hex");
const nsA = `dep-a-${run}`;
const nsB = `dep-b-${run}`;
const nsC = `dep-c-${run}`;
const nsMissing = `dep-missing-${run}`;
const nsForbidden = `dep-forbidden-${run}`;

const REGISTRY = [
  {
    name: "anomaly-detector",
    service: "anomaly-detector-predictor",
    namespace: nsA,
    type: "anomaly",
    description: "Isolation forest over node metrics",
    versions: [
      { name: "v1", storageUri: "s3://models/anomaly/v1", modelFormat: { name: "sklearn" } },
      {
        name: "v2",
        storageUri: "s3://models/anomaly/v2",
        modelFormat: { name: "sklearn", version: "1" },
        runtime: "kserve-sklearnserver",
        default: true,
      },
    ],
    deploy: {
      protocolVersion: "v2",
      minReplicas: 1,
      maxReplicas: 3,
      deploymentMode: "Standard",
      serviceAccountName: "model-reader",
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    },
  },
  {
    name: "forecaster",
    service: "forecaster",
    namespace: nsB,
    type: "predictive",
    versions: [
      { name: "2024-01", storageUri: "gs://m/forecast/1", modelFormat: { name: "xgboost" } },
      { name: "2024-02", storageUri: "gs://m/forecast/2", modelFormat: { name: "xgboost" } },
    ],
  },
  {
    name: "classifier",
    service: "classifier-predictor",
    namespace: nsC,
    type: "classification",
    versions: [{ name: "v1", storageUri: "pvc://models/classifier", modelFormat: { name: "onnx" } }],
    deploy: { inferenceService: "image-classifier", deploymentMode: "Knative" },
  },
  {
    name: "greedy",
    service: "greedy-predictor",
    namespace: nsA,
    type: "anomaly",
    versions: [{ name: "v1", storageUri: "s3://greedy", modelFormat: { name: "sklearn" } }],
    deploy: { resources: { limits: { cpu: "lots" } } },
  },
  {
    name: "nowhere",
    service: "nowhere-predictor",
    namespace: nsMissing,
    type: "anomaly",
    versions: [{ name: "v1", storageUri: "s3://nowhere", modelFormat: { name: "sklearn" } }],
  },
];

const ISVC = (ns: string, name = "") =>
  `/apis/serving.kserve.io/v1beta1/namespaces/${ns}/inferenceservices${name === "" ? "" : `/${name}`}`;

function makeApp(kubeconfig: string, kube?: () => Promise<IsvcClient>) {
  const config = loadConfig({
    KSERVE_MODEL_REGISTRY: JSON.stringify(REGISTRY),
    KSERVE_NAMESPACE: nsA,
    KUBERNETES_IN_CLUSTER: "false",
    KUBERNETES_KUBECONFIG: kubeconfig,
    MODELGATE_AUTH: "none",
    LOG_LEVEL: "silent",
  });
  const logger = createLogger({ name: "deploy", level: "silent" });
  return createApp({ config, logger, ...(kube ? { kube } : {}) });
}

const app = makeApp(cluster.kubeconfigPath);

type Json = Record<string, unknown> & {
  metadata?: {
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: { manager: string; operation: string }[];
  };
  spec?: Record<string, unknown>;
};

async function deploy(body: unknown) {
  const res = await app.request("/api/v1/deploy", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: string } };
}
const undeploy = (ns: string, name: string) => app.request(`/api/v1/undeploy/${ns}/${name}`, { method: "DELETE" });
async function storedCr(ns: string, name: string): Promise<{ status: number; body: Json }> {
  const res = await adminRequest(cluster, "GET", ISVC(ns, name));
  return { status: res.status, body: res.body as Json };
}
async function countIn(ns: string): Promise<number> {
  const res = await adminRequest(cluster, "GET", ISVC(ns));
  return ((res.body as { items: unknown[] }).items ?? []).length;
}
async function writeStatus(ns: string, name: string, status: unknown): Promise<void> {
  const res = await adminRequest(cluster, "PATCH", `${ISVC(ns, name)}/status`, { status });
  expect(res.status, res.text).toBe(200);
}

function event(mode: "binary" | "structured", type: string, id: string, data: unknown): RequestInit {
  if (mode === "binary") {
    return {
      method: "POST",
      headers: {
        "ce-specversion": "1.0",
        "ce-type": type,
        "ce-source": "/cluster-suite",
        "ce-id": id,
        "content-type": "application/json",
      },
      body: JSON.stringify(data),
    };
  }
  return {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json; charset=utf-8" },
    body: JSON.stringify({
      specversion: "1.0",
      type,
      source: "/cluster-suite",
      id,
      datacontenttype: "application/json",
      data,
    }),
  };
}

let scratch: string;

beforeAll(async () => {
  for (const ns of [nsA, nsB, nsC]) await ensureNamespace(cluster, ns);
  scratch = await mkdtemp(join(tmpdir(), "modelgate-deploy-suite-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("deploy against a real API server", () => {
  it("deploys the default version and stores the CR modelgate builds", async () => {
    const { status, body } = await deploy({ model: "anomaly-detector", labels: { team: "sre" } });
    expect(status, JSON.stringify(body)).toBe(202);
    expect(body).toMatchObject({
      status: "PENDING",
      inferenceService: {
        name: "anomaly-detector",
        namespace: nsA,
        model: "anomaly-detector",
        version: "v2",
        desiredState: "DEPLOYED",
        currentState: "UNDEPLOYED",
        ready: false,
        url: null,
        lastError: null,
        conditions: [],
      },
    });
    const cr = await storedCr(nsA, "anomaly-detector");
    expect(cr.status).toBe(200);
    expect((body.inferenceService as { uid: string }).uid).toBe(cr.body.metadata?.uid);
    expect(cr.body.spec).toEqual({
      predictor: {
        minReplicas: 1,
        maxReplicas: 3,
        serviceAccountName: "model-reader",
        model: {
          modelFormat: { name: "sklearn", version: "1" },
          storageUri: "s3://models/anomaly/v2",
          runtime: "kserve-sklearnserver",
          protocolVersion: "v2",
          resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        },
      },
    });
    expect(cr.body.metadata?.labels).toEqual({
      team: "sre",
      "app.kubernetes.io/managed-by": "modelgate",
      "modelregistry.ai-platform/registered-model-id": "anomaly-detector",
      "modelregistry.ai-platform/model-version-id": "v2",
      "modelregistry.ai-platform/inference-service-id": "anomaly-detector",
    });
    expect(cr.body.metadata?.annotations).toEqual({
      "serving.kserve.io/deploymentMode": "Standard",
      "modelgate.dev/model-type": "anomaly",
      "modelgate.dev/description": "Isolation forest over node metrics",
    });
    expect(cr.body.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([["modelgate", "Apply"]]);
  });

  it("is idempotent: the same request again gives the same answer and leaves the one CR unchanged", async () => {
    const before = await storedCr(nsA, "anomaly-detector");
    const first = await deploy({ model: "anomaly-detector", labels: { team: "sre" } });
    const second = await deploy({ model: "anomaly-detector", labels: { team: "sre" } });
    expect(second).toEqual(first);
    const after = await storedCr(nsA, "anomaly-detector");
    expect(after.body.metadata?.resourceVersion).toBe(before.body.metadata?.resourceVersion);
    expect(await countIn(nsA)).toBe(1);
  });

  it("updates the CR for a changed request: another version, a dropped label", async () => {
    const before = await storedCr(nsA, "anomaly-detector");
    const { status, body } = await deploy({ model: "anomaly-detector", version: "v1" });
    expect(status).toBe(202);
    expect(body.inferenceService).toMatchObject({ version: "v1", uid: before.body.metadata?.uid });
    const cr = await storedCr(nsA, "anomaly-detector");
    expect(cr.body.spec).toMatchObject({
      predictor: { model: { storageUri: "s3://models/anomaly/v1", modelFormat: { name: "sklearn" } } },
    });
    const model = (cr.body.spec as { predictor: { model: Record<string, unknown> } }).predictor.model;
    expect(model.runtime).toBeUndefined();
    expect(model.modelFormat).toEqual({ name: "sklearn" });
    expect(cr.body.metadata?.labels?.["modelregistry.ai-platform/model-version-id"]).toBe("v1");
    expect(cr.body.metadata?.labels?.team).toBeUndefined();
    expect(await countIn(nsA)).toBe(1);
  });

  it("deploys the latest version of an entry without a default, and a named one", async () => {
    const latest = await deploy({ model: "forecaster" });
    expect(latest.status).toBe(202);
    expect(latest.body.inferenceService).toMatchObject({ name: "forecaster", namespace: nsB, version: "2024-02" });
    const named = await deploy({ model: "forecaster", version: "2024-01", name: "forecaster-old" });
    expect(named.status).toBe(202);
    const cr = await storedCr(nsB, "forecaster-old");
    expect(cr.body.spec).toMatchObject({ predictor: { model: { storageUri: "gs://m/forecast/1" } } });
    expect(cr.body.spec).not.toHaveProperty("predictor.minReplicas");
    expect(cr.body.metadata?.annotations).toEqual({ "modelgate.dev/model-type": "predictive" });
  });

  it("passes the API server's 422 on when its schema rejects the spec, and stores nothing", async () => {
    const { status, body } = await deploy({ model: "greedy" });
    expect(status).toBe(422);
    expect(body.error).toContain("spec.predictor.model.resources.limits.cpu");
    expect((await storedCr(nsA, "greedy")).status).toBe(404);
  });

  it("refuses a namespace that is not allowed with 403 and creates no CR", async () => {
    await ensureNamespace(cluster, nsForbidden);
    const { status, body } = await deploy({ model: "forecaster", namespace: nsForbidden });
    expect(status).toBe(403);
    expect(body.error).toContain(`namespace ${nsForbidden} is not allowed`);
    expect(await countIn(nsForbidden)).toBe(0);
  });

  it("answers 404 with the API's message for an allowed namespace that does not exist", async () => {
    const { status, body } = await deploy({ model: "nowhere" });
    expect(status).toBe(404);
    expect(body.error).toBe(`namespaces "${nsMissing}" not found`);
  });

  it("reads status from the CR: Ready=True with a URL → DEPLOYED; Ready=False → lastError", async () => {
    await writeStatus(nsA, "anomaly-detector", {
      url: `http://anomaly-detector.${nsA}.example.com`,
      conditions: [
        { type: "IngressReady", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" },
        { type: "PredictorReady", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" },
        { type: "Ready", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" },
      ],
    });
    const res = await app.request(`/api/v1/inferenceservices/${nsA}/anomaly-detector`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      currentState: "DEPLOYED",
      ready: true,
      url: `http://anomaly-detector.${nsA}.example.com`,
      lastError: null,
    });
    const again = await deploy({ model: "anomaly-detector", version: "v1" });
    expect(again.body).toMatchObject({ status: "READY", inferenceService: { ready: true } });

    await writeStatus(nsA, "anomaly-detector", {
      conditions: [
        {
          type: "PredictorReady",
          status: "False",
          reason: "RevisionMissing",
          message: "Revision failed: image pull back-off",
          lastTransitionTime: "2026-01-01T00:01:00Z",
        },
        { type: "Ready", status: "False", reason: "RevisionMissing", lastTransitionTime: "2026-01-01T00:01:00Z" },
      ],
    });
    const failed = (await (await app.request(`/api/v1/inferenceservices/${nsA}/anomaly-detector`)).json()) as Record<
      string,
      unknown
    >;
    expect(failed).toMatchObject({
      currentState: "UNDEPLOYED",
      ready: false,
      lastError: "Revision failed: image pull back-off",
    });
    expect(failed.conditions).toEqual([
      {
        type: "PredictorReady",
        status: "False",
        reason: "RevisionMissing",
        message: "Revision failed: image pull back-off",
      },
      { type: "Ready", status: "False", reason: "RevisionMissing" },
    ]);
  });

  it("keeps the status KServe wrote when modelgate applies again (status is not modelgate's)", async () => {
    await deploy({ model: "anomaly-detector", version: "v2" });
    const res = await app.request(`/api/v1/inferenceservices/${nsA}/anomaly-detector`);
    expect(await res.json()).toMatchObject({ version: "v2", lastError: "Revision failed: image pull back-off" });
  });

  it("lists the managed CRs of 3 namespaces, one namespace, and gets one", async () => {
    expect((await deploy({ model: "classifier" })).status).toBe(202);
    const theirs = await adminRequest(cluster, "POST", ISVC(nsC), {
      apiVersion: "serving.kserve.io/v1beta1",
      kind: "InferenceService",
      metadata: { name: "theirs", namespace: nsC },
      spec: { predictor: { model: { modelFormat: { name: "onnx" }, storageUri: "s3://theirs" } } },
    });
    expect(theirs.status).toBe(201);
    const all = (await (await app.request("/api/v1/inferenceservices")).json()) as {
      inferenceServices: { namespace: string; name: string }[];
      total: number;
    };
    expect(all.inferenceServices.map((i) => `${i.namespace}/${i.name}`)).toEqual([
      `${nsA}/anomaly-detector`,
      `${nsB}/forecaster`,
      `${nsB}/forecaster-old`,
      `${nsC}/image-classifier`,
    ]);
    expect(all.total).toBe(4);
    const one = (await (await app.request(`/api/v1/inferenceservices?namespace=${nsC}`)).json()) as { total: number };
    expect(one.total).toBe(1);
    expect((await app.request(`/api/v1/inferenceservices/${nsC}/theirs`)).status).toBe(404);
    expect((await app.request(`/api/v1/inferenceservices/${nsC}/absent`)).status).toBe(404);
    const cr = await storedCr(nsC, "image-classifier");
    expect(cr.body.metadata?.annotations?.["serving.kserve.io/deploymentMode"]).toBe("Knative");
  });

  it("refuses to deploy over or undeploy a CR modelgate did not create (409), leaving it as it was", async () => {
    const before = await storedCr(nsC, "theirs");
    const overwrite = await deploy({ model: "classifier", name: "theirs" });
    expect(overwrite.status).toBe(409);
    expect(overwrite.body.error).toContain("not managed by modelgate");
    const res = await undeploy(nsC, "theirs");
    expect(res.status).toBe(409);
    const after = await storedCr(nsC, "theirs");
    expect(after.status).toBe(200);
    expect(after.body.metadata?.resourceVersion).toBe(before.body.metadata?.resourceVersion);
  });

  it("answers 409 and leaves as it was a foreign CR created between modelgate's read and its write", async () => {
    const real = await isvcClientFactory(() => openConnection({ kind: "file", path: cluster.kubeconfigPath }))();
    let theirs: Json | undefined;
    const racing: IsvcClient = {
      get: async (ns, name) => {
        const found = await real.get(ns, name);
        if (theirs === undefined) {
          const made = await adminRequest(cluster, "POST", ISVC(ns), {
            apiVersion: "serving.kserve.io/v1beta1",
            kind: "InferenceService",
            metadata: { name, namespace: ns },
            spec: { predictor: { model: { modelFormat: { name: "onnx" }, storageUri: "s3://raced" } } },
          });
          expect(made.status, made.text).toBe(201);
          theirs = made.body as Json;
        }
        return found;
      },
      create: (isvc) => real.create(isvc),
      apply: (isvc) => real.apply(isvc),
      delete: (ns, name, pre) => real.delete(ns, name, pre),
      list: (ns, selector) => real.list(ns, selector),
    };
    const raced = makeApp(cluster.kubeconfigPath, async () => racing);
    const res = await raced.request("/api/v1/deploy", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "classifier", name: "raced" }),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toContain("not managed by modelgate");
    const after = await storedCr(nsC, "raced");
    expect(after.body.metadata?.resourceVersion).toBe(theirs?.metadata?.resourceVersion);
    expect(after.body.metadata?.labels).toBeUndefined();
    expect(after.body.spec).toEqual(theirs?.spec);
  });

  it("undeploys: 204 and gone; again 204", async () => {
    const first = await undeploy(nsB, "forecaster-old");
    expect(first.status).toBe(204);
    expect((await storedCr(nsB, "forecaster-old")).status).toBe(404);
    expect((await undeploy(nsB, "forecaster-old")).status).toBe(204);
    expect((await undeploy(nsB, "never-existed")).status).toBe(204);
  });

  it("answers 502 naming verb and resource when the API refuses modelgate's own identity", async () => {
    await createServiceAccount(cluster, nsA, `powerless-${run}`);
    const token = await requestToken(cluster, nsA, `powerless-${run}`);
    const path = join(scratch, "powerless.kubeconfig");
    const kubeconfig = {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: cluster.server, "certificate-authority": cluster.caFile } }],
      users: [{ name: "u", user: { token } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    };
    await writeFile(path, JSON.stringify(kubeconfig), { mode: 0o600 });
    const powerless = makeApp(path);
    const res = await powerless.request("/api/v1/deploy", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "forecaster" }),
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toMatch(
      new RegExp(
        `refused modelgate's service account \\(403\\): cannot get inferenceservices.serving.kserve.io forecaster in namespace ${nsB}`,
      ),
    );
    const list = await powerless.request("/api/v1/inferenceservices");
    expect(list.status).toBe(502);
  });
});

describe("deploy by CloudEvent against a real API server", () => {
  for (const mode of ["binary", "structured"] as const) {
    it(`deploys and undeploys in ${mode} mode; the same event twice has one effect`, async () => {
      const name = `ce-${mode}`;
      const deployEvent = event(mode, "dev.modelgate.deploy.requested", `${name}-1`, { model: "forecaster", name });
      const first = await app.request("/", deployEvent);
      expect(first.status).toBe(200);
      expect(first.headers.get("ce-type")).toBe("dev.modelgate.deploy.accepted");
      expect(first.headers.get("ce-subject")).toBe(`${nsB}/${name}`);
      const firstBody = await first.json();
      const rv = (await storedCr(nsB, name)).body.metadata?.resourceVersion;

      const again = await app.request("/", deployEvent);
      expect(again.status).toBe(200);
      expect(again.headers.get("ce-id")).toBe(first.headers.get("ce-id"));
      expect(await again.json()).toEqual(firstBody);
      expect((await storedCr(nsB, name)).body.metadata?.resourceVersion).toBe(rv);

      const undeployEvent = event(mode, "dev.modelgate.undeploy.requested", `${name}-2`, { namespace: nsB, name });
      for (const deleted of [true, false]) {
        const res = await app.request("/", undeployEvent);
        expect(res.status).toBe(200);
        expect(res.headers.get("ce-type")).toBe("dev.modelgate.undeploy.accepted");
        expect(await res.json()).toEqual({ namespace: nsB, name, deleted });
      }
      expect((await storedCr(nsB, name)).status).toBe(404);
    });
  }

  it("answers events as the contract says: 400 for boson.fn, unknown model and unmanaged CR; 422 and 403 as they are", async () => {
    const boson = await app.request("/", event("binary", "boson.fn", "b-1", { message: "Hello World" }));
    expect(boson.status).toBe(400);
    expect(((await boson.json()) as { error: string }).error).toContain("dev.modelgate.deploy.requested");
    const unknown = await app.request("/", event("binary", "dev.modelgate.deploy.requested", "b-2", { model: "nope" }));
    expect(unknown.status).toBe(400);
    const theirs = await app.request(
      "/",
      event("structured", "dev.modelgate.undeploy.requested", "b-3", { namespace: nsC, name: "theirs" }),
    );
    expect(theirs.status).toBe(400);
    expect((await storedCr(nsC, "theirs")).status).toBe(200);
    const invalid = await app.request(
      "/",
      event("binary", "dev.modelgate.deploy.requested", "b-4", { model: "greedy" }),
    );
    expect(invalid.status).toBe(422);
    const forbidden = await app.request(
      "/",
      event("binary", "dev.modelgate.deploy.requested", "b-5", { model: "forecaster", namespace: nsForbidden }),
    );
    expect(forbidden.status).toBe(403);
    const missingNs = await app.request(
      "/",
      event("binary", "dev.modelgate.deploy.requested", "b-6", { model: "nowhere" }),
    );
    expect(missingNs.status).toBe(400);
  });
});
