import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpError } from "@modelgate/http";
import { openConnection } from "@modelgate/kube/open-connection";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type LoopbackApi, startLoopbackApi } from "../../../../shared/kube/test/support/loopback-api.ts";
import { IsvcHttpClient } from "../../src/kube/isvc-http-client.ts";

let dir: string;
let api: LoopbackApi;
let base: string;
let seen: LoopbackApi["seen"];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelgate-open-"));
  await writeFile(join(dir, "token"), "first-token\n");
  await writeFile(join(dir, "ca.crt"), "not really a CA");
  api = await startLoopbackApi('{"kind":"InferenceServiceList","items":[{"metadata":{"namespace":"ml","name":"a"}}]}');
  base = api.base;
  seen = api.seen;
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("openConnection with a kubeconfig file", () => {
  it("refuses a kubeconfig that does not exist or cannot be parsed with 503 naming it", async () => {
    const missing = await openConnection({ kind: "file", path: join(dir, "missing") }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(HttpError);
    expect((missing as HttpError).status).toBe(503);
    expect((missing as HttpError).message).toContain(`cannot load kubeconfig ${join(dir, "missing")}`);
    const garbled = join(dir, "garbled");
    await writeFile(garbled, "clusters: [unclosed");
    const parsed = await openConnection({ kind: "file", path: garbled }).catch((e: unknown) => e);
    expect((parsed as HttpError).status).toBe(503);
    const empty = join(dir, "empty");
    await writeFile(empty, JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [], users: [], contexts: [] }));
    const noCluster = await openConnection({ kind: "file", path: empty }).catch((e: unknown) => e);
    expect((noCluster as HttpError).message).toContain("its current context names no cluster server");
  });

  it("refuses in-cluster configuration without KUBERNETES_SERVICE_HOST with 503", async () => {
    vi.stubEnv("KUBERNETES_SERVICE_HOST", undefined);
    vi.stubEnv("KUBERNETES_SERVICE_PORT", undefined);
    const error = await openConnection({ kind: "in-cluster" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(503);
    expect((error as HttpError).message).toContain("KUBERNETES_SERVICE_HOST");
  });
});

describe("openConnection in-cluster", () => {
  it("lists through the service account's credentials", async () => {
    seen.length = 0;
    const client = new IsvcHttpClient(
      await openConnection({ kind: "in-cluster", server: base, serviceAccountDir: dir }),
    );
    const items = await client.list("ml", "app.kubernetes.io/managed-by=modelgate");
    expect(items).toEqual([{ metadata: { namespace: "ml", name: "a" } }]);
    expect(seen.map((headers) => headers.authorization)).toEqual(["Bearer first-token"]);
  });

  it("refuses in-cluster without a server with 503 naming the variables", async () => {
    const error = await openConnection({ kind: "in-cluster", serviceAccountDir: dir }).catch((e: unknown) => e);
    expect((error as { status?: unknown }).status).toBe(503);
    expect((error as Error).message).toContain("KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT are not set");
  });
});
