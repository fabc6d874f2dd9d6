import { HttpError } from "@modelgate/http";
import type { KubeCredentials } from "./transport.ts";

/**
 * The credentials of a kubeconfig file (tokens, client certificates, exec plugins, auth providers), read by
 * `@kubernetes/client-node`'s `KubeConfig`, imported only then, so an in-cluster pod never loads it. Throws a
 * 503 `HttpError` naming the file it cannot load.
 *
 * @example
 * const kc = await kubeconfigCredentials("/home/me/.kube/config");
 */
export async function kubeconfigCredentials(path: string): Promise<KubeCredentials> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HttpError(503, `cannot load kubeconfig ${path}: ${reason}`, { cause: error });
  }
  return kc;
}
