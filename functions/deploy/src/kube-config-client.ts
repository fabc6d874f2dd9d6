import { HttpError } from "@modelgate/http";
import { FIELD_MANAGER, ISVC_GROUP, ISVC_PLURAL, ISVC_VERSION } from "./constants.ts";
import type { InferenceService, ManagedFieldsEntry } from "./inference-service.ts";
import { type IsvcClient, KubeApiError, type KubeStatus } from "./kube-client.ts";
import { type KubeConfigSource, loadKubeCredentials } from "./kube-config-source.ts";
import { clusterServer, type KubeRequest, type KubeSend, kubeTransport } from "./kube-transport.ts";

/** Options of {@link createKubeConfigClient}. */
export interface KubeConfigClientOptions {
  /** Time allowed for one API request, connection included; default 10 s. */
  timeoutMs?: number;
}

function statusOf(body: unknown): KubeStatus {
  if (typeof body === "object" && body !== null) return body as KubeStatus;
  const text = typeof body === "string" ? body.trim() : "";
  return text === "" ? {} : { message: text.slice(0, 500) };
}

/**
 * Loads the credentials (the pod's service account, or a kubeconfig file with `@kubernetes/client-node`,
 * imported only then) and returns an {@link IsvcClient} sending its requests through {@link kubeTransport}
 * with them (token, client certificate, exec plugins, CA). Throws a 503 `HttpError` naming the file when it
 * cannot be loaded, or when in-cluster without `KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT`.
 *
 * @example
 * const client = await createKubeConfigClient({ kind: "file", path: "/home/me/.kube/config" });
 * await client.get("ml", "scorer");
 */
export async function createKubeConfigClient(
  source: Exclude<KubeConfigSource, { kind: "none" }>,
  options: KubeConfigClientOptions = {},
): Promise<IsvcClient> {
  const kc = await loadKubeCredentials(source);
  if (clusterServer(kc) === undefined) {
    throw new HttpError(
      503,
      source.kind === "in-cluster"
        ? "cannot load the in-cluster configuration: KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT are not set"
        : `cannot load kubeconfig ${source.path}: its current context names no cluster server`,
    );
  }
  return new KubeConfigClient(kubeTransport(kc, { timeoutMs: options.timeoutMs ?? 10_000 }));
}

/**
 * A field set as an apply records it: an update (a create) also owns each struct or map it filled (`"."` below an
 * `f:` key), an apply only what is in it; without this the next apply of the same CR would rewrite its
 * ownership, a change. List items (`k:`, `v:`, `i:`) keep their `"."`, as an apply's do.
 */
function asApplied(set: unknown, key = ""): unknown {
  if (typeof set !== "object" || set === null || Array.isArray(set)) return set;
  const out: Record<string, unknown> = {};
  for (const [child, value] of Object.entries(set)) {
    if (child === "." && key.startsWith("f:")) continue;
    out[child] = asApplied(value, child);
  }
  return out;
}

const base = `/apis/${ISVC_GROUP}/${ISVC_VERSION}`;
const collectionPath = (namespace: string) => `${base}/namespaces/${encodeURIComponent(namespace)}/${ISVC_PLURAL}`;
const itemPath = (namespace: string, name: string) =>
  `${base}/namespaces/${encodeURIComponent(namespace)}/${ISVC_PLURAL}/${encodeURIComponent(name)}`;

class KubeConfigClient implements IsvcClient {
  readonly #send: KubeSend;

  constructor(send: KubeSend) {
    this.#send = send;
  }

