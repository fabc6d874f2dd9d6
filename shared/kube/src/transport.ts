import http from "node:http";
import https from "node:https";
import { codeOf, KubeTransportError } from "./api-errors.ts";

/**
 * The one way the deploy function talks to the API server, for the InferenceService client and the
 * authorizer's reviews alike: TLS settings and credentials applied on every request (so rotated tokens and
 * certificates are picked up), a kept-alive connection pool, a time limit that also bounds getting the
 * credentials (an exec plugin), one retry on a reset connection when repeating the request is safe, and every
 * failure to get an answer reported as a {@link KubeTransportError}. docs/adr/0007-own-kubernetes-transport.md
 * says why it is ours.
 */

/**
 * What the transport needs of a client configuration: the current cluster's server (and proxy), and a way
 * to put the TLS settings and credentials on a request. A `KubeConfig` of `@kubernetes/client-node` is one
 * (kubeconfig files: tokens, client certificates, exec plugins); `inClusterCredentials` is the pod's service
 * account without that library.
 */
export interface KubeCredentials {
  getCurrentCluster(): { readonly server: string; readonly proxyUrl?: string | undefined } | null;
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/** An API server answer: `body` is the parsed JSON when the server sent JSON, else the text. */
export interface KubeApiResponse {
  status: number;
  body: unknown;
}

/** One request to the API server. */
export interface KubeRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Path (and query) below the cluster's server URL, which may itself carry a path prefix. */
  path: string;
  /** Sent as is when a string, else as JSON. */
  body?: unknown;
  /** Default `application/json` when there is a body. */
  contentType?: string;
  /**
   * Whether sending it twice has the effect of sending it once (default: GET and DELETE yes, POST and
   * PATCH no). Only such a request is sent again when its connection was reset before any answer came.
   */
  idempotent?: boolean;
  /**
   * Longest wait for this request's answer, credentials included; default the transport's `timeoutMs`. With
   * {@link KubeRequest.onLine}, the longest wait for each next byte of the stream instead.
   */
  timeoutMs?: number;
  /**
   * Reads a 2xx answer as a stream of JSON values, one per line (a watch), telling each as it arrives; the
   * answer resolves (with `body` undefined) when the server ends the stream. Any other status is read whole.
   */
  onLine?: (value: unknown) => void;
  /** Ends the request (a stream, mostly) when it aborts: the answer then rejects with an `ABORT_ERR`. */
  signal?: AbortSignal;
}

/** Sends one request; resolves on any HTTP status, rejects with a {@link KubeTransportError} when no answer came. */
export type KubeSend = (request: KubeRequest) => Promise<KubeApiResponse>;

/** Options of {@link kubeTransport}. */
export interface KubeTransportOptions {
  /** Longest wait for a whole answer, connection included, in milliseconds; default 10 000. */
  timeoutMs?: number;
}

/**
 * The server URL of `kc`'s current cluster without a trailing slash, or `undefined` when there is none
 * usable (none, unparsable, or the `https://undefined:undefined` of an in-cluster load without
 * `KUBERNETES_SERVICE_HOST`).
 *
 * @example
 * clusterServer(kc) // "https://10.0.0.1:6443"
 */
export function clusterServer(kc: KubeCredentials): string | undefined {
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined || server === "" || !URL.canParse(server) || server.includes("undefined")) return undefined;
  return server.replace(/\/+$/, "");
}

const RETRYABLE_CODES = new Set(["ECONNRESET", "EPIPE"]);
const idempotentMethods = new Set(["GET", "DELETE"]);

