import type { Config, RegistryView } from "@modelgate/config";
import { type AppEnv, createBaseApp, HttpError, type Logger } from "@modelgate/http";
import type { Hono } from "hono";
import { probeModel } from "./health-probe.ts";
import { parseListQuery } from "./list-query.ts";
import { toModelView } from "./model-view.ts";

/** What the models function needs. */
export interface ModelsDeps {
  config: Config;
  logger: Logger;
  /** The fetch used to ask models for their health (tests inject one). */
  fetch?: typeof fetch;
  /** The registry as it is now (a registry file's latest good version); default `config.registry`. */
  registry?: RegistryView;
}

/**
 * The models function: list, get and health of registered models, and `POST /` (what `kn func invoke`
 * sends) answering the list.
 *
 * @example
 * const app = createApp({ config: loadConfig(), logger });
 * await app.request("/api/v1/models?type=anomaly");
 */
export function createApp(deps: ModelsDeps): Hono<AppEnv> {
  const view = deps.registry ?? { current: () => deps.config.registry };
  const app = createBaseApp({ name: "models", logger: deps.logger });

  const list = (query: Record<string, string | undefined>) => {
    const { type, limit, offset } = parseListQuery(query);
    const registry = view.current();
    const matches = type === undefined ? registry.entries : registry.byType(type);
    const page = matches.slice(offset, limit === undefined ? undefined : offset + limit);
    return { models: page.map(toModelView), total: matches.length };
  };
  const find = (name: string) => {
    const entry = view.current().get(name);
    if (!entry) throw new HttpError(404, `model not found: ${name}`);
    return entry;
  };

  app.get("/api/v1/models", (c) => c.json(list(c.req.query())));
  app.get("/api/v1/models/:name", (c) => c.json(toModelView(find(c.req.param("name")))));
  app.get("/api/v1/models/:name/health", async (c) => {
    const entry = find(c.req.param("name"));
    const options = deps.fetch
      ? { timeoutMs: deps.config.timeoutMs, fetch: deps.fetch }
      : { timeoutMs: deps.config.timeoutMs };
    return c.json(await probeModel(entry, options));
  });
  app.post("/", (c) => c.json(list({})));
  return app;
}
