import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeApiError } from "@modelgate/kube";
import { openConnection } from "@modelgate/kube/open-connection";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InferenceService } from "../../src/inference-service.ts";
import { IsvcHttpClient } from "../../src/kube/isvc-http-client.ts";
import { mapKubeError } from "../../src/kube/map-kube-error.ts";

/** A loopback stand-in for the API server: each test sets `handler`; every request is recorded. */
let server: Server;
let base: string;
let dir: string;
let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;
const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), "modelgate-kcc-"));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  seen.length = 0;
});

async function kubeconfig(server: string): Promise<string> {
  const path = join(dir, `kc-${Math.random().toString(36).slice(2)}`);
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server, "insecure-skip-tls-verify": true } }],
    users: [{ name: "u", user: { token: "secret-token" } }],
    contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
    "current-context": "x",
  };
  await writeFile(path, JSON.stringify(config));
  return path;
}
async function client(options: { timeoutMs?: number; server?: string } = {}) {
  const path = await kubeconfig(options.server ?? base);
  return new IsvcHttpClient(
    await openConnection(
      { kind: "file", path },
      options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
    ),
  );
}
function reply(status: number, body: unknown, type = "application/json") {
  handler = (_req, res) => {
    res.writeHead(status, { "content-type": type });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };
}
const CR: InferenceService = {
  apiVersion: "serving.kserve.io/v1beta1",
  kind: "InferenceService",
  metadata: { name: "scorer", namespace: "ml" },
  spec: { predictor: { model: { modelFormat: { name: "sklearn" }, storageUri: "s3://x" } } },
};
const PATH = "/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices";

