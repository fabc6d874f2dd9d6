import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env.ts";
import type { Logger } from "./logger.ts";

const VALID_ID = /^[\w.:@/+=-]{1,200}$/;

/**
 * Reads `x-request-id` (or generates one when absent or unusable), exposes it and a child logger on the
 * context, and echoes it on the answer.
 */
export function requestId(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header("x-request-id");
    const id = given !== undefined && VALID_ID.test(given) ? given : randomUUID();
    c.set("requestId", id);
    c.set("logger", logger.child({ requestId: id }));
    await next();
    // An app mounted inside another (the local gateway) may already have answered with its own id, the one it
    // sent upstream: keep that one, so the caller sees the id the model server saw.
    const headers = c.res.headers;
    if (!headers.has("x-request-id")) headers.set("x-request-id", id);
  };
}
