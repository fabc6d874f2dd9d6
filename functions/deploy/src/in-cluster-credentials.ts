import { readFile } from "node:fs/promises";
import type { OutgoingHttpHeaders } from "node:http";
import { isIPv6 } from "node:net";
import { join } from "node:path";
import type { KubeCredentials } from "./kube-transport.ts";

/** Where a pod's service-account token and CA are mounted. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** How long a token read from the file is used before it is read again (client-go and client-node: 60 s). */
export const TOKEN_REREAD_MS = 60_000;

/**
 * The API server URL a pod is given by `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT`, as
 * `@kubernetes/client-node` builds it (http for the ports 80, 8080 and 8001, an IPv6 address in brackets);
 * `undefined` when either is missing.
 *
 * @example
 * inClusterServer("10.96.0.1", 443) // "https://10.96.0.1:443"
 */
export function inClusterServer(host: string | undefined, port: number | undefined): string | undefined {
  if (host === undefined || host === "" || port === undefined) return undefined;
  const scheme = port === 80 || port === 8080 || port === 8001 ? "http" : "https";
  return `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** Where {@link inClusterCredentials} reads from, with defaults. */
export interface InClusterOptions {
  /** The API server URL ({@link inClusterServer}); undefined = none, which the transport reports. */
  server: string | undefined;
  /** Folder holding `token` and `ca.crt`; default {@link SERVICE_ACCOUNT_DIR}. */
  dir?: string | undefined;
  now?: () => number;
}

/**
 * The pod's own service account as {@link KubeCredentials}, without `@kubernetes/client-node` (4 MB to
 * load on the first request): what `KubeConfig.loadFromCluster()` then `applyToHTTPSOptions` do, i.e. the
 * CA file read on every request, the bearer token read from its file again once a minute (projected tokens
 * are rotated), a missing file an error of the request.
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
