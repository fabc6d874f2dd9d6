import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { RequestOptions } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "@modelgate/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  inClusterCredentials,
  inClusterServer,
  KubeTransportError,
  kubeTransport,
  resolveKubeConfigSource,
} from "../src/index.ts";
import { createKubeConfigClient } from "../src/kube-config-client.ts";

let dir: string;
let server: Server;
let base: string;
const seen: IncomingMessage["headers"][] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelgate-sa-"));
  await writeFile(join(dir, "token"), "first-token\n");
  await writeFile(join(dir, "ca.crt"), "not really a CA");
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"kind":"InferenceServiceList","items":[{"metadata":{"namespace":"ml","name":"a"}}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe("inClusterServer", () => {
  it("builds the URL a pod is given, as client-node does", () => {
    expect(inClusterServer("10.96.0.1", 443)).toBe("https://10.96.0.1:443");
    expect(inClusterServer("kubernetes.default.svc", 6443)).toBe("https://kubernetes.default.svc:6443");
    expect(inClusterServer("fd00::1", 443)).toBe("https://[fd00::1]:443");
    for (const port of [80, 8080, 8001]) expect(inClusterServer("10.0.0.1", port)).toBe(`http://10.0.0.1:${port}`);
  });
  it("is undefined when the host or the port is missing", () => {
    expect(inClusterServer(undefined, 443)).toBeUndefined();
    expect(inClusterServer("", 443)).toBeUndefined();
    expect(inClusterServer("10.0.0.1", undefined)).toBeUndefined();
  });
});

describe("resolveKubeConfigSource in-cluster, from loadConfig", () => {
  it("carries the server of KUBERNETES_SERVICE_HOST/PORT and the KUBERNETES_SERVICE_ACCOUNT_DIR", () => {
    const config = loadConfig({
      KUBERNETES_IN_CLUSTER: "true",
      KUBERNETES_SERVICE_HOST: "10.96.0.1",
      KUBERNETES_SERVICE_PORT: "443",
      KUBERNETES_SERVICE_ACCOUNT_DIR: dir,
    });
    expect(resolveKubeConfigSource(config.kubernetes)).toEqual({
      kind: "in-cluster",
      server: "https://10.96.0.1:443",
      serviceAccountDir: dir,
    });
  });
  it("detects a pod by the token file of KUBERNETES_SERVICE_ACCOUNT_DIR", () => {
    const config = loadConfig({ KUBERNETES_SERVICE_ACCOUNT_DIR: dir });
    expect(resolveKubeConfigSource(config.kubernetes)).toEqual({ kind: "in-cluster", serviceAccountDir: dir });
    const elsewhere = loadConfig({ KUBERNETES_SERVICE_ACCOUNT_DIR: join(dir, "nothing-here") });
    expect(resolveKubeConfigSource(elsewhere.kubernetes, { homeDir: "" })).toEqual({ kind: "none" });
  });
  it("refuses a KUBERNETES_SERVICE_PORT that is not a port", () => {
    expect(() => loadConfig({ KUBERNETES_SERVICE_PORT: "tcp://10.0.0.1:443" })).toThrow(ConfigError);
    expect(() => loadConfig({ KUBERNETES_SERVICE_PORT: "0" })).toThrow(/KUBERNETES_SERVICE_PORT: must be an integer/);
  });
});

describe("inClusterCredentials", () => {
  it("puts the CA and the bearer token (trimmed) on a request", async () => {
    const credentials = inClusterCredentials({ server: "https://10.96.0.1:443", dir });
    expect(credentials.getCurrentCluster()).toEqual({ server: "https://10.96.0.1:443" });
    const opts: RequestOptions = { headers: { "x-kept": "yes" } };
    await credentials.applyToHTTPSOptions(opts);
    expect(String(opts.ca)).toBe("not really a CA");
    expect(opts.headers).toEqual({ "x-kept": "yes", Authorization: "Bearer first-token" });
  });

  it("reads a rotated token again after a minute, not before", async () => {
    const sa = await mkdtemp(join(tmpdir(), "modelgate-sa-rotate-"));
    try {
      await writeFile(join(sa, "ca.crt"), "ca");
      await writeFile(join(sa, "token"), "old");
      let now = 1_000_000;
      const credentials = inClusterCredentials({ server: "https://h:443", dir: sa, now: () => now });
      const bearer = async () => {
        const opts: RequestOptions = {};
        await credentials.applyToHTTPSOptions(opts);
        return (opts.headers as Record<string, string>).Authorization;
      };
      expect(await bearer()).toBe("Bearer old");
      await writeFile(join(sa, "token"), "new");
      now += 59_000;
      expect(await bearer()).toBe("Bearer old");
      now += 2_000;
      expect(await bearer()).toBe("Bearer new");
    } finally {
      await rm(sa, { recursive: true, force: true });
    }
  });

  it("fails the request, through the transport, when the token or CA file is missing", async () => {
    const send = kubeTransport(inClusterCredentials({ server: base, dir: join(dir, "missing") }));
    const error = await send({ method: "GET", path: "/x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeTransportError);
    expect((error as KubeTransportError).message).toMatch(/cannot apply the Kubernetes client credentials: .*ENOENT/);
  });

  it("has no cluster without a server, which the transport reports", async () => {
    const credentials = inClusterCredentials({ server: undefined, dir });
    expect(credentials.getCurrentCluster()).toBeNull();
    await expect(kubeTransport(credentials)({ method: "GET", path: "/x" })).rejects.toThrow(/no current cluster/);
  });
});

describe("createKubeConfigClient in-cluster", () => {
  it("lists through the service account's credentials", async () => {
    seen.length = 0;
    const client = await createKubeConfigClient({ kind: "in-cluster", server: base, serviceAccountDir: dir });
    const items = await client.list("ml", "app.kubernetes.io/managed-by=modelgate");
    expect(items).toEqual([{ metadata: { namespace: "ml", name: "a" } }]);
    expect(seen.map((headers) => headers.authorization)).toEqual(["Bearer first-token"]);
  });

  it("refuses in-cluster without a server with 503 naming the variables", async () => {
    const error = await createKubeConfigClient({ kind: "in-cluster", serviceAccountDir: dir }).catch((e: unknown) => e);
    expect((error as { status?: unknown }).status).toBe(503);
    expect((error as Error).message).toContain("KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT are not set");
  });
});
