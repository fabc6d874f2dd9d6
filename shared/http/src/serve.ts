import type { AddressInfo } from "node:net";
import { serve as nodeServe, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import type { Logger } from "./logger.ts";

/** A running server. */
export interface Served {
  readonly port: number;
  readonly url: string;
  readonly server: ServerType;
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>;
}

/**
 * Serves a hono app on `port` (0 = any free port), resolving once it listens.
 *
 * @example
 * const served = await serve(app, { port: config.port, logger });
 * process.once("SIGTERM", () => served.close());
 */
export function serve(
  app: Hono<AppEnv>,
  options: { port: number; hostname?: string; logger?: Logger },
): Promise<Served> {
  const hostname = options.hostname ?? "0.0.0.0";
  return new Promise((resolve, reject) => {
    const server = nodeServe({ fetch: app.fetch, port: options.port, hostname }, (info: AddressInfo) => {
      const host = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname;
      const url = `http://${host}:${info.port}`;
      options.logger?.info({ port: info.port }, `listening on ${url}`);
      resolve({
        port: info.port,
        url,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ("closeIdleConnections" in server) server.closeIdleConnections();
          }),
      });
    });
    server.once("error", reject);
  });
}

/**
 * Closes the server on SIGTERM/SIGINT (Knative sends SIGTERM when scaling down), then exits.
 */
export function closeOnSignals(
  served: Served,
  logger: Logger,
  signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT"],
): void {
  for (const signal of signals) {
    process.once(signal, () => {
      logger.info({ signal }, "shutting down");
      void served.close().then(() => process.exit(0));
    });
  }
}
