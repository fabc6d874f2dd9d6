import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpError } from "@modelgate/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeConfigLoader } from "../src/auth/load-kube-config.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelgate-auth-kc-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const nowhere = { exists: () => false, homeDir: "/nonexistent-home" };

describe("kubeConfigLoader", () => {
  it("loads the kubeconfig file named by the configuration", async () => {
    const path = join(dir, "config");
    await writeFile(
      path,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "c", cluster: { server: "https://10.0.0.1:6443" } }],
        users: [{ name: "u", user: { token: "t" } }],
        contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
        "current-context": "x",
      }),
    );
    const kc = await kubeConfigLoader({ inCluster: false, kubeconfig: path }, nowhere)();
    expect(kc.getCurrentCluster()?.server).toBe("https://10.0.0.1:6443");
  });

  it("answers 503 saying how to configure a cluster when there is none", async () => {
    const error = await kubeConfigLoader({ inCluster: undefined, kubeconfig: undefined }, nowhere)().catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(503);
    expect((error as HttpError).message).toMatch(/^no Kubernetes cluster configured: set KUBERNETES_KUBECONFIG/);
  });

  it("answers 503 naming the file it cannot read", async () => {
    const path = join(dir, "missing");
    const error = await kubeConfigLoader({ inCluster: false, kubeconfig: path }, nowhere)().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).message).toContain(`cannot load kubeconfig ${path}`);
  });
});
