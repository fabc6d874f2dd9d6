import type { AddressInfo } from "node:net";
import { serve as nodeServe, type ServerType } from "@hono/node-server";
import type { ServerTimeouts } from "@modelgate/config";
import type { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import type { Logger } from "./logger.ts";

/** A running server. */
export interface Served {
  readonly port: number;
  /** The address it listens on, as given (`0.0.0.0` = every interface). */
  readonly hostname: string;
  /** Where a client on this machine reaches it (loopback when it listens on every interface). */
  readonly url: string;
  readonly server: ServerType;
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>;
}

/** How {@link serve} listens. */
export interface ServeOptions {
  /** 0 = any free port. */
  readonly port: number;
  /** Default `0.0.0.0` (every interface: what a container needs). */
  readonly hostname?: string | undefined;
  readonly logger?: Logger;
  /** Default: Node's own (60 s for headers, 300 s for a request, 5 s keep-alive). */
  readonly timeouts?: ServerTimeouts;
}

/** The server could not listen (port taken, address not on this machine, no permission): says what to change. */
export class ListenError extends Error {
  override readonly name = "ListenError";
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const WILDCARDS = new Set(["0.0.0.0", "::"]);

/** True for an address only this machine can reach. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function listenError(error: NodeJS.ErrnoException, port: number, hostname: string): ListenError {
  const where = `${hostname}:${port}`;
  const why =
    error.code === "EADDRINUSE"
      ? `port ${port} is already in use on ${hostname} (EADDRINUSE): stop what holds it, or set PORT to a free port (PORT=0 picks one)`
      : error.code === "EADDRNOTAVAIL"
        ? `${hostname} is not an address of this machine (EADDRNOTAVAIL): set MODELGATE_HOST to one of its addresses`
        : error.code === "EACCES"
          ? `no permission to listen on ${where} (EACCES): set PORT to 1024 or above`
          : `cannot listen on ${where}: ${error.message}`;
  return new ListenError(why, error.code, { cause: error });
}

/**
 * Serves a hono app, resolving once it listens; rejects with a {@link ListenError} when it cannot.
 *
 * @example
 * const served = await serve(app, { port: config.port, hostname: config.host, timeouts: config.server, logger });
 * process.once("SIGTERM", () => served.close());
 */
export function serve(app: Hono<AppEnv>, options: ServeOptions): Promise<Served> {
  const hostname = options.hostname ?? "0.0.0.0";
  const timeouts = options.timeouts;
  const serverOptions = timeouts
    ? {
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        keepAliveTimeout: timeouts.keepAliveMs,
        // How often Node enforces the two timeouts above (its default, 30 s, would let a slow client stay far longer).
        connectionsCheckingInterval: Math.min(1000, timeouts.headersMs),
      }
    : {};
  return new Promise((resolve, reject) => {
    const server = nodeServe({ fetch: app.fetch, port: options.port, hostname, serverOptions }, (info: AddressInfo) => {
      const host = WILDCARDS.has(hostname) ? "127.0.0.1" : hostname;
      const url = `http://${host.includes(":") ? `[${host}]` : host}:${info.port}`;
      const where = WILDCARDS.has(hostname) ? `${hostname}:${info.port} (every interface)` : `${hostname}:${info.port}`;
      options.logger?.info({ address: hostname, port: info.port, url }, `listening on ${where}`);
      resolve({
        port: info.port,
        hostname,
        url,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ("closeIdleConnections" in server) server.closeIdleConnections();
          }),
      });
    });
    server.once("error", (error: NodeJS.ErrnoException) => reject(listenError(error, options.port, hostname)));
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
