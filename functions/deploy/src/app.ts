import type { Config, RegistryView } from "@modelgate/config";
import { type AppEnv, createBaseApp, HttpError, type Logger, readJsonObject, readText } from "@modelgate/http";
import { type KubeConnection, kubeConnection } from "@modelgate/kube";
import type { Context, Hono, MiddlewareHandler } from "hono";
import { createAuthorizer } from "./auth/create-authorizer.ts";
import type { Authorizer, Caller } from "./authorizer.ts";
import { eventError, parseDeployEvent, refuseBatch, replyEvent } from "./cloud-events.ts";
import { EVENT_TYPES } from "./constants.ts";
import { DeployService } from "./deploy-service.ts";
import { type IsvcClientFactory, isvcClientFactory } from "./kube/isvc-client.ts";

/** What the deploy function needs: `config` and `logger`; the rest is made from `config` unless given (tests). */
export interface DeployDeps {
  config: Config;
  logger: Logger;
  /**
   * Authentication and authorization (docs/SECURITY.md). Default: as `MODELGATE_AUTH` says
   * (docs/CONFIGURATION.md): `kubernetes`, TokenReview + SubjectAccessReview over {@link DeployDeps.connection};
   * `none`, no authorizer (and a warning): every route and event is open, and both steps are skipped.
   */
  authorizer?: Authorizer;
  /** The one connection to the API server; default: from `config.kubernetes`, opened on first use. */
  connection?: KubeConnection;
  /** The InferenceService client; default: over {@link DeployDeps.connection}. */
  kube?: IsvcClientFactory;
  /**
   * The registry as it is now (a registry file's latest good version); default `config.registry`. The
   * namespaces deploy may touch stay those of the start (`KSERVE_ALLOWED_NAMESPACES`, else the start's registry).
   */
  registry?: RegistryView;
}

/**
 * 503 for every deploy route and event while `KSERVE_ENABLED=false`, or while no cluster is configured
 * (before authentication: with no cluster there is nobody to ask). Health routes are not behind it.
 */
function available(config: Config, kube: IsvcClientFactory): MiddlewareHandler<AppEnv> {
  return async (_c, next) => {
    if (!config.kserveEnabled) throw new HttpError(503, "KServe integration disabled (KSERVE_ENABLED=false)");
    await kube();
    await next();
  };
}

/**
 * The deploy function: `POST /api/v1/deploy`, `DELETE /api/v1/undeploy/{namespace}/{name}`,
 * `GET /api/v1/inferenceservices[/{namespace}/{name}]`, and CloudEvents on `POST /` (docs/API.md). Synchronous
 * and cheap: one Kubernetes connection, shared by the InferenceService client and the authorizer, is opened
 * on first use, and the Kubernetes code and the CloudEvents SDK are loaded only then, so health answers at
 * once and answers 200 with no cluster configured.
 *
 * @example
 * const app = createApp({ config: loadConfig(), logger });
 * await app.request("/api/v1/deploy", { method: "POST", body: JSON.stringify({ model: "anomaly-detector" }) });
 */
export function createApp(deps: DeployDeps): Hono<AppEnv> {
  const { config } = deps;
  const connection = deps.connection ?? kubeConnection(config.kubernetes);
  const kube = deps.kube ?? isvcClientFactory(connection);
  const authorizer = deps.authorizer ?? createAuthorizer(config, connection, deps.logger);
  const view = deps.registry ?? { current: () => config.registry };
  const service = new DeployService({
    config: {
      get registry() {
        return view.current();
      },
      allowedNamespaces: config.allowedNamespaces,
    },
    kube,
    ...(authorizer ? { authorizer } : {}),
  });
  const app = createBaseApp({ name: "deploy", logger: deps.logger });

  const authenticate = async (c: Context<AppEnv>, audience?: string): Promise<Caller | undefined> =>
    authorizer?.authenticate(c.req.header("authorization"), audience === undefined ? {} : { audience });

  // On each deploy route (not on `/api/v1/*`), so a path the function does not have stays 404.
  const ready = available(config, kube);

  app.post("/api/v1/deploy", ready, async (c) => {
    const caller = await authenticate(c);
    const body = await readJsonObject(c, config.maxBodyBytes);
    return c.json(await service.deploy(body, caller, c.get("logger")), 202);
  });

  app.delete("/api/v1/undeploy/:namespace/:name", ready, async (c) => {
    const caller = await authenticate(c);
    await service.undeploy(c.req.param("namespace"), c.req.param("name"), caller, c.get("logger"));
    return c.body(null, 204);
  });

  app.get("/api/v1/inferenceservices", ready, async (c) => {
    const caller = await authenticate(c);
    const namespace = c.req.query("namespace");
    const items = await service.list(namespace === "" ? undefined : namespace, caller);
    return c.json({ inferenceServices: items, total: items.length });
  });

  app.get("/api/v1/inferenceservices/:namespace/:name", ready, async (c) => {
    const caller = await authenticate(c);
    return c.json(await service.get(c.req.param("namespace"), c.req.param("name"), caller));
  });

  const oneEvent: MiddlewareHandler<AppEnv> = async (c, next) => {
    refuseBatch({ "content-type": c.req.header("content-type") ?? "" });
    await next();
  };

  app.post("/", oneEvent, ready, async (c) => {
    try {
      const caller = await authenticate(c, config.eventsAudience);
      const headers: Record<string, string> = {};
      c.req.raw.headers.forEach((value, key) => {
        headers[key] = value;
      });
      const event = parseDeployEvent({ headers, body: await readText(c.req.raw, config.maxBodyBytes) });
      const log = c.get("logger").child({ event: { id: event.id, source: event.source } });
      let reply: { headers: Record<string, string>; body: string };
      if (event.kind === "deploy") {
        const answer = await service.deploy(event.data, caller, log);
        const { namespace, name } = answer.inferenceService;
        reply = await replyEvent(EVENT_TYPES.deployAccepted, event, `${namespace}/${name}`, answer);
      } else {
        const { namespace, name } = event.data;
        const answer = await service.undeploy(namespace, name, caller, log);
        reply = await replyEvent(EVENT_TYPES.undeployAccepted, event, `${namespace}/${name}`, answer);
      }
      return c.body(reply.body, 200, reply.headers);
    } catch (error) {
      throw error instanceof HttpError ? eventError(error) : error;
    }
  });

  return app;
}
