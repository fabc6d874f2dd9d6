import { HttpError } from "@modelgate/http";
import { codeOf, ISVC_RESOURCE, KubeApiError, KubeTransportError } from "@modelgate/kube";

/** An InferenceService operation modelgate was doing when the API failed: named in the answer. */
export interface IsvcOperation {
  verb: "get" | "list" | "create" | "apply" | "delete";
  /** Undefined: every namespace. */
  namespace: string | undefined;
  name?: string;
}

/** A review modelgate was creating when the API failed: its resource, e.g. `tokenreviews.authentication.k8s.io`. */
export interface ReviewOperation {
  review: string;
}

/** What modelgate was doing when the Kubernetes API failed. */
export type KubeOperation = IsvcOperation | ReviewOperation;

const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ABORT_ERR",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT)/;

/**
 * Whether `error` (or a cause of it) says the API server could not be reached or did not answer in time.
 *
 * @example
 * isUnreachable(Object.assign(new Error("connect"), { code: "ECONNREFUSED" })) // true
 */
export function isUnreachable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const code = codeOf(current);
    if (code !== undefined && (UNREACHABLE_CODES.has(code) || TLS_CODE.test(code))) return true;
    if (current.name === "TimeoutError" || current.name === "AbortError") return true;
    current = current.cause;
  }
  return false;
}

/** `inferenceservices.serving.kserve.io scorer in namespace ml`, `... in all namespaces`, or a review's resource. */
function target(op: KubeOperation): string {
  if ("review" in op) return op.review;
  const what = op.name === undefined ? ISVC_RESOURCE : `${ISVC_RESOURCE} ${op.name}`;
  return op.namespace === undefined ? `${what} in all namespaces` : `${what} in namespace ${op.namespace}`;
}

const verbOf = (op: KubeOperation): string => ("review" in op ? "create" : op.verb);

/**
 * The one place Kubernetes API failures become HTTP answers (docs/API.md, docs/SECURITY.md), for the
 * InferenceService client and the authorizer's reviews alike:
 *
 * | the API                                         | answer |
 * |-------------------------------------------------|--------|
 * | no answer ({@link KubeTransportError}: refused, reset, TLS, timed out) | 503 |
 * | 401, 403: it refused modelgate's own identity   | 502, naming verb and resource |
 * | 429, 5xx                                        | 503 |
 * | 404 of an InferenceService or its namespace     | 404 |
 * | 404 of the resource type (KServe not installed) | 503 |
 * | 409 on an InferenceService                      | 409 |
 * | 400, 422 on an InferenceService (validation)    | 422, with the API's message |
 * | anything else (a review answered 404, ...)      | 502 |
 *
 * A review is modelgate's own request, never the caller's: only an InferenceService operation has answers of
 * its object (404, 409, 422). {@link HttpError}s pass through (e.g. the connection's 503 when no cluster is
 * configured); errors it does not know are rethrown (a bug stays a 500).
 *
 * @example
 * try { await client.apply(cr) } catch (error) { throw mapKubeError(error, { verb: "apply", namespace: "ml", name: "scorer" }) }
 */
export function mapKubeError(error: unknown, op: KubeOperation): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof KubeApiError) return fromAnswer(error, op);
  if (error instanceof KubeTransportError || isUnreachable(error)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new HttpError(503, `Kubernetes API unreachable (${verbOf(op)} ${target(op)}): ${reason}`, { cause: error });
  }
  throw error;
}

function fromAnswer(error: KubeApiError, op: KubeOperation): HttpError {
  const { status } = error;
  const cause = { cause: error };
  const message = answerMessages(error, op);
  if (status === 401 || status === 403) return new HttpError(502, message.refused, cause);
  if (status === 429 || status >= 500) return new HttpError(503, message.unavailable, cause);
  if (!("review" in op)) {
    const apiMessage = error.body.message ?? error.message;
    if (status === 404) {
      if (error.body.details?.name === undefined) {
        return new HttpError(
          503,
          `the Kubernetes API does not serve ${ISVC_RESOURCE}/v1beta1 (is KServe installed?): ${apiMessage}`,
          cause,
        );
      }
      return new HttpError(404, apiMessage, cause);
    }
    if (status === 409) return new HttpError(409, apiMessage, cause);
    if (status === 400 || status === 422) return new HttpError(422, apiMessage, cause);
  }
  return new HttpError(502, message.unexpected, cause);
}

/**
 * The wording of {@link fromAnswer}'s 502 and 503 answers. The InferenceService routes and the reviews each keep
 * the wording docs/API.md and docs/SECURITY.md quote (`cannot patch inferenceservices.serving.kserve.io NAME in
 * namespace NS`; `create tokenreviews.authentication.k8s.io`).
 */
function answerMessages(
  error: KubeApiError,
  op: KubeOperation,
): Record<"refused" | "unavailable" | "unexpected", string> {
  const { status } = error;
  if ("review" in op) {
    const suffix = error.body.message === undefined ? "" : `: ${error.body.message}`;
    return {
      refused: `the Kubernetes API refused modelgate's own identity (HTTP ${status}) to create ${op.review}${suffix}`,
      unavailable: `Kubernetes API unavailable (HTTP ${status}) for create ${op.review}${suffix}`,
      unexpected: `unexpected answer from the Kubernetes API (HTTP ${status}) to create ${op.review}${suffix}`,
    };
  }
  const apiMessage = error.body.message ?? error.message;
  const where = target(op);
  return {
    refused: `the Kubernetes API refused modelgate's service account (${status}): cannot ${op.verb === "apply" ? "patch" : op.verb} ${where}: ${apiMessage}`,
    unavailable: `Kubernetes API unavailable (${status}) on ${op.verb} ${where}: ${apiMessage}`,
    unexpected: `Kubernetes API answered ${status} on ${op.verb} ${where}: ${apiMessage}`,
  };
}
