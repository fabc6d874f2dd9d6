import { loadConfig } from "@modelgate/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTIONS } from "../tools/gateway/src/routes.ts";
import {
  editedKnativeCopy,
  envValue,
  isRecord,
  KNATIVE_DIR,
  type KubeObject,
  knativeServices,
  moveLogLevelLast,
  OVERLAYS,
  ofKind,
  renderKustomization,
  writeOverlay,
} from "./knative/manifests.ts";

let base: KubeObject[] = [];

beforeAll(async () => {
  base = await renderKustomization(`${KNATIVE_DIR}base`);
});

function registryJson(): string {
  const data = ofKind(base, "ConfigMap").find((cm) => cm.metadata.name === "modelgate-registry")?.data;
  if (!isRecord(data) || typeof data["registry.json"] !== "string")
    throw new Error("no modelgate-registry registry.json");
  return data["registry.json"];
}

/** The pod spec of a Knative Service's template. */
function podSpec(service: KubeObject): Record<string, unknown> {
  const template = isRecord(service.spec) && isRecord(service.spec.template) ? service.spec.template : {};
  return isRecord(template.spec) ? template.spec : {};
}

/** The environment a function's container gets. */
function envOf(service: KubeObject): Record<string, string> {
  const containers = Array.isArray(podSpec(service).containers) ? (podSpec(service).containers as unknown[]) : [];
  const env: Record<string, string> = {};
  const first: unknown = containers[0];
  for (const item of isRecord(first) && Array.isArray(first.env) ? first.env.filter(isRecord) : []) {
    if (typeof item.name === "string" && typeof item.value === "string") env[item.name] = item.value;
    else throw new Error(`${service.metadata.name}: env ${String(item.name)} is not a plain value`);
  }
  return env;
}

/**
 * Where the container finds the registry ConfigMap's `registry.json`: its mount of a volume of that ConfigMap,
 * so that the file its KSERVE_MODEL_REGISTRY_FILE names can be read from the rendered ConfigMap.
 */
function registryFileOf(service: KubeObject): string {
  const spec = podSpec(service);
  const volume = (Array.isArray(spec.volumes) ? spec.volumes.filter(isRecord) : []).find(
    (v) => isRecord(v.configMap) && v.configMap.name === "modelgate-registry",
  );
  const first: unknown = Array.isArray(spec.containers) ? spec.containers[0] : undefined;
  const mounts = isRecord(first) && Array.isArray(first.volumeMounts) ? first.volumeMounts.filter(isRecord) : [];
  const mount = mounts.find((m) => m.name === volume?.name);
  if (volume === undefined || typeof mount?.mountPath !== "string") {
    throw new Error(`${service.metadata.name}: no volume mount of the modelgate-registry ConfigMap`);
  }
  expect(mount.readOnly).toBe(true);
  return `${mount.mountPath}/registry.json`;
}

/** A function's configuration as its container loads it: its environment, the registry file from the ConfigMap. */
function configOf(service: KubeObject) {
  const file = registryFileOf(service);
  return loadConfig(envOf(service), {
    readFile: (path) => {
      if (path !== file) throw Object.assign(new Error(`no such file: ${path}`), { code: "ENOENT" });
      return registryJson();
    },
  });
}

function spec(object: KubeObject | undefined): Record<string, unknown> {
  if (!object || !isRecord(object.spec)) throw new Error("no spec");
  return object.spec;
}

