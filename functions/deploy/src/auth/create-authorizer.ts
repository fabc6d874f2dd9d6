import type { Config } from "@modelgate/config";
import type { Logger } from "@modelgate/http";
import type { KubeConnection } from "@modelgate/kube";
import type { Authorizer } from "../authorizer.ts";
import { reviewPost } from "../kube/create-review.ts";
import { KubernetesAuthorizer, type KubernetesAuthorizerOptions } from "./kubernetes-authorizer.ts";

/**
 * The deploy function's authorizer for `MODELGATE_AUTH` (docs/SECURITY.md): `undefined` (and a warning) for
 * `none`, else a {@link KubernetesAuthorizer} whose reviews go over `connection`, the one the InferenceService
 * client uses. Nothing is loaded before the first review, so the function starts, and answers its health
 * routes, without a cluster; reviews then answer the connection's 503.
 *
 * @example
 * const authorizer = createAuthorizer(config, kubeConnection(config.kubernetes), logger);
 * if (authorizer) await authorizer.authorize(await authorizer.authenticate(header, {}), ["get"], ns);
 */
export function createAuthorizer(
  config: Pick<Config, "auth">,
  connection: KubeConnection,
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
  const post = reviewPost(connection, timeoutMs === undefined ? {} : { timeoutMs });
  return new KubernetesAuthorizer({ ...rest, post, logger });
}
