import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeTransportError } from "@modelgate/kube";
import { type KubeCredentials, kubeTransport } from "@modelgate/kube/transport";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePki, type Pki } from "../../../../test/cluster/pki.ts";
import { type KubePost, reviewPost } from "../../src/kube/create-review.ts";
import { mapKubeError } from "../../src/kube/map-kube-error.ts";

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage["headers"];
  body: string;
  socket: unknown;
}

let dir: string;
let pki: Pki;
let server: Server;
let base: string;
const seen: Seen[] = [];
let respond: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
  res.writeHead(201, { "content-type": "application/json" });
  res.end(JSON.stringify({ status: { authenticated: true } }));
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelgate-kube-transport-"));
  pki = await makePki(dir);
  server = createServer({ cert: await readFile(pki.servingCertFile), key: await readFile(pki.servingKeyFile) });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      seen.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        socket: req.socket,
      });
      respond(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function kubeConfig(options: { server?: string; trustCa?: boolean; token?: string } = {}): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    {
      name: "test",
      server: options.server ?? base,
      skipTLSVerify: false,
      ...(options.trustCa === false ? {} : { caData: Buffer.from(pki.caPem).toString("base64") }),
    },
    { name: "deploy", token: options.token ?? "own-identity-token" },
  );
  return kc;
}

/** The reviews' POST over one transport to `kc`, as the authorizer gets it from the deploy function's connection. */
function reviewsOver(kc: KubeCredentials, options: { timeoutMs?: number } = {}): KubePost {
  const send = kubeTransport(kc);
  return reviewPost(async () => send, options);
}

