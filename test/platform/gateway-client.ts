import { request } from "node:http";

/** An answer from the platform's Gateway. */
export interface GatewayAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** Milliseconds from sending the request to the end of the answer. */
  ms: number;
}

/** Options of {@link gatewayRequest}. */
export interface GatewayRequest {
  method: string;
  path: string;
  /** The Host header (the overlay's host by default: what a client of the ingress sends). */
  host?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

/** The host modelgate's HTTPRoute answers on (knative/overlays/gateway-api/http-route.yaml, unchanged). */
export const OVERLAY_HOST = "modelgate.example.com";

/** Sends one request to the Gateway's external listener (through the platform's port bridge). */
export function gatewayRequest(gatewayUrl: string, options: GatewayRequest): Promise<GatewayAnswer> {
  const url = new URL(options.path, gatewayUrl);
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method,
        agent: false,
        headers: {
          host: options.host ?? OVERLAY_HOST,
          ...(body ? { "content-type": "application/json", "content-length": String(body.length) } : {}),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: performance.now() - started });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`no answer from the Gateway within ${options.timeoutMs ?? 60_000} ms`)),
    );
    req.on("error", reject);
    req.end(body);
  });
}
