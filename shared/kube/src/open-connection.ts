import { HttpError } from "@modelgate/http";
import type { ClusterSource } from "./cluster-source.ts";
import { inClusterCredentials } from "./in-cluster-credentials.ts";
import {
  clusterServer,
  type KubeCredentials,
  type KubeSend,
  type KubeTransportOptions,
  kubeTransport,
} from "./transport.ts";

/** A cluster that is configured. */
export type ConfiguredSource = Exclude<ClusterSource, { kind: "none" }>;

async function credentialsOf(source: ConfiguredSource): Promise<KubeCredentials> {
  if (source.kind === "in-cluster") {
    return inClusterCredentials({ server: source.server, dir: source.serviceAccountDir });
  }
  const { kubeconfigCredentials } = await import("./kubeconfig-credentials.ts");
  return kubeconfigCredentials(source.path);
}

/**
 * Loads the credentials of `source` (the pod's service account read directly; a kubeconfig file with
 * `@kubernetes/client-node`, imported only then) and returns the {@link KubeSend} of one transport over them.
 * Throws a 503 `HttpError` naming the file when it cannot be loaded or names no server, and when in-cluster
 * without `KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT`.
 *
 * @example
 * const send = await openConnection({ kind: "file", path: "/home/me/.kube/config" });
 */
export async function openConnection(source: ConfiguredSource, options: KubeTransportOptions = {}): Promise<KubeSend> {
  const credentials = await credentialsOf(source);
  if (clusterServer(credentials) === undefined) {
    throw new HttpError(
      503,
      source.kind === "in-cluster"
        ? "cannot load the in-cluster configuration: KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT are not set"
        : `cannot load kubeconfig ${source.path}: its current context names no cluster server`,
    );
  }
  return kubeTransport(credentials, options);
}
