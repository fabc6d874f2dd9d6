import { request as httpRequest } from "node:http";
import { Agent, request as httpsRequest, type RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

/** An API server answer: `body` is the parsed JSON, or the text when it was not JSON. */
export interface KubeApiResponse {
  status: number;
  body: unknown;
}

/**
 * What the authorizer needs of the API server: POST a JSON object to a path, get the status and body.
 * Resolves on any HTTP status; rejects only when no answer came (refused, TLS, timeout, no cluster).
 */
export type KubePost = (path: string, body: unknown) => Promise<KubeApiResponse>;

/** Loads the client configuration of modelgate's own identity (in-cluster service account or kubeconfig). */
export type KubeConfigLoader = () => KubeConfig | Promise<KubeConfig>;

/** Options of {@link kubeConfigTransport}. */
export interface KubeTransportOptions {
  /** Longest wait for an answer, in milliseconds; default 5000. Slower counts as unreachable. */
  timeoutMs?: number;
}

/**
 * A {@link KubePost} speaking to the current cluster of `kc` with its TLS settings and credentials
 * (token, client certificate, exec or token-file providers: whatever `applyToHTTPSOptions` applies on
 * each call, so rotated service-account tokens are picked up). Connections are kept alive between
 * reviews unless the cluster goes through a proxy (then client-node's own agent is used).
 *
 * @example
 * const kc = new KubeConfig();
 * kc.loadFromDefault();
 * const post = kubeConfigTransport(kc);
 * const { status, body } = await post("/apis/authentication.k8s.io/v1/tokenreviews", review);
 */
export function kubeConfigTransport(kc: KubeConfig, options: KubeTransportOptions = {}): KubePost {
  const timeoutMs = options.timeoutMs ?? 5_000;
  let keepAlive: Agent | undefined;
  return async (path, body) => {
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error("the Kubernetes client configuration has no current cluster");
    const url = new URL(path, cluster.server);
    const opts: RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const secure = url.protocol === "https:";
    if (secure && !cluster.proxyUrl) {
      keepAlive ??= new Agent({
        keepAlive: true,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        passphrase: opts.passphrase,
        servername: opts.servername,
        ...(opts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: opts.rejectUnauthorized }),
      });
      opts.agent = keepAlive;
    }
    const payload = JSON.stringify(body);
    const headers = {
      ...(opts.headers as Record<string, string> | undefined),
      accept: "application/json",
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(payload)),
    };
    const send = secure ? httpsRequest : httpRequest;
    const attempt = (): Promise<KubeApiResponse> =>
      new Promise<KubeApiResponse>((resolve, reject) => {
        const req = send(
          {
            ...opts,
            protocol: url.protocol,
            hostname: url.hostname.replace(/^\[|\]$/g, ""),
            port: url.port,
            path: `${url.pathname}${url.search}`,
            method: "POST",
            headers,
            signal: AbortSignal.timeout(timeoutMs),
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("error", reject);
            res.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              let parsed: unknown = text;
              if ((res.headers["content-type"] ?? "").includes("json") && text !== "") {
                try {
                  parsed = JSON.parse(text);
                } catch {
                  parsed = text;
                }
              }
              resolve({ status: res.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.on("error", (error) => {
          reject(
            error.name === "AbortError" || error.name === "TimeoutError"
              ? new Error(`no answer from ${url.origin} within ${timeoutMs} ms`, { cause: error })
              : error,
          );
        });
        req.end(payload);
      });
    try {
      return await attempt();
    } catch (error) {
      // A kept-alive connection the server closed meanwhile: reviews have no side effects, ask once more.
      const code = (error as { code?: unknown }).code;
      if (code === "ECONNRESET" || code === "EPIPE") return attempt();
      throw error;
    }
  };
}

/**
 * A {@link KubePost} that loads the client configuration on first use (so a function starts, and its
 * health routes answer, without a cluster). A failed load is retried on the next call.
 *
 * @example
 * const post = lazyTransport(() => loadKubeConfig(config));
 */
export function lazyTransport(
  load: KubeConfigLoader,
  makeTransport: (kc: KubeConfig) => KubePost = kubeConfigTransport,
): KubePost {
  let transport: Promise<KubePost> | undefined;
  return async (path, body) => {
    transport ??= Promise.resolve()
      .then(load)
      .then(makeTransport, (error: unknown) => {
        transport = undefined;
        const reason = error instanceof Error ? `: ${error.message}` : "";
        throw new Error(`no Kubernetes cluster configured${reason}`, { cause: error });
      });
    const post = await transport;
    return post(path, body);
  };
}
