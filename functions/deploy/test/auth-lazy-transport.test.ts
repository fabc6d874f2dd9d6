import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { lazyTransport } from "../src/auth/lazy-transport.ts";

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
