// Placeholder until the predict function lands: the gateway mounts whatever createApp returns.
import type { Config } from "@modelgate/config";
import { type AppEnv, createBaseApp, type Logger } from "@modelgate/http";
import type { Hono } from "hono";

export function createApp(deps: { config: Config; logger: Logger }): Hono<AppEnv> {
  void deps.config;
  return createBaseApp({ name: "predict", logger: deps.logger });
}
