import type { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";

/**
 * Adds `GET /health/liveness` and `GET /health/readiness` (Knative and `kn func` probes).
 * `ready` may report not-ready (503) while the process is draining.
 */
export function healthRoutes(app: Hono<AppEnv>, name: string, ready: () => boolean = () => true): void {
  app.get("/health/liveness", (c) => c.json({ status: "ok", function: name }));
  app.get("/health/readiness", (c) =>
    ready() ? c.json({ status: "ready", function: name }) : c.json({ status: "not ready", function: name }, 503),
  );
}
