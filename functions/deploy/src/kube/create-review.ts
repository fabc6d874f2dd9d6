import { HttpError } from "@modelgate/http";
import type { KubeApiResponse, KubeConnection, ReviewKind } from "@modelgate/kube";
import { KubeApiError, KubeTransportError, kubeStatusOf } from "@modelgate/kube";
import { mapKubeError } from "./map-kube-error.ts";

/** What the authorizer needs: POST a JSON object (a review, free of side effects) to a path. */
export type KubePost = (path: string, body: unknown) => Promise<KubeApiResponse>;

/** Longest wait for a review's answer: slower counts as unreachable (503). */
export const REVIEW_TIMEOUT_MS = 5_000;

/**
 * The {@link KubePost} of reviews over `connection`: a POST of JSON, safe to repeat (a review changes nothing),
 * within `timeoutMs` (default {@link REVIEW_TIMEOUT_MS}).
 *
 * @example
 * const post = reviewPost(kubeConnection(config.kubernetes));
 * const { status, body } = await post(TOKEN_REVIEWS.path, review);
 */
export function reviewPost(connection: KubeConnection, options: { timeoutMs?: number } = {}): KubePost {
  const timeoutMs = options.timeoutMs ?? REVIEW_TIMEOUT_MS;
  return async (path, body) => (await connection())({ method: "POST", path, body, idempotent: true, timeoutMs });
}

/**
 * Creates one review and returns its `status` object. Every failure is answered by `mapKubeError`: no answer,
 * whatever kept it from coming (a review must never turn an outage into a refusal, nor into a 500), or an API
 * server in trouble (429, 5xx) → 503; the API refusing modelgate's own identity (401, 403) → 502 naming verb
 * and resource; any other answer, or one without a `status` object → 502. The connection's own 503 (no
 * cluster configured) passes through.
 *
 * @example
 * const status = await createReview(post, TOKEN_REVIEWS, { apiVersion, kind, spec });
 */
export async function createReview(
  post: KubePost,
  kind: ReviewKind,
  review: unknown,
): Promise<Record<string, unknown>> {
  const op = { review: kind.resource };
  let answer: KubeApiResponse;
  try {
    answer = await post(kind.path, review);
  } catch (error) {
    const noAnswer =
      error instanceof HttpError || error instanceof KubeTransportError
        ? error
        : new KubeTransportError(error instanceof Error ? error.message : "no answer", { cause: error });
    throw mapKubeError(noAnswer, op);
  }
  const { status, body } = answer;
  if (status < 200 || status >= 300) throw mapKubeError(new KubeApiError(status, kubeStatusOf(body)), op);
  const result = typeof body === "object" && body !== null && "status" in body ? body.status : undefined;
  if (typeof result !== "object" || result === null || Array.isArray(result)) {
    throw new HttpError(502, `unexpected answer from the Kubernetes API to create ${kind.resource}: no status`);
  }
  return result as Record<string, unknown>;
}
