import type { Config } from "@modelgate/config";
import { HttpError } from "@modelgate/http";
import {
  loadKubeCredentials,
  NO_CLUSTER_MESSAGE,
  type ResolveSourceOptions,
  resolveKubeConfigSource,
} from "../kube-config-source.ts";
import type { KubeCredentials } from "../kube-transport.ts";

/**
 * A `KubeConfigLoader` for the deploy function's own identity, deciding where the cluster is the
 * same way the deploy client does (`KUBERNETES_IN_CLUSTER`, `KUBERNETES_KUBECONFIG` / `KUBECONFIG`,
 * `~/.kube/config`), reading the service account directly in-cluster and importing
 * `@kubernetes/client-node` only for a kubeconfig file. Throws (503) when no
 * cluster is configured or the configuration cannot be read.
 *
 * @example
 * const authorizer = createAuthorizer(config, kubeConfigLoader(config.kubernetes), logger);
 */
export function kubeConfigLoader(
  kubernetes: Config["kubernetes"],
  options: ResolveSourceOptions = {},
): () => Promise<KubeCredentials> {
  return async (): Promise<KubeCredentials> => {
    const source = resolveKubeConfigSource(kubernetes, options);
    if (source.kind === "none") throw new HttpError(503, NO_CLUSTER_MESSAGE);
    return loadKubeCredentials(source);
  };
}
