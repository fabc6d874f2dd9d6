import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeClientFactory } from "../src/index.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelgate-factory-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const KUBECONFIG = JSON.stringify({
  apiVersion: "v1",
  kind: "Config",
  clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:1" } }],
  users: [{ name: "u", user: { token: "t" } }],
  contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
  "current-context": "x",
});

describe("kubeClientFactory", () => {
  it("makes the client once and hands out the same one", async () => {
    const path = join(dir, "ok");
    await writeFile(path, KUBECONFIG);
    const kube = kubeClientFactory({ inCluster: false, kubeconfig: path });
    const [a, b] = await Promise.all([kube(), kube()]);
    expect(a).toBe(b);
    expect(await kube()).toBe(a);
  });

  it("does not keep a failure: once the kubeconfig appears, the next call succeeds", async () => {
    const path = join(dir, "later");
    const kube = kubeClientFactory({ inCluster: false, kubeconfig: path });
    await expect(kube()).rejects.toMatchObject({ status: 503 });
    await writeFile(path, KUBECONFIG);
    await expect(kube()).resolves.toBeDefined();
  });

  it("answers 503 saying how to configure a cluster when there is none", async () => {
    const kube = kubeClientFactory({ inCluster: false, kubeconfig: undefined }, { homeDir: dir });
    await expect(kube()).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining("no Kubernetes cluster configured: set KUBERNETES_KUBECONFIG"),
    });
  });
});
