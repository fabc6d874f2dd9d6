import { createServer } from "node:net";

/**
 * A TCP port that was free on `host` a moment ago (the OS picks it; the listener is closed before
 * returning, so another process may still take it: callers retry on "address already in use").
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error(`could not read the port of a listener on ${host}`));
      });
    });
  });
}
