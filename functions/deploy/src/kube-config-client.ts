import http from "node:http";
import https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { HttpError } from "@modelgate/http";
import { FIELD_MANAGER, ISVC_GROUP, ISVC_PLURAL, ISVC_VERSION } from "./constants.ts";
import type { InferenceService } from "./inference-service.ts";
import { type IsvcClient, KubeApiError, type KubeStatus } from "./kube-client.ts";
import type { KubeConfigSource } from "./kube-config-source.ts";

/** Options of {@link createKubeConfigClient}. */
export interface KubeConfigClientOptions {
  /** Time allowed for one API request, connection included; default 10 s. */
  timeoutMs?: number;
}

function parseStatus(text: string): KubeStatus {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null) return body as KubeStatus;
  } catch {
    // not JSON: keep the text as the message
  }
  return text.trim() === "" ? {} : { message: text.trim().slice(0, 500) };
}

/**
 * Loads a KubeConfig (in-cluster or from a file) with `@kubernetes/client-node`, imported here on first use
 * so the function starts fast, and returns an {@link IsvcClient} sending raw requests with its credentials
 * (token, client certificate, exec plugins, CA). Throws a 503 `HttpError` naming the file when it cannot
 * be loaded.
 *
 * @example
 * const client = await createKubeConfigClient({ kind: "file", path: "/home/me/.kube/config" });
 * await client.get("ml", "scorer");
 */
export async function createKubeConfigClient(
  source: Exclude<KubeConfigSource, { kind: "none" }>,
  options: KubeConfigClientOptions = {},
): Promise<IsvcClient> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  const what = source.kind === "in-cluster" ? "the in-cluster configuration" : `kubeconfig ${source.path}`;
  try {
    if (source.kind === "in-cluster") kc.loadFromCluster();
    else kc.loadFromFile(source.path);
  } catch (error) {
    throw new HttpError(503, `cannot load ${what}: ${(error as Error).message}`, { cause: error });
  }
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined || server === "" || !URL.canParse(server) || server.includes("undefined")) {
    throw new HttpError(
      503,
      source.kind === "in-cluster"
        ? "cannot load the in-cluster configuration: KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT are not set"
        : `cannot load ${what}: its current context names no cluster server`,
    );
  }
  return new KubeConfigClient(kc, server.replace(/\/+$/, ""), options.timeoutMs ?? 10_000);
}

const base = `/apis/${ISVC_GROUP}/${ISVC_VERSION}`;
const itemPath = (namespace: string, name: string) =>
  `${base}/namespaces/${encodeURIComponent(namespace)}/${ISVC_PLURAL}/${encodeURIComponent(name)}`;

class KubeConfigClient implements IsvcClient {
  readonly #kc: KubeConfig;
  readonly #server: string;
  readonly #timeoutMs: number;

  constructor(kc: KubeConfig, server: string, timeoutMs: number) {
    this.#kc = kc;
    this.#server = server;
    this.#timeoutMs = timeoutMs;
  }

  async get(namespace: string, name: string): Promise<InferenceService | null> {
    try {
      return (await this.#request("GET", itemPath(namespace, name))) as InferenceService;
    } catch (error) {
      // A 404 naming the object means "absent"; one naming nothing means the API lacks the resource type.
      if (error instanceof KubeApiError && error.status === 404 && error.body.details?.name !== undefined) return null;
      throw error;
    }
  }

  async apply(isvc: InferenceService): Promise<InferenceService> {
    const { namespace, name } = isvc.metadata;
    const query = `?fieldManager=${FIELD_MANAGER}&force=true`;
    const body = JSON.stringify(isvc);
    return (await this.#request(
      "PATCH",
      `${itemPath(namespace, name)}${query}`,
      body,
      "application/apply-patch+yaml",
    )) as InferenceService;
  }

  async delete(
    namespace: string,
    name: string,
    preconditions: { uid: string; resourceVersion?: string },
  ): Promise<boolean> {
    const body = JSON.stringify({ apiVersion: "v1", kind: "DeleteOptions", preconditions });
    try {
      await this.#request("DELETE", itemPath(namespace, name), body, "application/json");
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404 && error.body.details?.name !== undefined) return false;
      throw error;
    }
  }

  async list(namespace: string | undefined, labelSelector: string): Promise<InferenceService[]> {
    const scope = namespace === undefined ? "" : `/namespaces/${encodeURIComponent(namespace)}`;
    const path = `${base}${scope}/${ISVC_PLURAL}?labelSelector=${encodeURIComponent(labelSelector)}`;
    const answer = (await this.#request("GET", path)) as { items?: InferenceService[] };
    return answer.items ?? [];
  }

  async #request(method: string, path: string, body?: string, contentType?: string): Promise<unknown> {
    const given: http.OutgoingHttpHeaders = {};
    const options: https.RequestOptions = { headers: given };
    await this.#kc.applyToHTTPSOptions(options);
    const url = new URL(`${this.#server}${path}`);
    const headers: http.OutgoingHttpHeaders = { ...given, accept: "application/json" };
    if (body !== undefined) {
      headers["content-type"] = contentType;
      headers["content-length"] = Buffer.byteLength(body);
    }
    const send = url.protocol === "http:" ? http.request : https.request;
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const text = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = send(url, { ...options, method, headers, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      });
      req.on("error", reject);
      req.end(body);
    });
    if (text.status < 200 || text.status > 299) throw new KubeApiError(text.status, parseStatus(text.text));
    return text.text === "" ? {} : JSON.parse(text.text);
  }
}