  async get(namespace: string, name: string): Promise<InferenceService | null> {
    try {
      return (await this.#request({ method: "GET", path: itemPath(namespace, name) })) as InferenceService;
    } catch (error) {
      // A 404 naming the object means "absent"; one naming nothing means the API lacks the resource type.
      if (error instanceof KubeApiError && error.status === 404 && error.body.details?.name !== undefined) return null;
      throw error;
    }
  }

  async create(isvc: InferenceService): Promise<InferenceService> {
    const created = (await this.#request({
      method: "POST",
      path: `${collectionPath(isvc.metadata.namespace)}?fieldManager=${FIELD_MANAGER}`,
      body: isvc,
    })) as InferenceService;
    return this.#ownAsApplied(created);
  }

  /**
   * A create records its fields under `modelgate` with operation `Update`, which a later server-side apply
   * by `modelgate` does not replace: fields that apply stops setting would stay. Turning that entry into the
   * `Apply` one (as `kubectl apply --server-side` does when it takes over from a client-side apply), with
   * the created resourceVersion as precondition, makes later applies own exactly what they set. When the CR
   * changed or went away meanwhile, the created CR is returned as it was.
   */
  async #ownAsApplied(created: InferenceService): Promise<InferenceService> {
    const entries = created.metadata.managedFields ?? [];
    const index = entries.findIndex((e) => e.manager === FIELD_MANAGER && e.operation === "Update");
    const { namespace, name, resourceVersion } = created.metadata;
    if (
      index < 0 ||
      resourceVersion === undefined ||
      entries.some((e) => e.manager === FIELD_MANAGER && e.operation === "Apply")
    ) {
      return created;
    }
    const managedFields: ManagedFieldsEntry[] = entries.map((e, i) =>
      i === index ? { ...e, operation: "Apply", fieldsV1: asApplied(e.fieldsV1) } : e,
    );
    const patch = [
      { op: "replace", path: "/metadata/managedFields", value: managedFields },
      { op: "replace", path: "/metadata/resourceVersion", value: resourceVersion },
    ];
    try {
      return (await this.#request({
        method: "PATCH",
        path: itemPath(namespace, name),
        body: JSON.stringify(patch),
        contentType: "application/json-patch+json",
      })) as InferenceService;
    } catch (error) {
      if (error instanceof KubeApiError && (error.status === 409 || error.status === 404)) return created;
      throw error;
    }
  }

  async apply(isvc: InferenceService): Promise<InferenceService> {
    const { namespace, name } = isvc.metadata;
    const query = `?fieldManager=${FIELD_MANAGER}&force=true`;
    return (await this.#request({
      method: "PATCH",
      path: `${itemPath(namespace, name)}${query}`,
      body: JSON.stringify(isvc),
      contentType: "application/apply-patch+yaml",
      idempotent: true, // a forced server-side apply of the same object has the effect of one
    })) as InferenceService;
  }

  async delete(
    namespace: string,
    name: string,
    preconditions: { uid: string; resourceVersion?: string },
  ): Promise<boolean> {
    const body = { apiVersion: "v1", kind: "DeleteOptions", preconditions };
    try {
      await this.#request({ method: "DELETE", path: itemPath(namespace, name), body });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404 && error.body.details?.name !== undefined) return false;
      throw error;
    }
  }

  async list(namespace: string | undefined, labelSelector: string): Promise<InferenceService[]> {
    const scope = namespace === undefined ? "" : `/namespaces/${encodeURIComponent(namespace)}`;
    const path = `${base}${scope}/${ISVC_PLURAL}?labelSelector=${encodeURIComponent(labelSelector)}`;
    const answer = (await this.#request({ method: "GET", path })) as { items?: InferenceService[] };
    return answer.items ?? [];
  }

  /** The parsed answer of a 2xx (`{}` when empty); a {@link KubeApiError} for any other status. */
  async #request(request: KubeRequest): Promise<unknown> {
    const answer = await this.#send(request);
    if (answer.status < 200 || answer.status > 299) throw new KubeApiError(answer.status, statusOf(answer.body));
    if (answer.body === "") return {};
    if (typeof answer.body !== "object" || answer.body === null) {
      throw new KubeApiError(answer.status, { message: `the answer is not JSON: ${statusOf(answer.body).message}` });
    }
    return answer.body;
  }
}
