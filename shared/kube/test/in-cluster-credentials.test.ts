import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeTransportError } from "../src/api-errors.ts";
import { inClusterCredentials } from "../src/in-cluster-credentials.ts";
import { kubeTransport } from "../src/transport.ts";
import { type LoopbackApi, startLoopbackApi } from "./support/loopback-api.ts";

let dir: string;
let api: LoopbackApi;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelgate-sa-"));
  await writeFile(join(dir, "token"), "first-token\n");
  await writeFile(join(dir, "ca.crt"), "not really a CA");
  api = await startLoopbackApi();
  base = api.base;
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
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
