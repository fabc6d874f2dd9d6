/**
 * The two ways a request to the API server fails: it answered something other than success
 * ({@link KubeApiError}), or no answer came ({@link KubeTransportError}). `mapKubeError` turns both into the
 * HTTP answers of docs/API.md.
 */

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

/**
 * No answer came from the API server: refused, reset, TLS failure, timed out, or the credentials could not
 * be applied. `code` is the underlying error's code (`ETIMEDOUT` for the time limit) when it had one.
 *
 * @example
 * throw new KubeTransportError("no answer from https://10.0.0.1:6443 within 10000 ms", { cause, code: "ETIMEDOUT" });
 */
export class KubeTransportError extends Error {
  readonly code: string | undefined;

  constructor(message: string, options: { cause: unknown; code?: string | undefined }) {
    super(message, { cause: options.cause });
    this.name = "KubeTransportError";
    this.code = options.code;
  }
}

/**
 * The {@link KubeStatus} of an answer's body: the object the API sent, or its text (at most 500 characters) as
 * the message, or nothing.
 *
 * @example
 * kubeStatusOf("404 page not found") // { message: "404 page not found" }
 */
export function kubeStatusOf(body: unknown): KubeStatus {
  if (typeof body === "object" && body !== null) return body as KubeStatus;
  const text = typeof body === "string" ? body.trim() : "";
  return text === "" ? {} : { message: text.slice(0, 500) };
}

/** The `code` of an error (`ECONNREFUSED`, ...), when it has a string one. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
