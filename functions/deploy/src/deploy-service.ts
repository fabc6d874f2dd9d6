import { type Config, DNS_1123_LABEL } from "@modelgate/config";
import { HttpError, type Logger } from "@modelgate/http";
import { ISVC_RESOURCE, KubeApiError } from "@modelgate/kube";
import type { Authorizer, Caller, DeployVerb } from "./authorizer.ts";
import { buildInferenceService } from "./build-inference-service.ts";
import { LABELS, MANAGED_BY } from "./constants.ts";
import { parseDeployRequest } from "./deploy-request.ts";
import { assertNamespaceAllowed, resolveDeployTarget } from "./deploy-target.ts";
import type { InferenceService } from "./inference-service.ts";
import type { IsvcClient, IsvcClientFactory } from "./kube/isvc-client.ts";
import { type IsvcOperation, mapKubeError } from "./kube/map-kube-error.ts";
import { type Isvc, readStatus } from "./read-status.ts";

/** The answer of a deploy (docs/API.md, `POST /api/v1/deploy`). */
export interface DeployAnswer {
  inferenceService: Isvc;
  status: "PENDING" | "READY";
  message: string;
}

/** The answer of an undeploy: what was asked, and whether a CR was there to delete. */
export interface UndeployAnswer {
  namespace: string;
  name: string;
  deleted: boolean;
}

/** What {@link DeployService} needs. */
export interface DeployServiceDeps {
  config: Pick<Config, "registry" | "allowedNamespaces">;
  kube: IsvcClientFactory;
  authorizer?: Authorizer;
}

/** Tries of a change that lost a race with another writer (resourceVersion preconditions) before giving up. */
const ATTEMPTS = 3;
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;
const CR_NAME = /^[a-z0-9]([-a-z0-9]{0,251}[a-z0-9])?$/;

/**
 * Whether modelgate created this CR (label `app.kubernetes.io/managed-by: modelgate`).
 *
 * @example
 * if (!isManaged(existing)) throw new HttpError(409, "not ours");
 */
export function isManaged(cr: InferenceService): boolean {
  return cr.metadata.labels?.[LABELS.managedBy] === MANAGED_BY;
}

function notManaged(namespace: string, name: string): HttpError {
  return new HttpError(
    409,
    `InferenceService ${namespace}/${name} exists but is not managed by modelgate (no label ${MANAGED_SELECTOR}): left untouched`,
  );
}

async function kube<T>(op: IsvcOperation, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw mapKubeError(error, op);
  }
}

const isConflict = (error: unknown) => error instanceof KubeApiError && error.status === 409;

function validateLocation(namespace: string, name: string): void {
  if (!DNS_1123_LABEL.test(namespace)) throw new HttpError(400, `namespace "${namespace}" must be a DNS-1123 label`);
  if (!CR_NAME.test(name)) throw new HttpError(400, `name "${name}" is not a valid InferenceService name`);
}

/**
 * Every deploy operation, in the order docs/SECURITY.md ("What the deploy function checks, in this order")
 * gives: validate (400/404), allowed namespaces (403), authorize (403, only with an {@link Authorizer}), then
 * the Kubernetes API. Routes and CloudEvents share it.
 *
 * @example
 * const service = new DeployService({ config, kube: isvcClientFactory(kubeConnection(config.kubernetes)) });
 * const answer = await service.deploy({ model: "anomaly-detector" }, undefined, logger);
 */
export class DeployService {
  readonly #deps: DeployServiceDeps;

  constructor(deps: DeployServiceDeps) {
    this.#deps = deps;
  }

  async #authorize(caller: Caller | undefined, verbs: readonly DeployVerb[], namespace: string): Promise<void> {
    if (this.#deps.authorizer && caller) await this.#deps.authorizer.authorize(caller, verbs, namespace);
  }

