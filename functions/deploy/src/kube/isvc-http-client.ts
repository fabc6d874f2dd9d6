import type { KubeRequest, KubeSend } from "@modelgate/kube";
import { FIELD_MANAGER, ISVC_GROUP, ISVC_PLURAL, ISVC_VERSION, KubeApiError, kubeStatusOf } from "@modelgate/kube";
import type { InferenceService, ManagedFieldsEntry } from "../inference-service.ts";
import type { IsvcClient } from "./isvc-client.ts";

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

/**
 * The {@link IsvcClient} speaking to the API server through the connection's {@link KubeSend}: a 2xx answer is
 * the CR (or list), any other a {@link KubeApiError} carrying the API's `Status`.
 *
 * @example
 * const client = new IsvcHttpClient(await connection());
 * await client.get("ml", "scorer");
 */
export class IsvcHttpClient implements IsvcClient {
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
    if (answer.status < 200 || answer.status > 299) throw new KubeApiError(answer.status, kubeStatusOf(answer.body));
    if (answer.body === "") return {};
    if (typeof answer.body !== "object" || answer.body === null) {
      throw new KubeApiError(answer.status, {
        message: `the answer is not JSON: ${kubeStatusOf(answer.body).message}`,
      });
    }
    return answer.body;
  }
}
