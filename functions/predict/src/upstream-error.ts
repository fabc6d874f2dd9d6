import { HttpError } from "@modelgate/http";

/**
 * The upstream could not be used: unreachable (502) or too slow (504). `reason` is the cause alone
 * (e.g. `connect ECONNREFUSED 127.0.0.1:9`), for answers that word it differently (`/api/v1/detect`).
 *
 * @example
 * throw new UpstreamError(502, "scorer", "connect ECONNREFUSED 127.0.0.1:9", { cause: error });
 */
export class UpstreamError extends HttpError {
  readonly model: string;
  readonly reason: string;

  constructor(status: 502 | 504, model: string, reason: string, options: { cause?: unknown } = {}) {
    super(
      status,
      status === 504 ? `model timed out: ${model}: ${reason}` : `model unavailable: ${model}: ${reason}`,
      options,
    );
    this.name = "UpstreamError";
    this.model = model;
    this.reason = reason;
  }
}

/**
 * A readable cause for an upstream failure: the error's message, else its code, else that of its first
 * nested error (a refused connection to every address of a host is an `AggregateError` without a message).
 *
 * @example
 * describeCause(Object.assign(new AggregateError([]), { code: "ECONNREFUSED" })) // "ECONNREFUSED"
 */
export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message !== "") return error.message;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  if (error instanceof AggregateError && error.errors.length > 0) return describeCause(error.errors[0]);
  return error.name;
}
