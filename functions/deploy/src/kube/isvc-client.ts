import type { KubeConnection } from "@modelgate/kube";
import type { InferenceService } from "../inference-service.ts";

/**
 * The few InferenceService operations the deploy function needs: a thin seam over the Kubernetes API, so
 * unit tests can inject a fake. Implementations throw `KubeApiError` for API answers that are not success,
 * and `KubeTransportError` when no answer came: `mapKubeError` turns both into HTTP answers.
 */
export interface IsvcClient {
  /** The CR, or `null` when it does not exist. */
  get(namespace: string, name: string): Promise<InferenceService | null>;
  /**
   * Creates the CR; a `KubeApiError` 409 (`AlreadyExists`) when one of that name exists, which is left
   * as it is. The created CR's fields belong to field manager `modelgate` as if applied, so a later
   * {@link IsvcClient.apply} removes what it no longer sets.
   */
  create(isvc: InferenceService): Promise<InferenceService>;
  /**
   * Server-side apply (field manager `modelgate`, forced). A `metadata.resourceVersion` in `isvc` is a
   * precondition: the API answers 409 when the CR changed since.
   */
  apply(isvc: InferenceService): Promise<InferenceService>;
  /** Deletes with preconditions on UID (and resourceVersion when given). `false` when already gone. */
  delete(namespace: string, name: string, preconditions: { uid: string; resourceVersion?: string }): Promise<boolean>;
  /** CRs matching `labelSelector` in `namespace`, or in every namespace when `namespace` is undefined. */
  list(namespace: string | undefined, labelSelector: string): Promise<InferenceService[]>;
}

/** Makes (or returns the already made) client; rejects with the connection's 503 when no cluster is configured. */
export type IsvcClientFactory = () => Promise<IsvcClient>;

/**
 * The {@link IsvcClient} over `connection`, made on first use (the connection opened, the client's code
 * imported) and then kept; a failure is not kept, so the next call tries again.
 *
 * @example
 * const kube = isvcClientFactory(kubeConnection(config.kubernetes));
 * const client = await kube();
 */
export function isvcClientFactory(connection: KubeConnection): IsvcClientFactory {
  let client: Promise<IsvcClient> | undefined;
  const make = async (): Promise<IsvcClient> => {
    const send = await connection();
    const { IsvcHttpClient } = await import("./isvc-http-client.ts");
    return new IsvcHttpClient(send);
  };
  return () => {
    client ??= make().catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };
}
