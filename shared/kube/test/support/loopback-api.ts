import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** A stand-in API server on loopback (plain HTTP): answers every request 200 with one JSON body. */
export interface LoopbackApi {
  /** `http://127.0.0.1:PORT` */
  readonly base: string;
  /** The headers of every request it received, in order (clear with `seen.length = 0`). */
  readonly seen: IncomingMessage["headers"][];
  close(): Promise<void>;
}

/**
 * Starts a {@link LoopbackApi} answering `answer` (JSON text) to everything.
 *
 * @example
 * const api = await startLoopbackApi('{"kind":"InferenceServiceList","items":[]}');
 * afterAll(() => api.close());
 */
export async function startLoopbackApi(answer = "{}"): Promise<LoopbackApi> {
  const seen: IncomingMessage["headers"][] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
