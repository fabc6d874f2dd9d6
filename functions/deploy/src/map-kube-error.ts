import { HttpError } from "@modelgate/http";
import { ISVC_RESOURCE } from "./constants.ts";
import { KubeApiError } from "./kube-client.ts";
import { KubeTransportError } from "./kube-transport.ts";

/** What modelgate was doing when the Kubernetes API failed: named in the answer. */
export interface KubeOperation {
  verb: "get" | "list" | "create" | "apply" | "delete";
  /** Undefined: every namespace. */
  namespace: string | undefined;
  name?: string;
}

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
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && (UNREACHABLE_CODES.has(code) || TLS_CODE.test(code))) return true;
    if (current.name === "TimeoutError" || current.name === "AbortError") return true;
    current = current.cause;
  }
  return false;
}

function where(op: KubeOperation): string {
  const target = op.name === undefined ? ISVC_RESOURCE : `${ISVC_RESOURCE} ${op.name}`;
  return op.namespace === undefined ? `${target} in all namespaces` : `${target} in namespace ${op.namespace}`;
}

/**
 * The one place Kubernetes API failures become HTTP answers:
 * no answer ({@link KubeTransportError}: refused, reset, TLS, timed out) → 503; 401/403 (the API refusing modelgate's own identity) → 502 naming verb and
 * resource; 404 of an object or namespace → 404, of the resource type itself (KServe not installed) → 503;
 * 409 → 409; 400/422 (validation) → 422 with the API's message; 429 and 5xx → 503; anything else → 502.
 * Errors that are already {@link HttpError}s pass through; unknown errors are rethrown (a 500).
 *
 * @example
 * try { await client.apply(cr) } catch (error) { throw mapKubeError(error, { verb: "apply", namespace: "ml", name: "scorer" }) }
 */
export function mapKubeError(error: unknown, op: KubeOperation): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof KubeApiError) {
    const apiMessage = error.body.message ?? error.message;
    const { status } = error;
    if (status === 401 || status === 403) {
      return new HttpError(
        502,
        `the Kubernetes API refused modelgate's service account (${status}): cannot ${op.verb === "apply" ? "patch" : op.verb} ${where(op)}: ${apiMessage}`,
        { cause: error },
      );
    }
    if (status === 404) {
      if (error.body.details?.name === undefined) {
        return new HttpError(
          503,
          `the Kubernetes API does not serve ${ISVC_RESOURCE}/v1beta1 (is KServe installed?): ${apiMessage}`,
          { cause: error },
        );
      }
      return new HttpError(404, apiMessage, { cause: error });
    }
    if (status === 409) return new HttpError(409, apiMessage, { cause: error });
    if (status === 400 || status === 422) return new HttpError(422, apiMessage, { cause: error });
    if (status === 429 || status >= 500) {
      return new HttpError(503, `Kubernetes API unavailable (${status}) on ${op.verb} ${where(op)}: ${apiMessage}`, {
        cause: error,
      });
    }
    return new HttpError(502, `Kubernetes API answered ${status} on ${op.verb} ${where(op)}: ${apiMessage}`, {
      cause: error,
    });
  }
  if (error instanceof KubeTransportError || isUnreachable(error)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new HttpError(503, `Kubernetes API unreachable (${op.verb} ${where(op)}): ${reason}`, { cause: error });
  }
  throw error;
}