describe("IsvcHttpClient", () => {
  it("gets a CR with the kubeconfig's token", async () => {
    reply(200, CR);
    expect(await (await client()).get("ml", "scorer")).toEqual(CR);
    expect(seen[0]).toMatchObject({ method: "GET", url: `${PATH}/scorer` });
    expect(seen[0]?.headers.authorization).toBe("Bearer secret-token");
    expect(seen[0]?.headers.accept).toBe("application/json");
  });

  it("reads a 404 naming the object as absent, and one naming nothing as an error (no such resource type)", async () => {
    reply(404, { kind: "Status", reason: "NotFound", message: "not found", details: { name: "scorer" } });
    expect(await (await client()).get("ml", "scorer")).toBeNull();
    reply(404, "404 page not found", "text/plain");
    const error = await (await client()).get("ml", "scorer").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).body.message).toBe("404 page not found");
  });

  it("applies server-side with field manager modelgate, forced", async () => {
    reply(200, { ...CR, metadata: { ...CR.metadata, uid: "u1" } });
    const stored = await (await client()).apply(CR);
    expect(stored.metadata.uid).toBe("u1");
    expect(seen[0]).toMatchObject({ method: "PATCH", url: `${PATH}/scorer?fieldManager=modelgate&force=true` });
    expect(seen[0]?.headers["content-type"]).toBe("application/apply-patch+yaml");
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual(CR);
  });

  it("creates with a POST, then makes the create's field ownership modelgate's Apply, precondition its resourceVersion", async () => {
    const entries = [
      { manager: "kserve", operation: "Update", fieldsType: "FieldsV1", fieldsV1: { "f:status": {} } },
      {
        manager: "modelgate",
        operation: "Update",
        apiVersion: "serving.kserve.io/v1beta1",
        fieldsV1: { "f:spec": { ".": {}, "f:list": { 'k:{"name":"a"}': { ".": {}, "f:name": {} } }, "f:x": {} } },
      },
    ];
    // An apply owns no struct or map itself ("." below f:), but does own list items ("." below k:).
    const applied = { "f:spec": { "f:list": { 'k:{"name":"a"}': { ".": {}, "f:name": {} } }, "f:x": {} } };
    const created = { ...CR, metadata: { ...CR.metadata, uid: "u1", resourceVersion: "7", managedFields: entries } };
    const owned = { ...created, metadata: { ...created.metadata, resourceVersion: "8" } };
    handler = (req, res) => {
      res.writeHead(req.method === "POST" ? 201 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify(req.method === "POST" ? created : owned));
    };
    expect(await (await client()).create(CR)).toEqual(owned);
    expect(seen.map((s) => [s.method, s.url, s.headers["content-type"]])).toEqual([
      ["POST", `${PATH}?fieldManager=modelgate`, "application/json"],
      ["PATCH", `${PATH}/scorer`, "application/json-patch+json"],
    ]);
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual(CR);
    expect(JSON.parse(seen[1]?.body ?? "")).toEqual([
      {
        op: "replace",
        path: "/metadata/managedFields",
        value: [entries[0], { ...entries[1], operation: "Apply", fieldsV1: applied }],
      },
      { op: "replace", path: "/metadata/resourceVersion", value: "7" },
    ]);
  });

  it("returns the created CR when it changed or went away before its ownership was rewritten", async () => {
    const managedFields = [{ manager: "modelgate", operation: "Update" }];
    const created = { ...CR, metadata: { ...CR.metadata, uid: "u1", resourceVersion: "7", managedFields } };
    for (const status of [409, 404]) {
      handler = (req, res) => {
        res.writeHead(req.method === "POST" ? 201 : status, { "content-type": "application/json" });
        res.end(JSON.stringify(req.method === "POST" ? created : { kind: "Status", details: { name: "scorer" } }));
      };
      expect(await (await client()).create(CR)).toEqual(created);
    }
    handler = (req, res) => {
      res.writeHead(req.method === "POST" ? 201 : 500, { "content-type": "application/json" });
      res.end(JSON.stringify(req.method === "POST" ? created : { kind: "Status", message: "etcd down" }));
    };
    const error = await (await client()).create(CR).catch((e: unknown) => e);
    expect([(error as KubeApiError).status, (error as KubeApiError).message]).toEqual([500, "etcd down"]);
  });

  it("sends no ownership patch when the create recorded no Update of modelgate's, and passes AlreadyExists on", async () => {
    const created = { ...CR, metadata: { ...CR.metadata, uid: "u1", resourceVersion: "7" } };
    reply(201, created);
    expect(await (await client()).create(CR)).toEqual(created);
    expect(seen).toHaveLength(1);
    reply(409, { kind: "Status", reason: "AlreadyExists", message: "already exists", details: { name: "scorer" } });
    const error = await (await client()).create(CR).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect([(error as KubeApiError).status, (error as KubeApiError).body.reason]).toEqual([409, "AlreadyExists"]);
  });

  it("passes the API's Status on in a KubeApiError (422 with causes)", async () => {
    const status = {
      kind: "Status",
      reason: "Invalid",
      message:
        'InferenceService.serving.kserve.io "scorer" is invalid: spec.predictor.model.resources.limits.cpu: Invalid value',
      details: { name: "scorer", causes: [{ field: "spec.predictor.model.resources.limits.cpu" }] },
    };
    reply(422, status);
    const error = (await (await client()).apply(CR).catch((e: unknown) => e)) as KubeApiError;
    expect(error).toBeInstanceOf(KubeApiError);
    expect([error.status, error.body]).toEqual([422, status]);
    expect(mapKubeError(error, { verb: "apply", namespace: "ml" }).status).toBe(422);
  });

  it("deletes with preconditions, and reads 404 as already gone", async () => {
    reply(200, { kind: "Status", status: "Success" });
    expect(await (await client()).delete("ml", "scorer", { uid: "u1", resourceVersion: "7" })).toBe(true);
    expect(seen[0]).toMatchObject({ method: "DELETE", url: `${PATH}/scorer` });
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({
      apiVersion: "v1",
      kind: "DeleteOptions",
      preconditions: { uid: "u1", resourceVersion: "7" },
    });
    reply(404, { kind: "Status", reason: "NotFound", details: { name: "scorer" } });
    expect(await (await client()).delete("ml", "scorer", { uid: "u1" })).toBe(false);
    reply(409, { kind: "Status", reason: "Conflict", message: "Precondition failed: UID in precondition: u1" });
    const error = (await (
      await client()
    )
      .delete("ml", "scorer", { uid: "u1" })
      .catch((e: unknown) => e)) as KubeApiError;
    expect(error.status).toBe(409);
  });

  it("lists one namespace or all, with the label selector", async () => {
    reply(200, { kind: "InferenceServiceList", items: [CR] });
    const c = await client();
    expect(await c.list("ml", "app.kubernetes.io/managed-by=modelgate")).toEqual([CR]);
    reply(200, { kind: "InferenceServiceList" });
    expect(await c.list(undefined, "a=b")).toEqual([]);
    expect(seen.map((s) => s.url)).toEqual([
      `${PATH}?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dmodelgate`,
      "/apis/serving.kserve.io/v1beta1/inferenceservices?labelSelector=a%3Db",
    ]);
  });

  it("refuses a success answer that is not JSON with a KubeApiError (502), not a crash", async () => {
    reply(200, "<html>proxy login</html>", "text/html");
    const error = await (await client()).get("ml", "scorer").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).message).toBe("the answer is not JSON: <html>proxy login</html>");
    expect(mapKubeError(error, { verb: "get", namespace: "ml", name: "scorer" }).status).toBe(502);
  });

  it("keeps the server's path prefix (API servers behind a proxy)", async () => {
    reply(200, CR);
    await (await client({ server: `${base}/k8s/clusters/c-1/` })).get("ml", "scorer");
    expect(seen[0]?.url).toBe(`/k8s/clusters/c-1${PATH}/scorer`);
  });

  it("gives up after timeoutMs on an API server that does not answer: 503", async () => {
    handler = () => {}; // never answers
    const started = performance.now();
    const error = await (await client({ timeoutMs: 200 })).get("ml", "scorer").catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(3_000);
    const mapped = mapKubeError(error, { verb: "get", namespace: "ml", name: "scorer" });
    expect(mapped.status).toBe(503);
    expect(mapped.message).toContain(
      "Kubernetes API unreachable (get inferenceservices.serving.kserve.io scorer in namespace ml)",
    );
  });

  it("fails fast on a refused connection: 503", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await (await client({ server: `http://127.0.0.1:${port}` }))
      .list("ml", "a=b")
      .catch((e: unknown) => e);
    expect(mapKubeError(error, { verb: "list", namespace: "ml" }).message).toContain("ECONNREFUSED");
  });
});
