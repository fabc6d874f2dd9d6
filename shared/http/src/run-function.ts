import { type Config, ConfigError, type Env, type LoadConfigOptions, loadConfig } from "@modelgate/config";
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
 * What every function's `main.ts` does: load config, log, build the app, serve on `PORT`, close on SIGTERM.
 *
 * @example
 * await runFunction("models", (config, logger) => createApp({ config, logger }));
 */
export async function runFunction(
  name: string,
  createApp: (config: Config, logger: Logger) => Hono<AppEnv> | Promise<Hono<AppEnv>>,
  env: Env = process.env,
): Promise<Served> {
  const config = loadConfigOrExit(env);
  const logger = createLogger({ name, level: config.logLevel });
  logStartup(logger, config);
  const app = await createApp(config, logger);
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
