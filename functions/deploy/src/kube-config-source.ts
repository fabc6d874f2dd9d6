import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { Config } from "@modelgate/config";
import { HttpError } from "@modelgate/http";
import { inClusterCredentials, inClusterServer, SERVICE_ACCOUNT_DIR } from "./in-cluster-credentials.ts";
import type { KubeCredentials } from "./kube-transport.ts";

/**
 * Where the deploy function's Kubernetes credentials come from. In-cluster: the API server's URL when
 * `KUBERNETES_SERVICE_HOST`/`PORT` give one, and the service-account folder when not the standard one.
 */
export type KubeConfigSource =
  | { kind: "in-cluster"; server?: string; serviceAccountDir?: string }
  | { kind: "file"; path: string }
  | { kind: "none" };

/** The service-account token file a pod gets (its presence means "in a cluster"). */
export const SERVICE_ACCOUNT_TOKEN_PATH = join(SERVICE_ACCOUNT_DIR, "token");

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

/** The 503 message when no cluster is configured: says how to configure one. */
export const NO_CLUSTER_MESSAGE =
  "no Kubernetes cluster configured: set KUBERNETES_KUBECONFIG (or KUBECONFIG) to a kubeconfig file, " +
  "put one at ~/.kube/config, or run in a pod with a service-account token (KUBERNETES_IN_CLUSTER=true)";

/**
 * The credentials of `source`: in-cluster, the pod's service account read directly (see
 * `inClusterCredentials`: no library to load, so a scaled-from-zero pod answers its first deploy request
 * fast); a kubeconfig file, loaded with `@kubernetes/client-node` (imported only then: exec plugins, client
 * certificates, auth providers). Throws a 503 `HttpError` naming the file it could not load.
 *
 * @example
 * const kc = await loadKubeCredentials({ kind: "file", path: "/home/me/.kube/config" });
 */
export async function loadKubeCredentials(
  source: Exclude<KubeConfigSource, { kind: "none" }>,
): Promise<KubeCredentials> {
  if (source.kind === "in-cluster") {
    return inClusterCredentials({ server: source.server, dir: source.serviceAccountDir });
  }
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(source.path);
  } catch (error) {
    throw new HttpError(503, `cannot load kubeconfig ${source.path}: ${(error as Error).message}`, { cause: error });
  }
  return kc;
}