describe("knative/base", () => {
  it("has one cluster-local Knative Service per function, scaling from zero", () => {
    const services = knativeServices(base).filter(
      (s) => s.metadata.labels?.["app.kubernetes.io/component"] === "function",
    );
    expect(services.map((s) => s.metadata.name).sort()).toEqual([...FUNCTIONS].sort());
    for (const service of services) {
      expect(service.metadata.labels?.["networking.knative.dev/visibility"]).toBe("cluster-local");
      expect(JSON.stringify(service.spec)).toContain('"autoscaling.knative.dev/min-scale":"0"');
    }
  });

  it("the example registry and every function's environment load as valid configuration, the registry from its file", () => {
    const registry = loadConfig({ KSERVE_MODEL_REGISTRY: registryJson() }).registry;
    expect(registry.entries.map((entry) => entry.name)).toEqual(["anomaly-detector", "predictive-analytics"]);
    for (const service of knativeServices(base)) {
      if (!FUNCTIONS.some((fn) => fn === service.metadata.name)) continue;
      const config = configOf(service);
      expect(config.registrySource, service.metadata.name).toBe("KSERVE_MODEL_REGISTRY_FILE");
      expect(config.registry.entries.map((entry) => entry.name)).toEqual(registry.entries.map((entry) => entry.name));
    }
  });

  it("deploy may touch exactly the namespaces that have its Role, and the registry's models live there", () => {
    const deploy = knativeServices(base).find((s) => s.metadata.name === "deploy");
    if (!deploy) throw new Error("no deploy Service");
    const config = configOf(deploy);
    const roleNamespaces = ofKind(base, "Role")
      .filter((role) => role.metadata.name === "modelgate-deploy")
      .map((role) => role.metadata.namespace);
    expect(config.allowedNamespaces).toEqual(roleNamespaces);
    for (const entry of config.registry.entries) expect(config.allowedNamespaces).toContain(entry.namespace);
    expect(ofKind(base, "ClusterRole")).toEqual([]);
  });

  it("each Trigger filters one request type, sends it to deploy with deploy's audience, and its identity is bound", () => {
    const deploy = knativeServices(base).find((s) => s.metadata.name === "deploy");
    if (!deploy) throw new Error("no deploy Service");
    const audience = envValue(deploy, "MODELGATE_EVENTS_AUDIENCE");
    const triggers = ofKind(base, "Trigger");
    const types = triggers.map((t) => (spec(t).filter as { attributes?: { type?: string } }).attributes?.type);
    expect(types.sort()).toEqual(["dev.modelgate.deploy.requested", "dev.modelgate.undeploy.requested"]);
    const subjects = ofKind(base, "RoleBinding").flatMap((b) =>
      Array.isArray(b.subjects) ? b.subjects.filter(isRecord).map((s) => `${s.namespace}/${s.name}`) : [],
    );
    for (const trigger of triggers) {
      expect(spec(trigger).subscriber).toEqual({
        ref: { apiVersion: "serving.knative.dev/v1", kind: "Service", name: "deploy" },
        audience,
      });
      const delivery = spec(trigger).delivery;
      expect(isRecord(delivery) && isRecord(delivery.deadLetterSink)).toBe(true);
      // Knative Eventing names a Trigger's OIDC ServiceAccount "<trigger>-oidc-eventing.knative.dev-trigger".
      const identity = `${trigger.metadata.namespace}/${trigger.metadata.name}-oidc-eventing.knative.dev-trigger`;
      expect(identity.length).toBeLessThanOrEqual(63 + (trigger.metadata.namespace?.length ?? 0) + 1);
      expect(subjects).toContain(identity);
    }
  });

  it("models and predict mount no ServiceAccount token", () => {
    for (const name of ["models", "predict"]) {
      const account = ofKind(base, "ServiceAccount").find((sa) => sa.metadata.name === `modelgate-${name}`);
      expect(account?.automountServiceAccountToken, name).toBe(false);
      const service = knativeServices(base).find((s) => s.metadata.name === name);
      expect(JSON.stringify(service?.spec)).toContain('"automountServiceAccountToken":false');
    }
  });

  // Knative Serving's webhook allows `automountServiceAccountToken` in a pod spec only when false (found on a
  // real Knative Serving 1.15): deploy gets its token from its ServiceAccount's default instead.
  it("deploy's token comes from its ServiceAccount: no automountServiceAccountToken: true, which Knative refuses", () => {
    const account = ofKind(base, "ServiceAccount").find((sa) => sa.metadata.name === "modelgate-deploy");
    expect(account?.automountServiceAccountToken).not.toBe(false);
    for (const service of knativeServices(base)) {
      expect(JSON.stringify(service.spec), service.metadata.name).not.toContain('"automountServiceAccountToken":true');
    }
  });
});

const CLUSTER_WIDE = "components/cluster-wide";
const key = (o: KubeObject) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;
const named = (objects: readonly KubeObject[], kind: string, name: string) =>
  ofKind(objects, kind).find((o) => o.metadata.name === name);

