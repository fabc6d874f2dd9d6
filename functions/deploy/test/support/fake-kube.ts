import { KubeApiError } from "@modelgate/kube";
import type { InferenceService } from "../../src/inference-service.ts";
import type { IsvcClient } from "../../src/kube/isvc-client.ts";

type Method = "get" | "create" | "apply" | "delete" | "list";

/**
 * An in-memory IsvcClient with the API server's semantics modelgate relies on: uid and resourceVersion,
 * create refusing an existing name (409 AlreadyExists), resourceVersion preconditions (409), delete
 * preconditions, label selectors of the form `k=v`. `fail(method, error, times)` makes the next calls of a
 * method throw; `afterNext(method, action)` runs `action` once the next call of a method has been answered
 * (another writer acting between two of modelgate's calls).
 */
export class FakeKube implements IsvcClient {
  readonly store = new Map<string, InferenceService>();
  readonly calls: { method: Method; namespace: string | undefined; name?: string }[] = [];
  #version = 100;
  #uid = 0;
  readonly #failures: { method: Method; error: unknown; times: number }[] = [];
  readonly #after: { method: Method; action: () => void }[] = [];

  /** Makes the next `times` calls of `method` throw `error`. */
  fail(method: Method, error: unknown, times = 1): this {
    this.#failures.push({ method, error, times });
    return this;
  }

  /** Runs `action` right after the next call of `method` has been answered. */
  afterNext(method: Method, action: () => void): this {
    this.#after.push({ method, action });
    return this;
  }

  #runAfter(method: Method): void {
    const index = this.#after.findIndex((a) => a.method === method);
    if (index < 0) return;
    const [hook] = this.#after.splice(index, 1);
    hook?.action();
  }

  /** Puts a CR in the store as another writer would. */
  put(cr: InferenceService): InferenceService {
    const stored = structuredClone(cr);
    stored.metadata.uid ??= `uid-${++this.#uid}`;
    stored.metadata.resourceVersion = String(++this.#version);
    this.store.set(key(stored.metadata.namespace, stored.metadata.name), stored);
    return stored;
  }

  #maybeFail(method: Method): void {
    const failure = this.#failures.find((f) => f.method === method && f.times > 0);
    if (!failure) return;
    failure.times--;
    throw failure.error;
  }

  async get(namespace: string, name: string): Promise<InferenceService | null> {
    this.calls.push({ method: "get", namespace, name });
    this.#maybeFail("get");
    const found = this.store.get(key(namespace, name));
    const answer = found ? structuredClone(found) : null;
    this.#runAfter("get");
    return answer;
  }

  async create(isvc: InferenceService): Promise<InferenceService> {
    const { namespace, name } = isvc.metadata;
    this.calls.push({ method: "create", namespace, name });
    this.#maybeFail("create");
    if (this.store.has(key(namespace, name))) {
      throw new KubeApiError(409, {
        reason: "AlreadyExists",
        message: `inferenceservices.serving.kserve.io "${name}" already exists`,
        details: { name, group: "serving.kserve.io", kind: "inferenceservices" },
      });
    }
    const { status: _, ...created } = structuredClone(isvc);
    created.metadata = { ...created.metadata, uid: `uid-${++this.#uid}`, resourceVersion: String(++this.#version) };
    this.store.set(key(namespace, name), created);
    return structuredClone(created);
  }

  async apply(isvc: InferenceService): Promise<InferenceService> {
    const { namespace, name, resourceVersion } = isvc.metadata;
    this.calls.push({ method: "apply", namespace, name });
    this.#maybeFail("apply");
    const existing = this.store.get(key(namespace, name));
    if (resourceVersion !== undefined && existing?.metadata.resourceVersion !== resourceVersion) {
      throw new KubeApiError(409, { reason: "Conflict", message: "the object has been modified" });
    }
    const next: InferenceService = structuredClone({ ...isvc, status: existing?.status });
    if (next.status === undefined) delete next.status;
    next.metadata = { ...next.metadata, uid: existing?.metadata.uid ?? `uid-${++this.#uid}` };
    const changed = !existing || JSON.stringify(strip(existing)) !== JSON.stringify(strip(next));
    next.metadata.resourceVersion = changed ? String(++this.#version) : existing.metadata.resourceVersion;
    this.store.set(key(namespace, name), next);
    return structuredClone(next);
  }

  async delete(namespace: string, name: string, pre: { uid: string; resourceVersion?: string }): Promise<boolean> {
    this.calls.push({ method: "delete", namespace, name });
    this.#maybeFail("delete");
    const existing = this.store.get(key(namespace, name));
    if (!existing) return false;
    if (
      existing.metadata.uid !== pre.uid ||
      (pre.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion)
    ) {
      throw new KubeApiError(409, { reason: "Conflict", message: "precondition failed" });
    }
    this.store.delete(key(namespace, name));
    return true;
  }

  async list(namespace: string | undefined, labelSelector: string): Promise<InferenceService[]> {
    this.calls.push({ method: "list", namespace });
    this.#maybeFail("list");
    const [k, v] = labelSelector.split("=");
    return [...this.store.values()]
      .filter((cr) => namespace === undefined || cr.metadata.namespace === namespace)
      .filter((cr) => k === undefined || cr.metadata.labels?.[k] === v)
      .map((cr) => structuredClone(cr));
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function strip(cr: InferenceService): unknown {
  const { resourceVersion: _, ...metadata } = cr.metadata;
  return { ...cr, metadata };
}
