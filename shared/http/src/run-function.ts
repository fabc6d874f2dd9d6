import {
  type Config,
  ConfigError,
  type Env,
  LiveRegistry,
  type LoadConfigOptions,
  loadConfig,
  type RegistryView,
  watchRegistryFile,
} from "@modelgate/config";
import type { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import { createLogger, type Logger } from "./logger.ts";
import { closeOnSignals, ListenError, type Served, serve } from "./serve.ts";

/**
 * Loads the configuration or ends the process: a bad configuration prints every problem and exits 1
 * before anything listens.
 */
export function loadConfigOrExit(env: Env, options?: LoadConfigOptions): Config {
  try {
    return loadConfig(env, options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/** Logs the start-up warnings and one line per loaded model (name, type, url). */
export function logStartup(logger: Logger, config: Config): void {
  for (const warning of config.warnings) logger.warn(warning);
  for (const entry of config.registry.entries) {
    logger.info({ model: entry.name, type: entry.type, url: entry.url }, "model registered");
  }
  logger.info({ models: config.registry.size, source: config.registrySource }, "registry loaded");
}

/**
 * The registry as it is now: `config.registry`, or, with `KSERVE_MODEL_REGISTRY_FILE`, the file's latest good
 * version, watched from now on. Each reload logs what was added, changed and removed; a refused version logs
 * every problem (as at start) and the registry before it keeps serving.
 *
 * @example
 * const registry = liveRegistry(config, logger);
 */
export function liveRegistry(config: Config, logger: Logger): RegistryView & { close(): void } {
  const live = new LiveRegistry(config.registry);
  const path = config.registryFile;
  if (path === undefined) return Object.assign(live, { close: () => undefined });
  const watch = watchRegistryFile(path, {
    live,
    defaults: { defaultNamespace: config.defaultNamespace, urlTemplate: config.urlTemplate },
    onReload: (change) => logger.info({ ...change, models: live.current().size, file: path }, "registry reloaded"),
    onRefused: (issues) =>
      logger.error(
        { issues, file: path },
        `registry file refused, the registry before it keeps serving: ${issues.join("; ")}`,
      ),
  });
  return Object.assign(live, { close: () => watch.close() });
}

/**
 * What every function's `main.ts` does: load config, log, build the app (with the registry as it is now,
 * {@link liveRegistry}), serve on `PORT`, close on SIGTERM.
 *
 * @example
 * await runFunction("models", (config, logger, registry) => createApp({ config, logger, registry }));
 */
export async function runFunction(
  name: string,
  createApp: (config: Config, logger: Logger, registry: RegistryView) => Hono<AppEnv> | Promise<Hono<AppEnv>>,
  env: Env = process.env,
): Promise<Served> {
  const config = loadConfigOrExit(env);
  const logger = createLogger({ name, level: config.logLevel });
  logStartup(logger, config);
  const app = await createApp(config, logger, liveRegistry(config, logger));
  const served = await serve(app, { port: config.port, hostname: config.host, timeouts: config.server, logger }).catch(
    exitOnListenError,
  );
  closeOnSignals(served, logger);
  return served;
}

/** A server that cannot listen ends the process with one line saying what to change, not a stack trace. */
function exitOnListenError(error: unknown): never {
  if (!(error instanceof ListenError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
