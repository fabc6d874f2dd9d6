import { HttpError } from "@modelgate/http";
import type { KubePost } from "../kube-transport.ts";

/** Which review a call creates, for error messages: e.g. `tokenreviews.authentication.k8s.io`. */
export interface ReviewKind {
  path: string;
  resource: string;
}

export const TOKEN_REVIEWS: ReviewKind = {
  path: "/apis/authentication.k8s.io/v1/tokenreviews",
  resource: "tokenreviews.authentication.k8s.io",
};

export const SUBJECT_ACCESS_REVIEWS: ReviewKind = {
  path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
  resource: "subjectaccessreviews.authorization.k8s.io",
};

function apiMessage(body: unknown): string | undefined {
  if (typeof body === "object" && body !== null && "message" in body && typeof body.message === "string") {
    return body.message;
  }
  if (typeof body === "string" && body.trim() !== "") return body.trim().slice(0, 300);
  return undefined;
}

/**
 * Creates one review and returns its `status` object. Maps every way it can fail to the answer the
 * caller gets: no answer (refused, timeout, no cluster configured) or an API server in trouble (429, 5xx)
 * → 503; the API refusing modelgate's own identity (401, 403) → 502 naming verb and resource; any other
 * answer, or one without a `status` object → 502.
 *
 * @example
 * const status = await createReview(post, TOKEN_REVIEWS, { apiVersion, kind, spec });
 */
export async function createReview(
  post: KubePost,
  kind: ReviewKind,
  review: unknown,
): Promise<Record<string, unknown>> {
  let answer: Awaited<ReturnType<KubePost>>;
  try {
    answer = await post(kind.path, review);
  } catch (error) {
    const reason = error instanceof Error ? error.message : "no answer";
    throw new HttpError(503, `Kubernetes API unreachable (create ${kind.resource}): ${reason}`, { cause: error });
  }
  const { status, body } = answer;
  const detail = apiMessage(body);
  const suffix = detail === undefined ? "" : `: ${detail}`;
  if (status === 401 || status === 403) {
    throw new HttpError(
      502,
      `the Kubernetes API refused modelgate's own identity (HTTP ${status}) to create ${kind.resource}${suffix}`,
    );
  }
  if (status === 429 || status >= 500) {
    throw new HttpError(503, `Kubernetes API unavailable (HTTP ${status}) for create ${kind.resource}${suffix}`);
  }
  if (status < 200 || status >= 300) {
    throw new HttpError(
      502,
      `unexpected answer from the Kubernetes API (HTTP ${status}) to create ${kind.resource}${suffix}`,
    );
  }
  const result = typeof body === "object" && body !== null && "status" in body ? body.status : undefined;
  if (typeof result !== "object" || result === null || Array.isArray(result)) {
    throw new HttpError(502, `unexpected answer from the Kubernetes API to create ${kind.resource}: no status`);
  }
  return result as Record<string, unknown>;
}
