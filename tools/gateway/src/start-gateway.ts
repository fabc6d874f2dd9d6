import { resolve } from "node:path";
import { type Config, type Env, loadConfig } from "@modelgate/config";
import { createApp as createDeployApp } from "@modelgate/deploy";
import { createLogger, isLoopback, type Logger, liveRegistry, logStartup, type Served, serve } from "@modelgate/http";
import { createApp as createModelsApp } from "@modelgate/models";
import { createApp as createPredictApp } from "@modelgate/predict";
import { type SampleModel, startSampleModel } from "@modelgate/sample-model";
import { exampleRegistry } from "./example-registry.ts";
import { createGatewayApp } from "./gateway-app.ts";

/**
 * Where the local gateway listens unless `MODELGATE_HOST` says otherwise: loopback only, because with
 * `MODELGATE_AUTH=none` and a kubeconfig its deploy routes act with the user's own credentials.
 */
export const LOCAL_HOST = "127.0.0.1";

/**
 * `env` with a relative `KSERVE_MODEL_REGISTRY_FILE` resolved against the folder the user ran `./dev` in
 * (`INIT_CWD`, which pnpm sets; scripts themselves run at the repository's root).
 *
 * @example
 * callerEnv({ KSERVE_MODEL_REGISTRY_FILE: "my-registry.json", INIT_CWD: "/home/me" }).KSERVE_MODEL_REGISTRY_FILE
 * // "/home/me/my-registry.json"
 */
export function callerEnv(env: Env): Env {
  const file = env.KSERVE_MODEL_REGISTRY_FILE;
  if (file === undefined || file === "") return env;
  return { ...env, KSERVE_MODEL_REGISTRY_FILE: resolve(env.INIT_CWD ?? process.cwd(), file) };
}

/** A running local gateway. */
export interface Gateway {
  readonly config: Config;
  readonly served: Served;
  /** The embedded sample model, when no registry was configured. */
  readonly sample: SampleModel | undefined;
  close(): Promise<void>;
}

/**
 * Starts the local gateway: with no registry configured, the example registry and the sample model
 * that serves it; otherwise the user's registry (a registry file is watched, and each good version served). Throws `ConfigError` on a bad configuration.
 *
 * @example
 * const gateway = await startGateway({ env: { PORT: "0" } });
 * await fetch(`${gateway.served.url}/api/v1/models`);
 */
export async function startGateway(options: { env: Env; logger?: Logger; hostname?: string }): Promise<Gateway> {
  // `hostname` (tests) wins over MODELGATE_HOST, which wins over LOCAL_HOST.
  let config = loadConfig(options.env);
  const logger = options.logger ?? createLogger({ name: "gateway", level: config.logLevel });
  let sample: SampleModel | undefined;
  if (config.registrySource === "none") {
    const example = exampleRegistry();
    sample = await startSampleModel({ names: example.map((entry) => (entry as { name: string }).name) });
    config = loadConfig(options.env, { fallbackRegistry: example, fallbackUrlTemplate: sample.url });
    logger.info({ url: sample.url }, "no registry configured: serving the example registry with the sample model");
  }
  logStartup(logger, config);
  // One registry for the three apps: with KSERVE_MODEL_REGISTRY_FILE, every reload reaches them all at once.
  const registry = liveRegistry(config, logger);
  const apps = {
    models: createModelsApp({ config, registry, logger: logger.child({ fn: "models" }) }),
    predict: createPredictApp({ config, registry, logger: logger.child({ fn: "predict" }) }),
    deploy: createDeployApp({ config, registry, logger: logger.child({ fn: "deploy" }) }),
  };
  const app = createGatewayApp(apps, { logger, maxBodyBytes: config.maxBodyBytes });
  const hostname = options.hostname ?? config.host ?? LOCAL_HOST;
  const served = await serve(app, { port: config.port, hostname, timeouts: config.server, logger }).catch(
    async (error: unknown) => {
      registry.close();
      await sample?.close();
      throw error;
    },
  );
  if (config.auth === "none" && !isLoopback(hostname)) {
    logger.warn(
      { address: hostname, port: served.port },
      `MODELGATE_AUTH=none and listening on ${hostname}, not loopback: anyone who can reach port ${served.port} may deploy and undeploy with this gateway's Kubernetes credentials. Unset MODELGATE_HOST (127.0.0.1), or turn authentication on`,
    );
  }
  return {
    config,
    served,
    sample,
    close: async () => {
      registry.close();
      await served.close();
      await sample?.close();
    },
  };
}
