import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { Config } from "@modelgate/config";

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
