import { readFile } from "node:fs/promises";
import type { OutgoingHttpHeaders } from "node:http";
import { join } from "node:path";
import { SERVICE_ACCOUNT_DIR } from "./cluster-source.ts";
import type { KubeCredentials } from "./transport.ts";

/** How long a token read from the file is used before it is read again (client-go and client-node: 60 s). */
export const TOKEN_REREAD_MS = 60_000;

/** Where {@link inClusterCredentials} reads from, with defaults. */
export interface InClusterOptions {
  /** The API server URL (`inClusterServer`); undefined = none, which the transport reports. */
  server: string | undefined;
  /** Folder holding `token` and `ca.crt`; default `SERVICE_ACCOUNT_DIR`. */
  dir?: string | undefined;
  now?: () => number;
}

/**
 * The pod's own service account as {@link KubeCredentials}, without `@kubernetes/client-node`
 * (docs/adr/0007-own-kubernetes-transport.md): what `KubeConfig.loadFromCluster()` then `applyToHTTPSOptions`
 * do, i.e. the CA file read on every request, the bearer token read from its file again once a minute
 * (projected tokens are rotated), a missing file an error of the request.
 *
 * @example
 * const send = kubeTransport(inClusterCredentials({ server: inClusterServer(host, port) }));
 */
export function inClusterCredentials(options: InClusterOptions): KubeCredentials {
  const dir = options.dir ?? SERVICE_ACCOUNT_DIR;
  const now = options.now ?? Date.now;
  const cluster = options.server === undefined ? null : { server: options.server };
  let token: { value: string; readAt: number } | undefined;
  return {
    getCurrentCluster: () => cluster,
    async applyToHTTPSOptions(opts) {
      opts.ca = await readFile(join(dir, "ca.crt"));
      if (token === undefined || now() - token.readAt > TOKEN_REREAD_MS) {
        token = { value: (await readFile(join(dir, "token"), "utf8")).trim(), readAt: now() };
      }
      opts.headers = { ...(opts.headers as OutgoingHttpHeaders | undefined), Authorization: `Bearer ${token.value}` };
    },
  };
}
