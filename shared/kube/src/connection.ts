import type { Config } from "@modelgate/config";
import { HttpError } from "@modelgate/http";
import { NO_CLUSTER_MESSAGE, type ResolveSourceOptions, resolveClusterSource } from "./cluster-source.ts";
import type { KubeSend, KubeTransportOptions } from "./transport.ts";

/**
 * The deploy function's one connection to the API server, handed to the InferenceService client and to the
 * authorizer's reviews: resolves to the {@link KubeSend} of one transport (one credential object, one
 * kept-alive pool). Rejects with a 503 `HttpError` when no cluster is configured or its credentials cannot
 * be loaded.
 */
export type KubeConnection = () => Promise<KubeSend>;

/** Options of {@link kubeConnection}. */
export interface KubeConnectionOptions extends ResolveSourceOptions, KubeTransportOptions {}

/**
 * The {@link KubeConnection} of `config.kubernetes`, opened on first use and then kept: where the cluster is
 * (in-cluster service account or kubeconfig file, docs/CONFIGURATION.md) is resolved and the credentials are
 * loaded once, and the Kubernetes code is imported only then, so the function starts, and answers its health
 * routes, with no cluster. A failure is not kept: the next call tries again (e.g. once the file exists).
 *
 * @example
 * const connection = kubeConnection(config.kubernetes);
 * const send = await connection(); // 503 HttpError when no cluster is configured
 */
export function kubeConnection(kubernetes: Config["kubernetes"], options: KubeConnectionOptions = {}): KubeConnection {
  let opened: Promise<KubeSend> | undefined;
  const open = async (): Promise<KubeSend> => {
    const source = resolveClusterSource(kubernetes, options);
    if (source.kind === "none") throw new HttpError(503, NO_CLUSTER_MESSAGE);
    const { openConnection } = await import("./open-connection.ts");
    return openConnection(source, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
  };
  return () => {
    opened ??= open().catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
}
