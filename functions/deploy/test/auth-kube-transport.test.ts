import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePki, type Pki } from "../../../test/cluster/pki.ts";
import { kubeConfigTransport, lazyTransport } from "../src/auth/kube-transport.ts";

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
  dir = await mkdtemp(join(tmpdir(), "modelgate-auth-transport-"));
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

describe("kubeConfigTransport", () => {
  it("POSTs JSON with the kubeconfig's credentials over TLS pinned to its CA, reusing the connection", async () => {
    seen.length = 0;
    const post = kubeConfigTransport(kubeConfig());
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
      expect(await kubeConfigTransport(kubeConfig())("/x", {})).toEqual({ status: 503, body: "etcd is down" });
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
      expect((await kubeConfigTransport(kubeConfig())("/x", {})).status).toBe(201);
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
      await expect(kubeConfigTransport(kubeConfig())("/x", {})).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(seen).toHaveLength(2);
    } finally {
      respond = previous;
    }
  });

  it("refuses a server its CA did not sign", async () => {
    await expect(kubeConfigTransport(kubeConfig({ trustCa: false }))("/x", {})).rejects.toThrow(/certificate/i);
  });

  it("rejects when nothing listens", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(kubeConfigTransport(kubeConfig({ server: `https://127.0.0.1:${port}` }))("/x", {})).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it("rejects when no answer comes in time", async () => {
    const previous = respond;
    respond = () => undefined;
    try {
      await expect(kubeConfigTransport(kubeConfig(), { timeoutMs: 200 })("/x", {})).rejects.toThrow(
        `no answer from ${base} within 200 ms`,
      );
    } finally {
      respond = previous;
    }
  });

  it("rejects when the configuration has no current cluster", async () => {
    await expect(kubeConfigTransport(new KubeConfig())("/x", {})).rejects.toThrow(/no current cluster/);
  });
});

describe("lazyTransport", () => {
  it("loads the configuration on first use only", async () => {
    let loads = 0;
    const post = lazyTransport(
      () => {
        loads++;
        return new KubeConfig();
      },
      () => async () => ({ status: 201, body: {} }),
    );
    expect(loads).toBe(0);
    await post("/a", {});
    await post("/b", {});
    expect(loads).toBe(1);
  });

  it("reports a failed load as no cluster configured, and tries again next time", async () => {
    let loads = 0;
    const post = lazyTransport(
      async () => {
        loads++;
        if (loads === 1) throw new Error("ENOENT: /var/run/secrets/kubernetes.io/serviceaccount/token");
        return new KubeConfig();
      },
      () => async () => ({ status: 201, body: { ok: true } }),
    );
    const error: unknown = await post("/a", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      "no Kubernetes cluster configured: ENOENT: /var/run/secrets/kubernetes.io/serviceaccount/token",
    );
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(await post("/a", {})).toEqual({ status: 201, body: { ok: true } });
    expect(loads).toBe(2);
  });
});