describe("reviewPost over kubeTransport", () => {
  it("POSTs JSON with the kubeconfig's credentials over TLS pinned to its CA, reusing the connection", async () => {
    seen.length = 0;
    const post = reviewsOver(kubeConfig());
    const first = await post("/apis/authentication.k8s.io/v1/tokenreviews", { spec: { token: "t" } });
    const second = await post("/apis/authentication.k8s.io/v1/tokenreviews", { spec: { token: "u" } });
    expect(first).toEqual({ status: 201, body: { status: { authenticated: true } } });
    expect(second.status).toBe(201);
    expect(seen).toHaveLength(2);
    const [a, b] = seen;
    expect(a?.method).toBe("POST");
    expect(a?.url).toBe("/apis/authentication.k8s.io/v1/tokenreviews");
    expect(a?.headers.authorization).toBe("Bearer own-identity-token");
    expect(a?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(a?.body ?? "")).toEqual({ spec: { token: "t" } });
    expect(b?.socket).toBe(a?.socket);
  });

  it("returns the text of an answer that is not JSON, and any status", async () => {
    respond = (_req, res) => {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("etcd is down");
    };
    try {
      expect(await reviewsOver(kubeConfig())("/x", {})).toEqual({ status: 503, body: "etcd is down" });
    } finally {
      respond = (_req, res) => {
        res.writeHead(201, { "content-type": "application/json" });
        res.end("{}");
      };
    }
  });

  it("asks once more when a kept-alive connection was closed under it", async () => {
    const previous = respond;
    let resets = 0;
    respond = (req, res) => {
      if (resets++ === 0) {
        req.socket.destroy();
        return;
      }
      previous(req, res);
    };
    try {
      seen.length = 0;
      expect((await reviewsOver(kubeConfig())("/x", {})).status).toBe(201);
      expect(seen).toHaveLength(2);
    } finally {
      respond = previous;
    }
  });

  it("gives up after one more try when the connection keeps being reset", async () => {
    const previous = respond;
    respond = (req) => req.socket.destroy();
    try {
      seen.length = 0;
      await expect(reviewsOver(kubeConfig())("/x", {})).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(seen).toHaveLength(2);
    } finally {
      respond = previous;
    }
  });

  it("refuses a server its CA did not sign", async () => {
    await expect(reviewsOver(kubeConfig({ trustCa: false }))("/x", {})).rejects.toThrow(/certificate/i);
  });

  it("rejects when nothing listens", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(reviewsOver(kubeConfig({ server: `https://127.0.0.1:${port}` }))("/x", {})).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it("rejects when no answer comes in time", async () => {
    const previous = respond;
    respond = () => undefined;
    try {
      const error = await reviewsOver(kubeConfig(), { timeoutMs: 200 })("/x", {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeTransportError);
      expect((error as KubeTransportError).message).toBe(`no answer from ${base} within 200 ms`);
      expect((error as KubeTransportError).code).toBe("ETIMEDOUT");
    } finally {
      respond = previous;
    }
  });

  it("rejects when the configuration has no current cluster", async () => {
    await expect(reviewsOver(new KubeConfig())("/x", {})).rejects.toThrow(/no current cluster/);
  });
});

describe("kubeTransport", () => {
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  it("sends any method with its content type below the server's path prefix, on one kept-alive connection", async () => {
    const previous = respond;
    respond = (req, res) => json(res, 200, { method: req.method });
    try {
      seen.length = 0;
      const send = kubeTransport(kubeConfig({ server: `${base}/k8s/clusters/c-1/` }));
      expect(await send({ method: "GET", path: "/apis/x?labelSelector=a%3Db" })).toEqual({
        status: 200,
        body: { method: "GET" },
      });
      await send({ method: "PATCH", path: "/apis/x/y", body: '{"a":1}', contentType: "application/apply-patch+yaml" });
      await send({ method: "DELETE", path: "/apis/x/y", body: { kind: "DeleteOptions" } });
      expect(seen.map((s) => [s.method, s.url, s.headers["content-type"], s.body])).toEqual([
        ["GET", "/k8s/clusters/c-1/apis/x?labelSelector=a%3Db", undefined, ""],
        ["PATCH", "/k8s/clusters/c-1/apis/x/y", "application/apply-patch+yaml", '{"a":1}'],
        ["DELETE", "/k8s/clusters/c-1/apis/x/y", "application/json", '{"kind":"DeleteOptions"}'],
      ]);
      expect(seen[0]?.headers.authorization).toBe("Bearer own-identity-token");
      expect(seen[0]?.headers.accept).toBe("application/json");
      expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
    } finally {
      respond = previous;
    }
  });

  it("carries reviews and InferenceService requests over the same kept-alive connection", async () => {
    const previous = respond;
    respond = (req, res) => json(res, req.method === "POST" ? 201 : 200, {});
    try {
      seen.length = 0;
      const send = kubeTransport(kubeConfig());
      const post = reviewPost(async () => send);
      await send({ method: "GET", path: "/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices" });
      await post("/apis/authentication.k8s.io/v1/tokenreviews", { spec: { token: "t" } });
      await send({ method: "GET", path: "/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices" });
      expect(seen.map((s) => s.method)).toEqual(["GET", "POST", "GET"]);
      expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
    } finally {
      respond = previous;
    }
  });

  it("gives a request its own time limit when it names one", async () => {
    const previous = respond;
    respond = () => undefined;
    try {
      const send = kubeTransport(kubeConfig(), { timeoutMs: 60_000 });
      const started = Date.now();
      const error = await send({ method: "GET", path: "/x", timeoutMs: 150 }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((error as KubeTransportError).message).toBe(`no answer from ${base} within 150 ms`);
    } finally {
      respond = previous;
    }
  });

  it("applies the credentials on every request, so a rotated token is used at once", async () => {
    seen.length = 0;
    const kc = kubeConfig({ token: "first-token" });
    const send = kubeTransport(kc);
    await send({ method: "GET", path: "/x" });
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error("no cluster");
    kc.loadFromClusterAndUser(cluster, { name: "deploy", token: "second-token" });
    await send({ method: "GET", path: "/x" });
    expect(seen.map((s) => s.headers.authorization)).toEqual(["Bearer first-token", "Bearer second-token"]);
  });

  it("sends a reset request once more only when repeating it is safe", async () => {
    const previous = respond;
    let resets = 0;
    respond = (req, res) => {
      if (resets++ % 2 === 0) {
        req.socket.destroy();
        return;
      }
      json(res, 200, {});
    };
    try {
      const send = kubeTransport(kubeConfig());
      seen.length = 0;
      const patch = await send({ method: "PATCH", path: "/x", body: "{}" }).catch((e: unknown) => e);
      expect(patch).toBeInstanceOf(KubeTransportError);
      expect((patch as KubeTransportError).code).toBe("ECONNRESET");
      expect(seen).toHaveLength(1);
      resets = 0;
      seen.length = 0;
      expect((await send({ method: "PATCH", path: "/x", body: "{}", idempotent: true })).status).toBe(200);
      expect(seen).toHaveLength(2);
      resets = 0;
      seen.length = 0;
      expect((await send({ method: "DELETE", path: "/x" })).status).toBe(200);
      expect(seen).toHaveLength(2);
    } finally {
      respond = previous;
    }
  });

  it("does not send a request again once its answer had begun", async () => {
    const previous = respond;
    respond = (req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write("{");
      setTimeout(() => req.socket.destroy(), 20);
    };
    try {
      seen.length = 0;
      const error = await kubeTransport(kubeConfig())({ method: "GET", path: "/x" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubeTransportError);
      expect(seen).toHaveLength(1);
    } finally {
      respond = previous;
    }
  });

  it("gives up on credentials that never come (a hung exec plugin) within the time limit, as unreachable (503)", async () => {
    seen.length = 0;
    const hung: KubeCredentials = {
      getCurrentCluster: () => ({ server: base }),
      applyToHTTPSOptions: () => new Promise<void>(() => {}),
    };
    const started = Date.now();
    const error = await kubeTransport(hung, { timeoutMs: 100 })({ method: "GET", path: "/x" }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(KubeTransportError);
    expect((error as KubeTransportError).code).toBe("ETIMEDOUT");
    expect((error as KubeTransportError).message).toBe(
      "the Kubernetes client credentials were not ready within 100 ms",
    );
    expect(mapKubeError(error, { verb: "get", namespace: "ml", name: "x" }).status).toBe(503);
    expect(seen).toHaveLength(0);
  });

  it("reports a refused connection and credentials it cannot get as KubeTransportErrors", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await kubeTransport(kubeConfig({ server: `https://127.0.0.1:${port}` }))({
      method: "GET",
      path: "/x",
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KubeTransportError);
    expect((refused as KubeTransportError).code).toBe("ECONNREFUSED");

    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      { name: "test", server: base, skipTLSVerify: false, caData: Buffer.from(pki.caPem).toString("base64") },
      {
        name: "exec",
        exec: { apiVersion: "client.authentication.k8s.io/v1", command: join(dir, "no-such-plugin"), args: [] },
      },
    );
    seen.length = 0;
    const credentials = await kubeTransport(kc)({ method: "GET", path: "/x" }).catch((e: unknown) => e);
    expect(credentials).toBeInstanceOf(KubeTransportError);
    expect((credentials as KubeTransportError).message).toMatch(/^cannot apply the Kubernetes client credentials: /);
    expect(seen).toHaveLength(0);
  });
});
