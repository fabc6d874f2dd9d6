import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "@modelgate/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inClusterServer, resolveClusterSource } from "../src/cluster-source.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelgate-sa-"));
  await writeFile(join(dir, "token"), "first-token\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TOKEN = "/token";
const HOME = "/home/me";
const exists = (present: string[]) => (path: string) => present.includes(path);

describe("resolveClusterSource", () => {
  it("is in-cluster when KUBERNETES_IN_CLUSTER=true, whatever else is there", () => {
    expect(
      resolveClusterSource({ inCluster: true, kubeconfig: "/k" }, { tokenPath: TOKEN, exists: exists([]) }),
    ).toEqual({ kind: "in-cluster" });
  });
  it("is in-cluster when unset and the token file exists", () => {
    expect(
      resolveClusterSource(
        { inCluster: undefined, kubeconfig: undefined },
        { tokenPath: TOKEN, exists: exists([TOKEN]) },
      ),
    ).toEqual({ kind: "in-cluster" });
  });
  it("ignores the token file when KUBERNETES_IN_CLUSTER=false", () => {
    expect(
      resolveClusterSource(
        { inCluster: false, kubeconfig: undefined },
        { tokenPath: TOKEN, homeDir: HOME, exists: exists([TOKEN]) },
      ),
    ).toEqual({ kind: "none" });
  });
  it("uses the configured kubeconfig (even before it exists: loading then says it is missing)", () => {
    expect(
      resolveClusterSource({ inCluster: undefined, kubeconfig: "/etc/kc" }, { tokenPath: TOKEN, exists: exists([]) }),
    ).toEqual({ kind: "file", path: "/etc/kc" });
  });
  it("uses the first path of a KUBECONFIG list", () => {
    expect(
      resolveClusterSource({ inCluster: false, kubeconfig: ":/a/config:/b/config" }, { exists: exists([]) }),
    ).toEqual({ kind: "file", path: "/a/config" });
  });
  it("falls back to ~/.kube/config when it exists", () => {
    expect(
      resolveClusterSource(
        { inCluster: undefined, kubeconfig: undefined },
        { tokenPath: TOKEN, homeDir: HOME, exists: exists([`${HOME}/.kube/config`]) },
      ),
    ).toEqual({ kind: "file", path: `${HOME}/.kube/config` });
  });
  it("is none when nothing is there", () => {
    expect(
      resolveClusterSource(
        { inCluster: undefined, kubeconfig: undefined },
        { tokenPath: TOKEN, homeDir: HOME, exists: exists([]) },
      ),
    ).toEqual({ kind: "none" });
    expect(resolveClusterSource({ inCluster: false, kubeconfig: "" }, { homeDir: "", exists: () => true })).toEqual({
      kind: "none",
    });
  });
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
describe("resolveClusterSource in-cluster, from loadConfig", () => {
  it("carries the server of KUBERNETES_SERVICE_HOST/PORT and the KUBERNETES_SERVICE_ACCOUNT_DIR", () => {
    const config = loadConfig({
      KUBERNETES_IN_CLUSTER: "true",
      KUBERNETES_SERVICE_HOST: "10.96.0.1",
      KUBERNETES_SERVICE_PORT: "443",
      KUBERNETES_SERVICE_ACCOUNT_DIR: dir,
    });
    expect(resolveClusterSource(config.kubernetes)).toEqual({
      kind: "in-cluster",
      server: "https://10.96.0.1:443",
      serviceAccountDir: dir,
    });
  });
  it("detects a pod by the token file of KUBERNETES_SERVICE_ACCOUNT_DIR", () => {
    const config = loadConfig({ KUBERNETES_SERVICE_ACCOUNT_DIR: dir });
    expect(resolveClusterSource(config.kubernetes)).toEqual({ kind: "in-cluster", serviceAccountDir: dir });
    const elsewhere = loadConfig({ KUBERNETES_SERVICE_ACCOUNT_DIR: join(dir, "nothing-here") });
    expect(resolveClusterSource(elsewhere.kubernetes, { homeDir: "" })).toEqual({ kind: "none" });
  });
  it("refuses a KUBERNETES_SERVICE_PORT that is not a port", () => {
    expect(() => loadConfig({ KUBERNETES_SERVICE_PORT: "tcp://10.0.0.1:443" })).toThrow(ConfigError);
    expect(() => loadConfig({ KUBERNETES_SERVICE_PORT: "0" })).toThrow(/KUBERNETES_SERVICE_PORT: must be an integer/);
  });
});