  async #client(): Promise<IsvcClient> {
    return this.#deps.kube();
  }

  /** Validates `body` and applies the CR (idempotent); logs one audit line. */
  async deploy(body: unknown, caller: Caller | undefined, log: Logger): Promise<DeployAnswer> {
    const audit: Record<string, unknown> = {
      user: caller?.username ?? null,
      action: "deploy",
      namespace: null,
      name: null,
    };
    try {
      const request = parseDeployRequest(body);
      const target = resolveDeployTarget(this.#deps.config, request);
      Object.assign(audit, { namespace: target.namespace, name: target.name, model: target.entry.name });
      Object.assign(audit, { version: target.version.name });
      assertNamespaceAllowed(this.#deps.config, target.namespace);
      await this.#authorize(caller, ["create", "patch"], target.namespace);
      const desired = buildInferenceService(target.entry, {
        version: target.version,
        name: target.name,
        namespace: target.namespace,
        labels: request.labels,
        ...(caller ? { requestedBy: caller.username } : {}),
        ...(request.canaryTrafficPercent === undefined ? {} : { canaryTrafficPercent: request.canaryTrafficPercent }),
      });
      const stored = await this.#apply(desired);
      const isvc = readStatus(stored);
      log.info({ ...audit, outcome: "applied", uid: isvc.uid }, "deploy");
      return answerOf(isvc, target.entry.name, target.version.name);
    } catch (error) {
      logFailure(log, audit, error);
      throw error;
    }
  }

  /**
   * Creates the CR when it is absent (a create fails rather than take over a CR someone else made meanwhile:
   * then the next round reads it, 409 when it is not modelgate's), else applies over modelgate's own with its
   * resourceVersion as precondition. Each lost race costs one of {@link ATTEMPTS} rounds.
   */
  async #apply(desired: InferenceService): Promise<InferenceService> {
    const { namespace, name } = desired.metadata;
    const client = await this.#client();
    for (let attempt = 1; ; attempt++) {
      const existing = await kube({ verb: "get", namespace, name }, () => client.get(namespace, name));
      if (existing && !isManaged(existing)) throw notManaged(namespace, name);
      const verb = existing ? "apply" : "create";
      try {
        if (!existing) return await client.create(desired);
        const { resourceVersion } = existing.metadata;
        const body: InferenceService =
          resourceVersion === undefined ? desired : { ...desired, metadata: { ...desired.metadata, resourceVersion } };
        return await client.apply(body);
      } catch (error) {
        if (isConflict(error) && attempt < ATTEMPTS) continue;
        throw mapKubeError(error, { verb, namespace, name });
      }
    }
  }

  /** Deletes a managed CR (204 also when already gone; 409 for a CR modelgate did not create); logs one audit line. */
  async undeploy(namespace: string, name: string, caller: Caller | undefined, log: Logger): Promise<UndeployAnswer> {
    const audit = { user: caller?.username ?? null, action: "undeploy", namespace, name };
    try {
      validateLocation(namespace, name);
      assertNamespaceAllowed(this.#deps.config, namespace);
      await this.#authorize(caller, ["delete"], namespace);
      const deleted = await this.#delete(namespace, name);
      log.info({ ...audit, outcome: deleted ? "deleted" : "absent" }, "undeploy");
      return { namespace, name, deleted };
    } catch (error) {
      logFailure(log, audit, error);
      throw error;
    }
  }

  async #delete(namespace: string, name: string): Promise<boolean> {
    const client = await this.#client();
    for (let attempt = 1; ; attempt++) {
      const existing = await kube({ verb: "get", namespace, name }, () => client.get(namespace, name));
      if (!existing) return false;
      if (!isManaged(existing)) throw notManaged(namespace, name);
      const preconditions: { uid: string; resourceVersion?: string } = { uid: existing.metadata.uid ?? "" };
      if (existing.metadata.resourceVersion !== undefined) {
        preconditions.resourceVersion = existing.metadata.resourceVersion;
      }
      try {
        return await client.delete(namespace, name, preconditions);
      } catch (error) {
        if (isConflict(error) && attempt < ATTEMPTS) continue;
        throw mapKubeError(error, { verb: "delete", namespace, name });
      }
    }
  }

  /** One managed CR, read live; 404 when absent or not modelgate's. */
  async get(namespace: string, name: string, caller: Caller | undefined): Promise<Isvc> {
    validateLocation(namespace, name);
    assertNamespaceAllowed(this.#deps.config, namespace);
    await this.#authorize(caller, ["get"], namespace);
    const client = await this.#client();
    const cr = await kube({ verb: "get", namespace, name }, () => client.get(namespace, name));
    if (!cr || !isManaged(cr)) throw new HttpError(404, `inferenceservice not found: ${namespace}/${name}`);
    return readStatus(cr);
  }

  /**
   * The managed CRs of `namespace`, or of every allowed namespace where the caller may list (403 only when there
   * is none), or with `*` of every namespace where the caller may list (possibly none: see {@link #listCluster}).
   */
  async list(namespace: string | undefined, caller: Caller | undefined): Promise<Isvc[]> {
    if (namespace !== undefined) {
      if (!DNS_1123_LABEL.test(namespace))
        throw new HttpError(400, `namespace "${namespace}" must be a DNS-1123 label`);
      assertNamespaceAllowed(this.#deps.config, namespace);
      await this.#authorize(caller, ["list"], namespace);
      return sorted(await this.#listIn([namespace]));
    }
    const allowed = this.#deps.config.allowedNamespaces;
    if (allowed !== "*") return sorted(await this.#listIn(await this.#listable(allowed, caller)));
    return sorted(await this.#listCluster(caller));
  }

  async #listIn(namespaces: readonly string[]): Promise<InferenceService[]> {
    const client = await this.#client();
    const lists = await Promise.all(
      namespaces.map((ns) => kube({ verb: "list", namespace: ns }, () => client.list(ns, MANAGED_SELECTOR))),
    );
    return lists.flat();
  }

  /** The namespaces of `candidates` where the caller may list (all of them without an authorizer); 403 when none. */
  async #listable(candidates: readonly string[], caller: Caller | undefined): Promise<string[]> {
    if (!this.#deps.authorizer || !caller) return [...candidates];
    const permitted = await this.#permitted(candidates, caller);
    if (permitted.length === 0) {
      throw new HttpError(
        403,
        `${caller.username} may not list ${ISVC_RESOURCE} in any allowed namespace (${candidates.join(", ")})`,
      );
    }
    return permitted;
  }

  /** The namespaces of `candidates` where the caller may list (all of them without an authorizer), maybe none. */
  async #permitted(candidates: readonly string[], caller: Caller | undefined): Promise<string[]> {
    if (!this.#deps.authorizer || !caller) return [...candidates];
    const results = await Promise.all(
      candidates.map(async (ns) => {
        try {
          await this.#authorize(caller, ["list"], ns);
          return ns;
        } catch (error) {
          if (error instanceof HttpError && error.status === 403) return undefined;
          throw error;
        }
      }),
    );
    return results.filter((ns) => ns !== undefined);
  }

  /**
   * With `*`: every managed CR when the caller may list cluster-wide; else those of the namespaces (among the
   * ones holding managed CRs) where the caller may list, possibly none. Never 403: the namespaces the caller
   * may list in cannot be told apart from those that hold no managed CR, and an empty list says both.
   */
  async #listCluster(caller: Caller | undefined): Promise<InferenceService[]> {
    let clusterWide = true;
    if (this.#deps.authorizer && caller) {
      try {
        await this.#authorize(caller, ["list"], "");
      } catch (error) {
        if (!(error instanceof HttpError && error.status === 403)) throw error;
        clusterWide = false;
      }
    }
    const client = await this.#client();
    const items = await kube({ verb: "list", namespace: undefined }, () => client.list(undefined, MANAGED_SELECTOR));
    if (clusterWide) return items;
    const permitted = await this.#permitted([...new Set(items.map((item) => item.metadata.namespace))], caller);
    return items.filter((item) => permitted.includes(item.metadata.namespace));
  }
}

function sorted(items: readonly InferenceService[]): Isvc[] {
  return items.map(readStatus).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

function answerOf(isvc: Isvc, model: string, version: string): DeployAnswer {
  const what = `InferenceService ${isvc.namespace}/${isvc.name} (model ${model}, version ${version})`;
  if (isvc.ready) return { inferenceService: isvc, status: "READY", message: `${what} is ready` };
  const error = isvc.lastError === null ? "" : `; last error: ${isvc.lastError}`;
  return {
    inferenceService: isvc,
    status: "PENDING",
    message: `${what} applied; KServe has not reported it ready yet${error}`,
  };
}

function logFailure(log: Logger, audit: Record<string, unknown>, error: unknown): void {
  const status = error instanceof HttpError ? error.status : 500;
  const outcome = status === 401 || status === 403 ? "denied" : status >= 500 ? "failed" : "refused";
  // The error's details (cause chain) are logged once, by the app's error handler, for every 5xx.
  const line = { ...audit, outcome, status, error: error instanceof Error ? error.message : String(error) };
  if (status >= 500) log.warn(line, String(audit.action));
  else log.info(line, String(audit.action));
}
