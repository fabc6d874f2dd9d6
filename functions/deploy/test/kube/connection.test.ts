import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpError } from "@modelgate/http";
import { kubeConnection } from "@modelgate/kube";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackApi, startLoopbackApi } from "../../../../shared/kube/test/support/loopback-api.ts";
import { isvcClientFactory } from "../../src/kube/isvc-client.ts";

let dir: string;
let api: LoopbackApi;
let base: string;
let seen: LoopbackApi["seen"];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelgate-connection-"));
  api = await startLoopbackApi();
  base = api.base;
  seen = api.seen;
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

const kubeconfig = (server: string, token = "t") =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server, "insecure-skip-tls-verify": true } }],
    users: [{ name: "u", user: { token } }],
    contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
    "current-context": "x",
  });
const nowhere = { exists: () => false, homeDir: "/nonexistent-home" };

describe("kubeConnection", () => {
  it("opens on first use only, once, and hands every caller the same transport", async () => {
    const path = join(dir, "once");
    await writeFile(path, kubeconfig("https://127.0.0.1:1"));
    const connection = kubeConnection({ inCluster: false, kubeconfig: path }, nowhere);
    const [a, b] = await Promise.all([connection(), connection()]);
    expect(a).toBe(b);
    expect(await connection()).toBe(a);
  });

  it("sends with the kubeconfig file named by the configuration", async () => {
    const path = join(dir, "named");
    await writeFile(path, kubeconfig(base, "named-token"));
    seen.length = 0;
    const send = await kubeConnection({ inCluster: false, kubeconfig: path }, nowhere)();
    expect((await send({ method: "GET", path: "/version" })).status).toBe(200);
    expect(seen.map((headers) => headers.authorization)).toEqual(["Bearer named-token"]);
  });

  it("does not keep a failure: once the kubeconfig appears, the next call succeeds", async () => {
    const path = join(dir, "later");
    const connection = kubeConnection({ inCluster: false, kubeconfig: path }, nowhere);
    await expect(connection()).rejects.toMatchObject({ status: 503 });
    await writeFile(path, kubeconfig("https://127.0.0.1:1"));
    await expect(connection()).resolves.toBeDefined();
  });

  it("answers 503 saying how to configure a cluster when there is none", async () => {
    const error = await kubeConnection({ inCluster: undefined, kubeconfig: undefined }, nowhere)().catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(503);
    expect((error as HttpError).message).toMatch(/^no Kubernetes cluster configured: set KUBERNETES_KUBECONFIG/);
  });

  it("answers 503 naming the file it cannot read", async () => {
    const path = join(dir, "missing");
    const error = await kubeConnection({ inCluster: false, kubeconfig: path }, nowhere)().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).message).toContain(`cannot load kubeconfig ${path}`);
  });
});

describe("isvcClientFactory", () => {
  it("makes the client once and hands out the same one", async () => {
    const path = join(dir, "ok");
    await writeFile(path, kubeconfig("https://127.0.0.1:1"));
    const kube = isvcClientFactory(kubeConnection({ inCluster: false, kubeconfig: path }));
    const [a, b] = await Promise.all([kube(), kube()]);
    expect(a).toBe(b);
    expect(await kube()).toBe(a);
  });

  it("opens its connection on first use only, and tries again after a failure", async () => {
    let opened = 0;
    const kube = isvcClientFactory(async () => {
      opened++;
      if (opened === 1) throw new HttpError(503, "no Kubernetes cluster configured: set KUBERNETES_KUBECONFIG");
      return async () => ({ status: 200, body: {} });
    });
    expect(opened).toBe(0);
    await expect(kube()).rejects.toMatchObject({ status: 503 });
    await expect(kube()).resolves.toBeDefined();
    await kube();
    expect(opened).toBe(2);
  });

  it("answers the connection's 503 saying how to configure a cluster when there is none", async () => {
    const kube = isvcClientFactory(kubeConnection({ inCluster: false, kubeconfig: undefined }, { homeDir: dir }));
    await expect(kube()).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining("no Kubernetes cluster configured: set KUBERNETES_KUBECONFIG"),
    });
  });
});
