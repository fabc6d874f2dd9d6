import { type AppEnv, createBaseApp, type Logger, readText } from "@modelgate/http";
import type { Hono } from "hono";
import { type FunctionName, functionForPath, ROUTES } from "./routes.ts";

/** The apps of every function, as each `createApp` returns them. */
export type FunctionApps = Readonly<Record<FunctionName, Hono<AppEnv>>>;

/**
 * True when a request is a CloudEvent or claims to be one: the binary mode header, or the structured or batch
 * content type. The deploy function answers them all, a batch with a 400 (it takes one event per request).
 */
export function isCloudEvent(headers: Headers): boolean {
  const type = (headers.get("content-type") ?? "").toLowerCase();
  return (
    headers.has("ce-specversion") ||
    type.startsWith("application/cloudevents+json") ||
    type.startsWith("application/cloudevents-batch+json")
  );
}

/**
 * Which function answers `POST /` on the local gateway: CloudEvents → deploy; a JSON object with
 * `model`, `instances` or `inputs` → predict; anything else (e.g. kn func's `{"message":"Hello World"}`) → models.
 */
export function dispatchRoot(headers: Headers, body: string): FunctionName {
  if (isCloudEvent(headers)) return "deploy";
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      if ("model" in value || "instances" in value || "inputs" in value) return "predict";
    }
  } catch {
    // Not JSON: the models function's list is the friendliest answer.
  }
  return "models";
}

/**
 * The local gateway: every function's app on one port, under the same paths the ingress routes
 * (from the shared {@link ROUTES} table), plus `POST /` dispatch. Any other path goes where an ingress sends it
 * ({@link functionForPath}: e.g. an unknown `/openai/...` path to predict, which answers in OpenAI's shape).
 *
 * @example
 * const app = createGatewayApp({ models, predict, deploy }, { logger, maxBodyBytes: 1 << 20 });
 * await app.request("/api/v1/models");
 */
export function createGatewayApp(apps: FunctionApps, options: { logger: Logger; maxBodyBytes: number }): Hono<AppEnv> {
  const app = createBaseApp({ name: "gateway", logger: options.logger });
  for (const route of ROUTES) {
    const target = apps[route.fn];
    app.on(route.method, route.path, (c) => target.fetch(c.req.raw, c.env));
  }
  app.post("/", async (c) => {
    const body = await readText(c.req.raw, options.maxBodyBytes);
    const fn = dispatchRoot(c.req.raw.headers, body);
    const request = new Request(c.req.url, { method: "POST", headers: c.req.raw.headers, body });
    return apps[fn].fetch(request);
  });
  app.all("*", (c, next) => {
    const fn = functionForPath(c.req.path);
    return fn === undefined ? next() : apps[fn].fetch(c.req.raw, c.env);
  });
  return app;
}
