import type { Config } from "@modelgate/config";
import { HttpError } from "@modelgate/http";
import type { IsvcClient, KubeClientFactory } from "./kube-client.ts";
import type { KubeConfigClientOptions } from "./kube-config-client.ts";
import { NO_CLUSTER_MESSAGE, type ResolveSourceOptions, resolveKubeConfigSource } from "./kube-config-source.ts";

/**
 * The default {@link KubeClientFactory}: resolves where the cluster is on first use, loads the client
 * lazily (and `@kubernetes/client-node` only for a kubeconfig file), and keeps the client once made. No
 * cluster configured → a 503 telling how to configure one; a failure is not kept, so the next request
 * tries again (e.g. once the file exists).
 *
 * @example
 * const kube = kubeClientFactory(config.kubernetes);
 * const client = await kube(); // 503 HttpError when no cluster is configured
 */
export function kubeClientFactory(
  kubernetes: Config["kubernetes"],
  options: ResolveSourceOptions & KubeConfigClientOptions = {},
): KubeClientFactory {
  let client: Promise<IsvcClient> | undefined;
  const make = async (): Promise<IsvcClient> => {
    const source = resolveKubeConfigSource(kubernetes, options);
    if (source.kind === "none") throw new HttpError(503, NO_CLUSTER_MESSAGE);
    const { createKubeConfigClient } = await import("./kube-config-client.ts");
    return createKubeConfigClient(source, options);
  };
  return () => {
    client ??= make().catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };
}
