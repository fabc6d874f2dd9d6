import type { InferenceService } from "./inference-service.ts";

/**
 * The few InferenceService operations the deploy function needs: a thin seam over the Kubernetes API, so
 * unit tests can inject a fake. Implementations throw {@link KubeApiError} for API answers that are not
 * success, and the transport's own errors (refused, reset, timed out) as they come: `mapKubeError` turns
 * both into HTTP answers.
 */
export interface IsvcClient {
  /** The CR, or `null` when it does not exist. */
  get(namespace: string, name: string): Promise<InferenceService | null>;
  /**
   * Creates the CR; a {@link KubeApiError} 409 (`AlreadyExists`) when one of that name exists, which is left
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

/** Makes (or returns the already made) client; throws a 503 `HttpError` when no cluster is configured. */
export type KubeClientFactory = () => Promise<IsvcClient>;

/** A Kubernetes `Status` body, as far as modelgate reads it. */
export interface KubeStatus {
  message?: string;
  reason?: string;
  details?: { name?: string; kind?: string; group?: string; causes?: { field?: string; message?: string }[] };
}

/**
 * An API answer that is not success: its HTTP status and the `Status` body the API sent (when it sent one).
 *
 * @example
 * throw new KubeApiError(422, { message: "spec.predictor...: Invalid value", reason: "Invalid" });
 */
export class KubeApiError extends Error {
  readonly status: number;
  readonly body: KubeStatus;

  constructor(status: number, body: KubeStatus = {}) {
    super(body.message ?? `Kubernetes API answered ${status}`);
    this.name = "KubeApiError";
    this.status = status;
    this.body = body;
  }
}
