import type { KubeConfig } from "@kubernetes/client-node";
import type { Config } from "@modelgate/config";
import { HttpError } from "@modelgate/http";
import {
  loadKubeConfig,
  NO_CLUSTER_MESSAGE,
  type ResolveSourceOptions,
  resolveKubeConfigSource,
} from "../kube-config-source.ts";

/**
 * A `KubeConfigLoader` for the deploy function's own identity, deciding where the cluster is the
 * same way the deploy client does (`KUBERNETES_IN_CLUSTER`, `KUBERNETES_KUBECONFIG` / `KUBECONFIG`,
 * `~/.kube/config`) and importing `@kubernetes/client-node` only when called. Throws (503) when no
 * cluster is configured or the configuration cannot be read.
 *
 * @example
 * const authorizer = createAuthorizer(config, kubeConfigLoader(config.kubernetes), logger);
 */
export function kubeConfigLoader(
  kubernetes: Config["kubernetes"],
  options: ResolveSourceOptions = {},
): () => Promise<KubeConfig> {
  return async (): Promise<KubeConfig> => {
    const source = resolveKubeConfigSource(kubernetes, options);
    if (source.kind === "none") throw new HttpError(503, NO_CLUSTER_MESSAGE);
    return loadKubeConfig(source);
  };
}
