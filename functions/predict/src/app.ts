import type { Config, Registry, RegistryView } from "@modelgate/config";
import { type AppEnv, createBaseApp, type Logger } from "@modelgate/http";
import type { Hono } from "hono";
import packageJson from "../package.json" with { type: "json" };
import { detectRoute } from "./detect-route.ts";
import { invokeRoute } from "./invoke-route.ts";
import { kserveRoutes, type ServerMetadata } from "./kserve-routes.ts";
import { openaiRoutes } from "./openai-routes.ts";
import { type ProxyDeps, proxyRoute } from "./proxy-route.ts";
import { type Target, toTarget } from "./target.ts";
import type { UpstreamDispatcher } from "./upstream-dispatcher.ts";
import { createDispatcher } from "./warming-dispatcher.ts";

/** What the predict function is built from. */
export interface PredictDeps {
  readonly config: Config;
  readonly logger: Logger;
  /**
   * Sends the upstream requests; default {@link createDispatcher}: kept-alive connections per model server
   * origin, over `node:http` for the first calls and undici's pools after them.
   */
  readonly dispatcher?: UpstreamDispatcher;
  /** The registry as it is now (a registry file's latest good version); default `config.registry`. */
  readonly registry?: RegistryView;
}

/** What `GET /v2` answers: binary tensors (KServe's extension) pass through, byte for byte. */
const SERVER: ServerMetadata = { name: "modelgate", version: packageJson.version, extensions: ["binary_tensor_data"] };

/**
 * The predict function (docs/API.md, Predict): V1 `:predict` / `:explain` and V2 `/infer` proxied to the model
 * server under `/api/v1/models/{name}/` and under KServe's own paths (`/v1/...`, `/v2/...`), OpenAI's API
 * (`/openai/v1/...`) for the `openai` entries,
 * `POST /api/v1/detect` in KubeHeal's shapes, and `POST /` for `kn func invoke`.
 *
 * @example
 * const app = createApp({ config: loadConfig(), logger: createLogger({ name: "predict" }) });
 * const res = await app.request("/api/v1/models/scorer/predict", { method: "POST", body: '{"instances":[[1]]}' });
 */
export function createApp(deps: PredictDeps): Hono<AppEnv> {
  const { config } = deps;
  const view = deps.registry ?? { current: () => config.registry };
  // The targets of one registry version, made once per version (a reload replaces the registry whole).
  let made: { registry: Registry; targets: ReadonlyMap<string, Target> } | undefined;
  const targetsOf = (registry: Registry): ReadonlyMap<string, Target> => {
    if (made?.registry !== registry) {
      const targets = new Map(registry.entries.map((entry) => [entry.name, toTarget(entry, config.timeoutMs)]));
      made = { registry, targets };
    }
    return made.targets;
  };
  const proxy: ProxyDeps = {
    get targets() {
      return targetsOf(view.current());
    },
    dispatcher: deps.dispatcher ?? createDispatcher(),
    maxBodyBytes: config.maxBodyBytes,
  };
  const app = createBaseApp({ name: "predict", logger: deps.logger });
  app.post("/api/v1/models/:name/predict", proxyRoute(proxy, "predict"));
  app.post("/api/v1/models/:name/explain", proxyRoute(proxy, "explain"));
  app.post("/api/v1/models/:name/infer", proxyRoute(proxy, "infer"));
  app.post("/api/v1/detect", detectRoute(proxy));
  kserveRoutes(app, proxy, SERVER);
  openaiRoutes(app, proxy);
  app.post("/", invokeRoute(proxy));
  return app;
}
