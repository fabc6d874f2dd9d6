import { isRecord, type KubeObject } from "../../knative/manifests.ts";

/**
 * Small helpers to read and edit parsed manifests in place: pod templates and their containers, ConfigMap data,
 * picking and dropping objects, and the order objects are applied in within one stage.
 */

/** Kinds whose `spec.template.spec` is a pod spec. */
const WORKLOADS = ["Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job"];

/** Kinds whose `spec` holds the containers itself (KServe's serving runtimes). */
const RUNTIMES = ["ClusterServingRuntime", "ServingRuntime"];

/** The pod spec of a workload (or the container-holding spec of a serving runtime), if `object` is one. */
export function podSpecOf(object: KubeObject): Record<string, unknown> | undefined {
  if (RUNTIMES.includes(object.kind)) return isRecord(object.spec) ? object.spec : undefined;
  if (!WORKLOADS.includes(object.kind)) return undefined;
  const spec = object.spec;
  const template = isRecord(spec) ? spec.template : undefined;
  const podSpec = isRecord(template) ? template.spec : undefined;
  return isRecord(podSpec) ? podSpec : undefined;
}

/** The containers and init containers of a workload or serving runtime (none for other kinds). */
export function containersOf(object: KubeObject): Record<string, unknown>[] {
  const podSpec = podSpecOf(object);
  if (!podSpec) return [];
  return [podSpec.initContainers, podSpec.containers].flatMap((list) =>
    Array.isArray(list) ? list.filter(isRecord) : [],
  );
}

/** The one object of `kind` named `name` (and in `namespace`, when given); throws when absent. */
export function find(objects: readonly KubeObject[], kind: string, name: string, namespace?: string): KubeObject {
  const found = objects.find(
    (object) =>
      object.kind === kind &&
      object.metadata.name === name &&
      (namespace === undefined || object.metadata.namespace === namespace),
  );
  if (!found) throw new Error(`no ${kind} ${namespace ? `${namespace}/` : ""}${name} in the upstream manifests`);
  return found;
}

/** `objects` without those `drop` matches (kind, and name when given); throws if a rule matches nothing. */
export function without(
  objects: readonly KubeObject[],
  drop: readonly { kind: string; name?: string }[],
): KubeObject[] {
  for (const rule of drop) {
    if (!objects.some((object) => matches(object, rule)))
      throw new Error(`nothing to drop for ${rule.kind} ${rule.name ?? "*"}: the upstream manifests changed`);
  }
  return objects.filter((object) => !drop.some((rule) => matches(object, rule)));
}

function matches(object: KubeObject, rule: { kind: string; name?: string }): boolean {
  return object.kind === rule.kind && (rule.name === undefined || object.metadata.name === rule.name);
}

/** The `data` of a ConfigMap, created when missing. */
export function configMapData(configMap: KubeObject): Record<string, string> {
  if (configMap.kind !== "ConfigMap") throw new Error(`${configMap.metadata.name} is a ${configMap.kind}`);
  if (!isRecord(configMap.data)) configMap.data = {};
  return configMap.data as Record<string, string>;
}

/** Sets data keys of ConfigMap `name` among `objects` (the upstream `_example` stays as it is). */
export function setConfigMapData(objects: readonly KubeObject[], name: string, data: Record<string, string>): void {
  Object.assign(configMapData(find(objects, "ConfigMap", name)), data);
}

/**
 * The order objects are applied in within a stage: what others refer to first (namespaces, accounts, roles,
 * config), workloads next, admission webhook configurations last. A webhook configuration with
 * `failurePolicy: Fail` applied before the ConfigMaps it validates would refuse them while its server is not
 * running yet (on a first install it never is); upstream's file order gets the same effect.
 */
const APPLY_ORDER = [
  "Namespace",
  "CustomResourceDefinition",
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "ConfigMap",
  "Secret",
  "Service",
  "Deployment",
  "DaemonSet",
];
const LAST = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

function rank(kind: string): number {
  if (LAST.includes(kind)) return APPLY_ORDER.length + 1 + LAST.indexOf(kind);
  const index = APPLY_ORDER.indexOf(kind);
  return index === -1 ? APPLY_ORDER.length : index;
}

/** `objects` in apply order (stable: upstream order within one kind). */
export function inApplyOrder(objects: readonly KubeObject[]): KubeObject[] {
  return objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => rank(a.object.kind) - rank(b.object.kind) || a.index - b.index)
    .map(({ object }) => object);
}

/** CRDs apart from the rest (they go in the first stage, to be Established before anything uses them). */
export function splitCrds(objects: readonly KubeObject[]): { crds: KubeObject[]; objects: KubeObject[] } {
  const isCrd = (object: KubeObject) => object.kind === "CustomResourceDefinition";
  return { crds: objects.filter(isCrd), objects: objects.filter((object) => !isCrd(object)) };
}

/** Millicores of a Kubernetes CPU quantity ("100m", "1", "0.5"); undefined when it is not one. */
export function millicores(quantity: unknown): number | undefined {
  const text = typeof quantity === "number" ? String(quantity) : quantity;
  if (typeof text !== "string") return undefined;
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text);
  if (!match?.[1]) return undefined;
  return match[2] === "m" ? Number(match[1]) : Number(match[1]) * 1000;
}

/**
 * Lowers every container's CPU request above `max` millicores to `max` (limits untouched). Requests only decide
 * scheduling: on a 2-CPU node, upstream's requests (the activator alone asks 300m) would leave no room for models.
 */
export function capCpuRequests(objects: readonly KubeObject[], max: number): void {
  for (const object of objects)
    for (const container of containersOf(object)) {
      const resources = container.resources;
      const requests = isRecord(resources) ? resources.requests : undefined;
      if (!isRecord(requests)) continue;
      const cpu = millicores(requests.cpu);
      if (cpu !== undefined && cpu > max) requests.cpu = `${max}m`;
    }
}
