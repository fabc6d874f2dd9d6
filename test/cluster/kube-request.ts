import { request } from "node:https";

/** Where and as whom to send a request to the API server. */
export interface KubeConnection {
  /** `https://127.0.0.1:PORT` */
  server: string;
  /** PEM of the CA that signed the server's certificate. */
  caPem: string;
  /** Bearer token; omitted: anonymous. */
  token?: string;
}

/** What the admin helpers need of a control plane (a `ClusterInfo` or `ControlPlane` fits). */
export interface AdminTarget {
  server: string;
  caPem: string;
  adminToken: string;
}

/** The connection of the control plane's admin (`system:masters`). */
export function adminConnection(cp: AdminTarget): KubeConnection {
  return { server: cp.server, caPem: cp.caPem, token: cp.adminToken };
}

/** An API server answer: `body` is parsed JSON when the server sent JSON, else the text. */
export interface KubeResponse {
  status: number;
  body: unknown;
  text: string;
}

/** Options of {@link kubeRequest}. */
export interface KubeRequestOptions {
  /** Request content type; default `application/json` (`application/merge-patch+json` for PATCH). */
  contentType?: string;
  /** Default 30 s. */
  timeoutMs?: number;
}

/**
 * Sends one HTTPS request to the API server (fresh connection, verified against `conn.caPem`).
 * `body` is sent as is when it is a string or Buffer, else as JSON. Never throws on an HTTP status:
 * only on a transport failure (connection refused, TLS error, timeout).
 */
export function kubeRequest(
  conn: KubeConnection,
  method: string,
  path: string,
  body?: unknown,
  options: KubeRequestOptions = {},
): Promise<KubeResponse> {
  const url = new URL(path, conn.server);
  const payload =
    body === undefined ? undefined : typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const headers: Record<string, string> = { accept: "application/json" };
  if (conn.token !== undefined) headers.authorization = `Bearer ${conn.token}`;
  if (payload !== undefined) {
    headers["content-type"] =
      options.contentType ?? (method.toUpperCase() === "PATCH" ? "application/merge-patch+json" : "application/json");
    headers["content-length"] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        ca: conn.caPem,
        agent: false,
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const isJson = (res.headers["content-type"] ?? "").includes("json");
          let parsed: unknown = text;
          if (isJson && text !== "") {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = text;
            }
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** The `message` of a Kubernetes `Status` body, or the raw text (cut) when there is none. */
export function statusMessage(res: KubeResponse): string {
  const b = res.body;
  if (typeof b === "object" && b !== null && "message" in b && typeof b.message === "string") return b.message;
  return res.text.slice(0, 500);
}
