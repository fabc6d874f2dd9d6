import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one error type of modelgate's functions: a status, a message safe to show the caller, an optional
 * cause (kept for logs, never sent), and optional extra JSON fields or headers for the answer.
 *
 * @example
 * throw new HttpError(404, `model not found: ${name}`);
 * throw new HttpError(503, "Kubernetes API unreachable", { cause: error });
 */
export class HttpError extends Error {
  readonly status: ContentfulStatusCode;
  readonly headers: Readonly<Record<string, string>>;
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(
    status: ContentfulStatusCode,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }

  /** The JSON body of the answer: `{"error": message, ...extra}`. */
  toJSON(): Record<string, unknown> {
    return { error: this.message, ...this.extra };
  }
}