describe.each(OVERLAYS)("knative/components/cluster-wide, included by an overlay over %s", (overlayName) => {
  let plain: KubeObject[] = [];
  let wide: KubeObject[] = [];
  const removers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const overlay = await writeOverlay({ resources: [`overlays/${overlayName}`], components: [CLUSTER_WIDE] });
    removers.push(overlay.remove);
    plain = await renderKustomization(`${KNATIVE_DIR}overlays/${overlayName}`);
    wide = await renderKustomization(overlay.dir);
  });
  afterAll(async () => {
    for (const remove of removers) await remove();
  });

  function deployOf(objects: readonly KubeObject[]): KubeObject {
    const deploy = knativeServices(objects).find((s) => s.metadata.name === "deploy");
    if (!deploy) throw new Error("no deploy Service");
    return deploy;
  }

  it('sets KSERVE_ALLOWED_NAMESPACES="*" on deploy, which loads as "any namespace"', () => {
    expect(envValue(deployOf(plain), "KSERVE_ALLOWED_NAMESPACES")).toBe("self-healing-platform");
    expect(envValue(deployOf(wide), "KSERVE_ALLOWED_NAMESPACES")).toBe("*");
    expect(configOf(deployOf(wide)).allowedNamespaces).toBe("*");
  });

  it("changes nothing else: the overlay's objects stay as they are, plus ClusterRoles and ClusterRoleBindings", () => {
    const plainKeys = new Set(plain.map(key));
    const added = wide.filter((o) => !plainKeys.has(key(o)));
    expect(added.map((o) => o.kind).sort()).toEqual([
      "ClusterRole",
      "ClusterRole",
      "ClusterRole",
      "ClusterRoleBinding",
      "ClusterRoleBinding",
      "ClusterRoleBinding",
    ]);
    for (const object of added) expect(object.metadata.labels?.["app.kubernetes.io/part-of"]).toBe("modelgate");
    // The same objects otherwise, the namespaced Roles included (left in place: a subset of the cluster grant).
    const expected = structuredClone(deployOf(plain));
    const env = JSON.stringify(expected).replace(
      '{"name":"KSERVE_ALLOWED_NAMESPACES","value":"self-healing-platform"}',
      '{"name":"KSERVE_ALLOWED_NAMESPACES","value":"*"}',
    );
    expect(deployOf(wide)).toEqual(JSON.parse(env));
    for (const object of plain) {
      if (object === deployOf(plain)) continue;
      expect(
        wide.find((o) => key(o) === key(object)),
        key(object),
      ).toEqual(object);
    }
  });

  it("each Role of the base has a ClusterRole of the same name and the very same rules", () => {
    const roles = ofKind(base, "Role");
    expect(roles.map((r) => r.metadata.name).sort()).toEqual([
      "modelgate-deploy",
      "modelgate-deploy-events",
      "modelgate-undeploy-events",
    ]);
    for (const role of roles) {
      const clusterRole = named(wide, "ClusterRole", role.metadata.name);
      expect(clusterRole?.rules, role.metadata.name).toEqual(role.rules);
    }
    expect(ofKind(wide, "ClusterRole")).toHaveLength(roles.length);
    // Exactly deploy's verbs, on InferenceServices only: no wildcard, no other resource, no secrets.
    expect(named(wide, "ClusterRole", "modelgate-deploy")?.rules).toEqual([
      {
        apiGroups: ["serving.kserve.io"],
        resources: ["inferenceservices"],
        verbs: ["get", "list", "create", "patch", "delete"],
      },
    ]);
    expect(named(wide, "ClusterRole", "modelgate-deploy-events")?.rules).toEqual([
      { apiGroups: ["serving.kserve.io"], resources: ["inferenceservices"], verbs: ["create", "patch"] },
    ]);
    expect(named(wide, "ClusterRole", "modelgate-undeploy-events")?.rules).toEqual([
      { apiGroups: ["serving.kserve.io"], resources: ["inferenceservices"], verbs: ["delete"] },
    ]);
  });

  it("each RoleBinding of the base has a ClusterRoleBinding of the same subjects to that ClusterRole", () => {
    const bindings = ofKind(base, "RoleBinding");
    for (const binding of bindings) {
      const clusterBinding = named(wide, "ClusterRoleBinding", binding.metadata.name);
      expect(clusterBinding?.subjects, binding.metadata.name).toEqual(binding.subjects);
      expect(clusterBinding?.roleRef).toEqual({ ...(binding.roleRef as object), kind: "ClusterRole" });
    }
    // Nothing else is bound cluster-wide but the base's system:auth-delegator.
    const others = ofKind(wide, "ClusterRoleBinding").filter(
      (b) => !bindings.some((rb) => rb.metadata.name === b.metadata.name),
    );
    expect(others.map((b) => (b.roleRef as { name?: string }).name)).toEqual(["system:auth-delegator"]);
    // The subjects: deploy's ServiceAccount and the two Triggers' OIDC identities, all in modelgate.
    const subjects = ofKind(wide, "ClusterRoleBinding").flatMap((b) =>
      Array.isArray(b.subjects) ? b.subjects.filter(isRecord).map((s) => `${s.kind} ${s.namespace}/${s.name}`) : [],
    );
    const deploy = deployOf(wide);
    const template = isRecord(deploy.spec) && isRecord(deploy.spec.template) ? deploy.spec.template : {};
    const account = isRecord(template.spec) ? template.spec.serviceAccountName : undefined;
    expect(subjects.sort()).toEqual(
      [
        `ServiceAccount modelgate/${account}`,
        `ServiceAccount modelgate/${account}`,
        ...ofKind(wide, "Trigger").map(
          (t) => `ServiceAccount ${t.metadata.namespace}/${t.metadata.name}-oidc-eventing.knative.dev-trigger`,
        ),
      ].sort(),
    );
  });
});

describe("knative/components/cluster-wide guards its patch", () => {
  it("rendering fails, rather than patching another variable, when deploy's env is reordered", async () => {
    const copy = await editedKnativeCopy("base/deploy.yaml", moveLogLevelLast);
    const overlay = await writeOverlay({ root: copy.root, resources: ["overlays/istio"], components: [CLUSTER_WIDE] });
    try {
      await expect(renderKustomization(overlay.dir)).rejects.toThrow(/patch test of .*env\/3\/name failed/);
    } finally {
      await overlay.remove();
      await copy.remove();
    }
  });
});
