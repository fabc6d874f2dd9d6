import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./app-env.ts";
import { HttpError } from "./http-error.ts";
import type { Logger } from "./logger.ts";

/**
 * The one error handler: an {@link HttpError} becomes its status and `{"error": ...}`; hono's own
 * exceptions keep their status; anything else is a 500 with a generic message, logged in full.
 *
 * @example
 * app.onError(onError(logger));
 */
export function onError(logger: Logger) {
  return (error: Error, c: Context<AppEnv>): Response => {
    const log = c.get("logger") ?? logger;
    if (error instanceof HttpError) {
      if (error.status >= 500) log.warn({ err: error, status: error.status }, error.message);
      return c.json(error.toJSON(), error.status, error.headers);
    }
    if (error instanceof HTTPException) {
      const status = error.status as ContentfulStatusCode;
      return c.json({ error: error.message || "request failed" }, status);
    }
    log.error({ err: error }, "unexpected error");
    return c.json({ error: "internal error" }, 500);
  };
}
