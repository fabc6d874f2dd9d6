import { HttpError } from "@modelgate/http";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The body of an error in OpenAI's shape. */
export interface OpenAIErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: string | null;
  };
}

/** OpenAI's `type` and modelgate's `code` of each status modelgate answers on the OpenAI paths (docs/API.md). */
const KINDS: Readonly<Record<number, { type: string; code: string | null }>> = {
  400: { type: "invalid_request_error", code: null },
  404: { type: "invalid_request_error", code: "model_not_found" },
  413: { type: "invalid_request_error", code: "request_too_large" },
  502: { type: "api_error", code: "upstream_unavailable" },
  504: { type: "api_error", code: "upstream_timeout" },
};

/**
 * An error answered in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`, so OpenAI SDKs
 * raise it as they raise OpenAI's own (the one error handler writes `toJSON()`).
 *
 * @example
 * throw new OpenAIError(400, "you must provide a model parameter", { param: "model" });
 */
export class OpenAIError extends HttpError {
  readonly param: string | null;
  readonly code: string | null;
  readonly type: string;

  constructor(
    status: ContentfulStatusCode,
    message: string,
    options: { param?: string; code?: string | null; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(status, message, { cause: options.cause, headers: options.headers ?? {} });
    this.name = "OpenAIError";
    const kind = KINDS[status] ?? { type: status >= 500 ? "api_error" : "invalid_request_error", code: null };
    this.type = kind.type;
    this.param = options.param ?? null;
    this.code = options.code === undefined ? kind.code : options.code;
  }

  override toJSON(): OpenAIErrorBody & Record<string, unknown> {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/**
 * Any failure on an OpenAI path as an {@link OpenAIError}: modelgate's own errors keep their status and message
 * (a 404 for a model keeps `param: "model"`), anything unexpected is rethrown for the one error handler.
 *
 * @example
 * try { ... } catch (error) { throw asOpenAIError(error); }
 */
export function asOpenAIError(error: unknown): unknown {
  if (error instanceof OpenAIError || !(error instanceof HttpError)) return error;
  const param = error.status === 404 && error.message.startsWith("model ") ? "model" : undefined;
  return new OpenAIError(error.status, error.message, {
    cause: error,
    headers: { ...error.headers },
    ...(param === undefined ? {} : { param }),
  });
}
