import type { WatchedInferenceService } from "@modelgate/config";
import { type IsvcWatch, kubeConnection, watchInferenceServices } from "@modelgate/kube";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { adminRequest, ensureNamespace } from "./cluster/admin.ts";

/**
 * The InferenceService watch of the live catalog (shared/kube/src/isvc-watch.ts) against the real API server,
 * through the one connection a function opens from a kubeconfig: created, given a status (as the KServe
 * controller writes it), and deleted, the set it reports follows within a bounded time; another namespace's
 * InferenceServices are not in it.
 */
const cluster = inject("cluster");
const NS = "watched";
const OTHER = "not-watched";
const ISVCS = (ns: string) => `/apis/serving.kserve.io/v1beta1/namespaces/${ns}/inferenceservices`;

let watch: IsvcWatch;
let latest: readonly WatchedInferenceService[] = [];
const errors: unknown[] = [];

const isvc = (name: string, ns: string) => ({
  apiVersion: "serving.kserve.io/v1beta1",
  kind: "InferenceService",
  metadata: { name, namespace: ns, annotations: { "modelgate.dev/type": "classification" } },
  spec: {
    predictor: { model: { modelFormat: { name: "sklearn" }, storageUri: "s3://m/iris", protocolVersion: "v2" } },
  },
});

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`not within ${timeoutMs} ms: ${what} (errors: ${errors.join("; ")})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - started;
}

const named = (name: string) => latest.find((item) => item.metadata?.name === name);

beforeAll(async () => {
  await ensureNamespace(cluster, NS);
  await ensureNamespace(cluster, OTHER);
  for (const ns of [NS, OTHER]) await adminRequest(cluster, "DELETE", `${ISVCS(ns)}`);
  const connection = kubeConnection({ inCluster: false, kubeconfig: cluster.kubeconfigPath });
  watch = watchInferenceServices({
    connection,
    namespaces: [NS],
    onChange: (items) => {
      latest = items;
    },
    onError: (error) => errors.push(error),
  });
});

afterAll(async () => {
  watch?.close();
  for (const ns of [NS, OTHER]) await adminRequest(cluster, "DELETE", `${ISVCS(ns)}`);
});

describe("the InferenceService watch against the real API server", () => {
  it("follows a creation, a status written, and a deletion, within a bounded time", async () => {
    expect((await adminRequest(cluster, "POST", ISVCS(NS), isvc("iris", NS))).status).toBe(201);
    expect((await adminRequest(cluster, "POST", ISVCS(OTHER), isvc("elsewhere", OTHER))).status).toBe(201);
    const created = await until("iris listed", () => named("iris") !== undefined);
    expect(named("iris")).toMatchObject({
      metadata: { name: "iris", namespace: NS, annotations: { "modelgate.dev/type": "classification" } },
      spec: { predictor: { model: { protocolVersion: "v2" } } },
    });
    const status = {
      url: "http://iris.watched.example.com",
      address: { url: "http://iris-predictor.watched.svc.cluster.local" },
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-12-01T00:00:00Z" }],
    };
    const written = await adminRequest(cluster, "PATCH", `${ISVCS(NS)}/iris/status`, { status });
    expect(written.status, JSON.stringify(written.body)).toBe(200);
    const ready = await until("its status", () => named("iris")?.status?.address?.url !== undefined);
    expect(named("iris")?.status?.conditions?.[0]).toMatchObject({ type: "Ready", status: "True" });
    expect((await adminRequest(cluster, "DELETE", `${ISVCS(NS)}/iris`)).status).toBe(200);
    const deleted = await until("iris gone", () => named("iris") === undefined);
    expect(latest.some((item) => item.metadata?.namespace === OTHER)).toBe(false);
    expect(errors).toEqual([]);
    process.stderr.write(
      `[isvc-watch] seen after: created ${created.toFixed(0)} ms, status ${ready.toFixed(0)} ms, deleted ${deleted.toFixed(0)} ms\n`,
    );
    expect(Math.max(created, ready, deleted)).toBeLessThan(10_000);
  });
});
