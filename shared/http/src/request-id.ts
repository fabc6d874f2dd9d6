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
    c.res.headers.set("x-request-id", id);
  };
}
