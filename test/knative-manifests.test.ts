import { loadConfig } from "@modelgate/config";
import { beforeAll, describe, expect, it } from "vitest";
import { FUNCTIONS } from "../shared/gateway/src/routes.ts";
import {
  envValue,
  isRecord,
  KNATIVE_DIR,
  type KubeObject,
  knativeServices,
  ofKind,
  renderKustomization,
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

/** The environment a function's container gets, with the ConfigMap reference resolved. */
function envOf(service: KubeObject): Record<string, string> {
  const template = isRecord(service.spec) && isRecord(service.spec.template) ? service.spec.template : {};
  const containers = isRecord(template.spec) && Array.isArray(template.spec.containers) ? template.spec.containers : [];
  const env: Record<string, string> = {};
  const first: unknown = containers[0];
  for (const item of isRecord(first) && Array.isArray(first.env) ? first.env.filter(isRecord) : []) {
    if (typeof item.name !== "string") continue;
    if (typeof item.value === "string") env[item.name] = item.value;
    else env[item.name] = registryJson();
  }
  return env;
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

  it("the example registry and every function's environment load as valid configuration", () => {
    const registry = loadConfig({ KSERVE_MODEL_REGISTRY: registryJson() }).registry;
    expect(registry.entries.map((entry) => entry.name)).toEqual(["anomaly-detector", "predictive-analytics"]);
    for (const service of knativeServices(base)) {
      if (!FUNCTIONS.some((fn) => fn === service.metadata.name)) continue;
      expect(() => loadConfig(envOf(service)), service.metadata.name).not.toThrow();
    }
  });

  it("deploy may touch exactly the namespaces that have its Role, and the registry's models live there", () => {
    const deploy = knativeServices(base).find((s) => s.metadata.name === "deploy");
    if (!deploy) throw new Error("no deploy Service");
    const config = loadConfig(envOf(deploy));
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
});
