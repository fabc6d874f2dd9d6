import { describe, expect, it } from "vitest";
import { resolveKubeConfigSource } from "../src/index.ts";

const TOKEN = "/token";
const HOME = "/home/me";
const exists = (present: string[]) => (path: string) => present.includes(path);

describe("resolveKubeConfigSource", () => {
  it("is in-cluster when KUBERNETES_IN_CLUSTER=true, whatever else is there", () => {
    expect(
      resolveKubeConfigSource({ inCluster: true, kubeconfig: "/k" }, { tokenPath: TOKEN, exists: exists([]) }),
    ).toEqual({ kind: "in-cluster" });
  });
  it("is in-cluster when unset and the token file exists", () => {
    expect(
      resolveKubeConfigSource(
        { inCluster: undefined, kubeconfig: undefined },
        { tokenPath: TOKEN, exists: exists([TOKEN]) },
      ),
    ).toEqual({ kind: "in-cluster" });
  });
  it("ignores the token file when KUBERNETES_IN_CLUSTER=false", () => {
    expect(
      resolveKubeConfigSource(
        { inCluster: false, kubeconfig: undefined },
        { tokenPath: TOKEN, homeDir: HOME, exists: exists([TOKEN]) },
      ),
    ).toEqual({ kind: "none" });
  });
  it("uses the configured kubeconfig (even before it exists: loading then says it is missing)", () => {
    expect(
      resolveKubeConfigSource(
        { inCluster: undefined, kubeconfig: "/etc/kc" },
        { tokenPath: TOKEN, exists: exists([]) },
      ),
    ).toEqual({ kind: "file", path: "/etc/kc" });
  });
  it("uses the first path of a KUBECONFIG list", () => {
    expect(
      resolveKubeConfigSource({ inCluster: false, kubeconfig: ":/a/config:/b/config" }, { exists: exists([]) }),
    ).toEqual({ kind: "file", path: "/a/config" });
  });
  it("falls back to ~/.kube/config when it exists", () => {
    expect(
      resolveKubeConfigSource(
        { inCluster: undefined, kubeconfig: undefined },
        { tokenPath: TOKEN, homeDir: HOME, exists: exists([`${HOME}/.kube/config`]) },
      ),
    ).toEqual({ kind: "file", path: `${HOME}/.kube/config` });
  });
  it("is none when nothing is there", () => {
    expect(
      resolveKubeConfigSource(
        { inCluster: undefined, kubeconfig: undefined },
        { tokenPath: TOKEN, homeDir: HOME, exists: exists([]) },
      ),
    ).toEqual({ kind: "none" });
    expect(resolveKubeConfigSource({ inCluster: false, kubeconfig: "" }, { homeDir: "", exists: () => true })).toEqual({
      kind: "none",
    });
  });
});
