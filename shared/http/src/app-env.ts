import type { Logger } from "./logger.ts";

/** Variables every modelgate app sets on the hono context. */
export interface AppEnv {
  Variables: {
    /** The request's `x-request-id` (the caller's, or one generated here). */
    requestId: string;
    /** A child logger carrying the request id. */
    logger: Logger;
  };
}