function parse(text: string, contentType: string | undefined): unknown {
  if (text === "" || !(contentType ?? "").includes("json")) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Tells `onLine` each JSON line of `res` as it arrives; a line that is not JSON ends the stream with an error. */
function readLines(
  res: http.IncomingMessage,
  onLine: (value: unknown) => void,
  done: () => void,
  fail: (error: Error) => void,
): void {
  let pending = "";
  const decoder = new TextDecoder();
  const take = (text: string) => {
    const line = text.trim();
    if (line === "") return;
    onLine(JSON.parse(line));
  };
  res.on("data", (chunk: Buffer) => {
    pending += decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf("\n");
    try {
      while (newline !== -1) {
        take(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    } catch (error) {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  });
  res.on("error", fail);
  res.on("end", () => {
    try {
      take(pending + decoder.decode());
      done();
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/**
 * `work`, or a {@link KubeTransportError} (`ETIMEDOUT`) once `timeoutMs` passed without it settling: getting
 * credentials may run an exec plugin, which must not hold a request longer than the API server may.
 */
async function withinTime(work: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new KubeTransportError(`the Kubernetes client credentials were not ready within ${timeoutMs} ms`, {
        cause: undefined,
        code: "ETIMEDOUT",
      });
      reject(error);
    }, timeoutMs);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A {@link KubeSend} speaking to the current cluster of `kc` with its TLS settings and credentials (token,
 * client certificate, exec or token-file providers: whatever `applyToHTTPSOptions` applies). Connections
 * are kept alive in a pool of this transport's own (one per TLS identity) unless the cluster is reached
 * through a proxy, where client-node's proxy agent is used.
 *
 * @example
 * const send = kubeTransport(kc, { timeoutMs: 5_000 });
 * const { status, body } = await send({ method: "GET", path: "/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices" });
 */
export function kubeTransport(kc: KubeCredentials, options: KubeTransportOptions = {}): KubeSend {
  const defaultTimeoutMs = options.timeoutMs ?? 10_000;
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  return async (request) => {
    const timeoutMs = request.timeoutMs ?? defaultTimeoutMs;
    const server = clusterServer(kc);
    if (server === undefined) {
      throw new KubeTransportError("the Kubernetes client configuration has no current cluster server", {
        cause: undefined,
      });
    }
    const url = new URL(`${server}${request.path}`);
    const opts: https.RequestOptions = {};
    try {
      await withinTime(kc.applyToHTTPSOptions(opts), timeoutMs);
    } catch (error) {
      if (error instanceof KubeTransportError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new KubeTransportError(`cannot apply the Kubernetes client credentials: ${reason}`, {
        cause: error,
        code: codeOf(error),
      });
    }
    const secure = url.protocol === "https:";
    if (!kc.getCurrentCluster()?.proxyUrl) opts.agent = secure ? agents.https : agents.http;
    const payload =
      request.body === undefined || typeof request.body === "string" ? request.body : JSON.stringify(request.body);
    // client-node puts its headers (e.g. `authorization`) in an object, never in the array form.
    const headers: http.OutgoingHttpHeaders = {
      ...(opts.headers as http.OutgoingHttpHeaders | undefined),
      accept: "application/json",
    };
    if (payload !== undefined) {
      headers["content-type"] = request.contentType ?? "application/json";
      headers["content-length"] = String(Buffer.byteLength(payload));
    }
    const send = secure ? https.request : http.request;
    let answered = false;
    const attempt = (): Promise<KubeApiResponse> =>
      new Promise<KubeApiResponse>((resolve, reject) => {
        answered = false;
        const streamed = request.onLine;
        const signals = [request.signal, streamed ? undefined : AbortSignal.timeout(timeoutMs)];
        const signal = AbortSignal.any(signals.filter((one): one is AbortSignal => one !== undefined));
        const req = send(url, { ...opts, method: request.method, headers, signal }, (res) => {
          answered = true;
          const status = res.statusCode ?? 0;
          if (streamed && status >= 200 && status < 300) {
            readLines(res, streamed, () => resolve({ status, body: undefined }), reject);
            return;
          }
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({ status, body: parse(text, res.headers["content-type"]) });
          });
        });
        req.on("error", reject);
        // A stream that stays silent longer than its time limit is given up (the socket's idle timer).
        if (streamed) {
          req.setTimeout(timeoutMs, () =>
            req.destroy(
              Object.assign(new Error(`the stream was silent for ${timeoutMs} ms`), { name: "TimeoutError" }),
            ),
          );
        }
        req.end(payload);
      });
    const repeatable = request.idempotent ?? idempotentMethods.has(request.method);
    try {
      try {
        return await attempt();
      } catch (error) {
        // A kept-alive connection the server closed meanwhile: ask once more when that is safe.
        if (repeatable && !answered && RETRYABLE_CODES.has(codeOf(error) ?? "")) return await attempt();
        throw error;
      }
    } catch (error) {
      if (request.signal?.aborted) {
        throw new KubeTransportError(`the request to ${url.origin} was ended by its caller`, {
          cause: error,
          code: "ABORT_ERR",
        });
      }
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        throw new KubeTransportError(`no answer from ${url.origin} within ${timeoutMs} ms`, {
          cause: error,
          code: "ETIMEDOUT",
        });
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new KubeTransportError(reason, { cause: error, code: codeOf(error) });
    }
  };
}
