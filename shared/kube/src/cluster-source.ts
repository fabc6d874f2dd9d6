import { existsSync } from "node:fs";
import { isIPv6 } from "node:net";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { Config } from "@modelgate/config";

/**
 * Where the deploy function's cluster is and whose credentials it uses (docs/CONFIGURATION.md, "Deploy
 * function"). In-cluster: the API server's URL when `KUBERNETES_SERVICE_HOST`/`PORT` give one, and the
 * service-account folder when not the standard one.
 */
export type ClusterSource =
  | { kind: "in-cluster"; server?: string; serviceAccountDir?: string }
  | { kind: "file"; path: string }
  | { kind: "none" };

/** Where a pod's service-account token and CA are mounted. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The service-account token file a pod gets (its presence means "in a cluster"). */
export const SERVICE_ACCOUNT_TOKEN_PATH = join(SERVICE_ACCOUNT_DIR, "token");

/** The 503 message when no cluster is configured: says how to configure one. */
export const NO_CLUSTER_MESSAGE =
  "no Kubernetes cluster configured: set KUBERNETES_KUBECONFIG (or KUBECONFIG) to a kubeconfig file, " +
  "put one at ~/.kube/config, or run in a pod with a service-account token (KUBERNETES_IN_CLUSTER=true)";

/** Environment-dependent inputs of {@link resolveClusterSource}, with defaults. */
export interface ResolveSourceOptions {
  tokenPath?: string;
  homeDir?: string;
  exists?: (path: string) => boolean;
}

/**
 * The API server URL a pod is given by `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT`, as
 * `@kubernetes/client-node` builds it (http for the ports 80, 8080 and 8001, an IPv6 address in brackets);
 * `undefined` when either is missing.
 *
 * @example
 * inClusterServer("10.96.0.1", 443) // "https://10.96.0.1:443"
 */
export function inClusterServer(host: string | undefined, port: number | undefined): string | undefined {
  if (host === undefined || host === "" || port === undefined) return undefined;
  const scheme = port === 80 || port === 8080 || port === 8001 ? "http" : "https";
  return `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/**
 * Decides how to reach the API server: in-cluster when `KUBERNETES_IN_CLUSTER` is true or, when it is unset,
 * the service-account token file exists; else the `KUBERNETES_KUBECONFIG` / `KUBECONFIG` file (the first
 * of a `:`-separated list); else `~/.kube/config` when it exists; else none.
 *
 * @example
 * resolveClusterSource({ inCluster: undefined, kubeconfig: "/etc/kube/config" }, { exists: () => false })
 * // { kind: "file", path: "/etc/kube/config" }
 */
export function resolveClusterSource(
  kubernetes: Config["kubernetes"],
  options: ResolveSourceOptions = {},
): ClusterSource {
  const exists = options.exists ?? existsSync;
  const dir = kubernetes.serviceAccountDir;
  const tokenPath = options.tokenPath ?? (dir === undefined ? SERVICE_ACCOUNT_TOKEN_PATH : join(dir, "token"));
  const inCluster = kubernetes.inCluster ?? exists(tokenPath);
  if (inCluster) {
    const server = inClusterServer(kubernetes.serviceHost, kubernetes.servicePort);
    return {
      kind: "in-cluster",
      ...(server === undefined ? {} : { server }),
      ...(dir === undefined ? {} : { serviceAccountDir: dir }),
    };
  }
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
