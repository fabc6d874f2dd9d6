import type { Config } from "@modelgate/config";
import { type KubeConnectionOptions, kubeConnection } from "./kube/connection.ts";
import { type IsvcClient, type IsvcClientFactory, isvcClientFactory } from "./kube/isvc-client.ts";
import type { ConfiguredSource } from "./kube/open-connection.ts";
import type { KubeTransportOptions } from "./kube/transport.ts";

/**
 * Compatibility only: the old entry points of the InferenceService client, still imported by
 * test/deploy.cluster.test.ts (this path) and functions/deploy/test/app-events.test.ts (through index.ts).
 * New code: `kubeConnection` and `isvcClientFactory` in `kube/`; delete this file once those import them.
 */

/**
 * The InferenceService client of a connection of its own to `kubernetes`.
 *
 * @example
 * const kube = kubeClientFactory(config.kubernetes);
 */
export function kubeClientFactory(
  kubernetes: Config["kubernetes"],
  options: KubeConnectionOptions = {},
): IsvcClientFactory {
  return isvcClientFactory(kubeConnection(kubernetes, options));
}

/**
 * The InferenceService client of `source`, its connection opened now.
 *
 * @example
 * const client = await createKubeConfigClient({ kind: "file", path: "/home/me/.kube/config" });
 */
export async function createKubeConfigClient(
  source: ConfiguredSource,
  options: KubeTransportOptions = {},
): Promise<IsvcClient> {
  const { openConnection } = await import("./kube/open-connection.ts");
  return isvcClientFactory(() => openConnection(source, options))();
}
