import { type KubePost, reviewPost } from "./kube/create-review.ts";
import { type KubeCredentials, type KubeTransportOptions, kubeTransport } from "./kube/transport.ts";

/**
 * Compatibility only: test/auth.cluster.test.ts imports this path. The transport is `kube/transport.ts`, the
 * reviews' POST `kube/create-review.ts`; delete this file once that suite imports them.
 */
export type { KubePost };

/**
 * The reviews' {@link KubePost} over a transport of its own to the current cluster of `kc` (default time limit
 * 5 s).
 *
 * @example
 * const post = kubeConfigTransport(kc);
 */
export function kubeConfigTransport(kc: KubeCredentials, options: KubeTransportOptions = {}): KubePost {
  const send = kubeTransport(kc);
  return reviewPost(async () => send, options);
}
