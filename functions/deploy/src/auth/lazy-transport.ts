import { type KubeCredentials, type KubePost, kubeConfigTransport } from "../kube-transport.ts";

/** Loads the client configuration of modelgate's own identity (in-cluster service account or kubeconfig). */
export type KubeConfigLoader = () => KubeCredentials | Promise<KubeCredentials>;

/**
 * A {@link KubePost} that loads the client configuration on first use (so a function starts, and its
 * health routes answer, without a cluster). A failed load is retried on the next call.
 *
 * @example
 * const post = lazyTransport(kubeConfigLoader(config.kubernetes));
 */
export function lazyTransport(
  load: KubeConfigLoader,
  makeTransport: (kc: KubeCredentials) => KubePost = kubeConfigTransport,
): KubePost {
  let transport: Promise<KubePost> | undefined;
  return async (path, body) => {
    transport ??= Promise.resolve()
      .then(load)
      .then(makeTransport, (error: unknown) => {
        transport = undefined;
        const reason = error instanceof Error ? `: ${error.message}` : "";
        throw new Error(`no Kubernetes cluster configured${reason}`, { cause: error });
      });
    const post = await transport;
    return post(path, body);
  };
}
