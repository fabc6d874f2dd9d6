import { KubeConfig } from "@kubernetes/client-node";
import { HttpError } from "@modelgate/http";
import type { KubeCredentials } from "./transport.ts";

/**
 * The credentials of a kubeconfig file (tokens, client certificates, exec plugins, auth providers), read by
 * `@kubernetes/client-node`'s `KubeConfig`. Imported statically here and this module only on first use for a
 * file, so the bundle carries the part of the library `KubeConfig` needs and an in-cluster pod never loads it
 * (docs/adr/0007-own-kubernetes-transport.md). Throws a 503 `HttpError` naming the file it cannot load.
 *
 * @example
 * const kc = kubeconfigCredentials("/home/me/.kube/config");
 */
export function kubeconfigCredentials(path: string): KubeCredentials {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HttpError(503, `cannot load kubeconfig ${path}: ${reason}`, { cause: error });
  }
  return kc;
}
