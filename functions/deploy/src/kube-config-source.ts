import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Config } from "@modelgate/config";
import { HttpError } from "@modelgate/http";

/** Where the deploy function's Kubernetes credentials come from. */
export type KubeConfigSource = { kind: "in-cluster" } | { kind: "file"; path: string } | { kind: "none" };

/** The service-account token file a pod gets (its presence means "in a cluster"). */
export const SERVICE_ACCOUNT_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** Environment-dependent inputs of {@link resolveKubeConfigSource}, with defaults. */
export interface ResolveSourceOptions {
  tokenPath?: string;
  homeDir?: string;
  exists?: (path: string) => boolean;
}

/**
 * Decides how to reach the API server: in-cluster when `KUBERNETES_IN_CLUSTER` is true or, when it is unset,
 * the service-account token file exists; else the `KUBERNETES_KUBECONFIG` / `KUBECONFIG` file (the first
 * of a `:`-separated list); else `~/.kube/config` when it exists; else none.
 *
 * @example
 * resolveKubeConfigSource({ inCluster: undefined, kubeconfig: "/etc/kube/config" }, { exists: () => false })
 * // { kind: "file", path: "/etc/kube/config" }
 */
export function resolveKubeConfigSource(
  kubernetes: Config["kubernetes"],
  options: ResolveSourceOptions = {},
): KubeConfigSource {
  const exists = options.exists ?? existsSync;
  const inCluster = kubernetes.inCluster ?? exists(options.tokenPath ?? SERVICE_ACCOUNT_TOKEN_PATH);
  if (inCluster) return { kind: "in-cluster" };
  const given = kubernetes.kubeconfig
    ?.split(delimiter)
    .map((path) => path.trim())
    .find((path) => path !== "");
  if (given !== undefined) return { kind: "file", path: given };
  const home = options.homeDir ?? homedir();
  const fallback = join(home, ".kube", "config");
  if (home !== "" && exists(fallback)) return { kind: "file", path: fallback };
  return { kind: "none" };
}

/** The 503 message when no cluster is configured: says how to configure one. */
export const NO_CLUSTER_MESSAGE =
  "no Kubernetes cluster configured: set KUBERNETES_KUBECONFIG (or KUBECONFIG) to a kubeconfig file, " +
  "put one at ~/.kube/config, or run in a pod with a service-account token (KUBERNETES_IN_CLUSTER=true)";

/**
 * Loads the KubeConfig of `source` (in-cluster service account or kubeconfig file), importing
 * `@kubernetes/client-node` only when called. Throws a 503 `HttpError` naming what it could not load.
 *
 * @example
 * const kc = await loadKubeConfig({ kind: "file", path: "/home/me/.kube/config" });
 */
export async function loadKubeConfig(source: Exclude<KubeConfigSource, { kind: "none" }>): Promise<KubeConfig> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  try {
    if (source.kind === "in-cluster") kc.loadFromCluster();
    else kc.loadFromFile(source.path);
  } catch (error) {
    const what = source.kind === "in-cluster" ? "the in-cluster configuration" : `kubeconfig ${source.path}`;
    throw new HttpError(503, `cannot load ${what}: ${(error as Error).message}`, { cause: error });
  }
  return kc;
}
