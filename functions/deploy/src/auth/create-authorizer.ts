import type { Config } from "@modelgate/config";
import type { Logger } from "@modelgate/http";
import type { Authorizer } from "../authorizer.ts";
import { kubeConfigTransport } from "../kube-transport.ts";
import { KubernetesAuthorizer, type KubernetesAuthorizerOptions } from "./kubernetes-authorizer.ts";
import { type KubeConfigLoader, lazyTransport } from "./lazy-transport.ts";

/**
 * The deploy function's authorizer for `MODELGATE_AUTH`: `undefined` (and a warning) for `none`, else a
 * {@link KubernetesAuthorizer} whose transport loads the client configuration on first use (so the
 * function starts, and answers its health routes, without a cluster; reviews then answer 503).
 *
 * @example
 * const authorizer = createAuthorizer(config, kubeConfigLoader(config.kubernetes), logger);
 * if (authorizer) await authorizer.authorize(await authorizer.authenticate(header, {}), ["get"], ns);
 */
export function createAuthorizer(
  config: Pick<Config, "auth">,
  kubeConfigLoader: KubeConfigLoader,
  logger: Logger,
  options: Omit<KubernetesAuthorizerOptions, "post" | "logger"> & { timeoutMs?: number } = {},
): Authorizer | undefined {
  if (config.auth === "none") {
    logger.warn(
      "MODELGATE_AUTH=none: deploy routes and events are not authenticated; anyone who can reach them may " +
        "create, change and delete InferenceServices with the deploy function's rights",
    );
    return undefined;
  }
  const { timeoutMs, ...rest } = options;
  const post = lazyTransport(kubeConfigLoader, (kc) =>
    kubeConfigTransport(kc, timeoutMs === undefined ? {} : { timeoutMs }),
  );
  return new KubernetesAuthorizer({ ...rest, post, logger });
}
