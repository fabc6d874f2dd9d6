import { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import { healthRoutes } from "./health.ts";
import { HttpError } from "./http-error.ts";
import type { Logger } from "./logger.ts";
import { onError } from "./on-error.ts";
import { requestId } from "./request-id.ts";

/**
 * A hono app with what every modelgate function shares: request ids, the one error handler,
 * a JSON 404 for unknown routes, and the health routes.
 *
 * @example
 * const app = createBaseApp({ name: "models", logger });
 * app.get("/api/v1/models", (c) => c.json({ models: [] }));
 */
export function createBaseApp(options: { name: string; logger: Logger; ready?: () => boolean }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId(options.logger));
  app.onError(onError(options.logger));
  app.notFound((c) => {
    const error = new HttpError(404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`);
    return c.json(error.toJSON(), 404, { "x-request-id": c.get("requestId") ?? "" });
  });
  healthRoutes(app, options.name, options.ready);
  return app;
}
