import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type Config, loadConfig } from "@modelgate/config";
import { createLogger, type Served, serve } from "@modelgate/http";
import { Agent } from "undici";
import { createApp } from "../src/index.ts";
import { NodeHttpDispatcher } from "../src/node-http-dispatcher.ts";
import type { UpstreamDispatcher } from "../src/upstream-dispatcher.ts";

/** A request as a loopback upstream saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  /** The body, once fully received (empty when the request was cut short). */
  body: Buffer;
  /** False when the connection closed before the body was complete. */
  complete: boolean;
  /** Resolves when the upstream request is over (complete or not). */
  readonly closed: Promise<void>;
}

/** A loopback HTTP server standing in for a model server. */
export interface Upstream {
  readonly url: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void;

/** Answers every request with `{"predictions": [1]}` after reading its body. */
export const answerJson: UpstreamHandler = (req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"predictions":[1]}');
  });
};

/**
 * Starts a loopback upstream; `handler` decides how it answers (default {@link answerJson}).
 *
 * @example
 * const upstream = await startUpstream();
 * upstream.requests[0]?.url // "/v1/models/m:predict"
 */
export async function startUpstream(handler: UpstreamHandler = answerJson): Promise<Upstream> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let markClosed = (): void => {};
    const seen: SeenRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.alloc(0),
      complete: false,
      closed: new Promise((resolve) => {
        markClosed = resolve;
      }),
    };
    requests.push(seen);
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      seen.complete = true;
      seen.body = Buffer.concat(chunks);
    });
    req.on("close", () => markClosed());
    handler(req, res, seen);
  });
  const upstream = { requests, connections: 0 } as { requests: SeenRequest[]; connections: number };
  server.on("connection", (socket: Socket) => {
    upstream.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(upstream, {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}

/**
 * A configuration with `entries` as `KSERVE_MODEL_REGISTRY` (type defaults to anomaly) plus `env`.
 *
 * @example
 * const config = configWith([{ name: "m", url: upstream.url }], { KSERVE_TIMEOUT: "1s" });
 */
export function configWith(entries: Record<string, unknown>[], env: Record<string, string> = {}): Config {
  const registry = entries.map((entry) => ({ type: "anomaly", ...entry }));
  return loadConfig({ KSERVE_MODEL_REGISTRY: JSON.stringify(registry), ...env });
}

export const silentLogger = createLogger({ name: "predict", level: "silent" });

/**
 * The dispatcher the suites send upstream calls with: undici's `Agent` (as after a process's first calls), or
 * `node:http` (its first calls) in the `predict-node-http` project (vitest.config.ts).
 */
export function testDispatcher(): UpstreamDispatcher {
  return process.env.PREDICT_TEST_DISPATCHER === "node-http"
    ? new NodeHttpDispatcher()
    : new Agent({ headersTimeout: 0, bodyTimeout: 0 });
}

/** The predict app on `config` with its own dispatcher (closed by `close`), {@link testDispatcher}. */
export function predictApp(config: Config): { app: ReturnType<typeof createApp>; close: () => Promise<void> } {
  const dispatcher = testDispatcher();
  return { app: createApp({ config, logger: silentLogger, dispatcher }), close: () => dispatcher.close() };
}

/**
 * The predict app served on an ephemeral loopback port (where the socket matters).
 *
 * @example
 * const served = await servePredict(config);
 * await fetch(`${served.url}/api/v1/models/m/predict`, { method: "POST", body: "{}" });
 */
export async function servePredict(config: Config): Promise<Served & { stop(): Promise<void> }> {
  const { app, close } = predictApp(config);
  const served = await serve(app, { port: 0, hostname: "127.0.0.1" });
  return Object.assign(served, {
    stop: async () => {
      const server = served.server;
      if ("closeAllConnections" in server) server.closeAllConnections();
      await Promise.all([served.close(), close()]);
    },
  });
}

/** POSTs `body` to the app in-process (no content-type unless given: a Uint8Array body sets none). */
export function post(
  app: ReturnType<typeof createApp>,
  path: string,
  body: string | Uint8Array | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const payload = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const init: RequestInit & { duplex?: "half" } = { method: "POST", body: payload, headers };
  if (payload instanceof ReadableStream) init.duplex = "half";
  return Promise.resolve(app.request(path, init));
}

/**
 * One POST straight through `dispatcher` (no app), to the answer's status and body; rejects with the error the
 * call failed with.
 *
 * @example
 * expect(await dispatchPost(new NodeHttpDispatcher(), upstream.url)).toEqual({ status: 200, body: "..." });
 */
export function dispatchPost(
  dispatcher: UpstreamDispatcher,
  origin: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const chunks: Buffer[] = [];
    dispatcher.dispatch(
      { origin, path: "/v1/models/m:predict", method: "POST", body: '{"instances":[[1]]}' },
      {
        onRequestStart: () => undefined,
        onResponseStart: (_c, code) => {
          status = code;
        },
        onResponseData: (_c, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => resolve({ status, body: Buffer.concat(chunks).toString() }),
        onResponseError: (_c, error) => reject(error),
      },
    );
  });
}
