import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isRecord, type KubeObject } from "../knative/manifests.ts";
import { containerImages } from "./addons/images.ts";
import { type AddonStage, KSERVE_WEBHOOK_DNS_NAMES, PLATFORM_CPU_REQUEST, platformAddons } from "./addons/index.ts";
import { EVENTING_UNBUILT_IMAGES } from "./addons/knative-eventing.ts";
import { MODEL_NAMESPACE, MODEL_STORE_CLAIM, SKLEARN_RUNTIME } from "./addons/model-serving.ts";
import { containersOf, millicores } from "./addons/objects.ts";
import { TRAEFIK_ENTRYPOINTS } from "./addons/traefik.ts";
import { BROKER_INGRESS_IP, DNS_SERVICE_IP, GATEWAY, platformImage } from "./topology.ts";

/**
 * The add-on builders against the real upstream module sources (from the Go module cache, `go mod download`):
 * what the platform harness applies must be complete, local-image-only and consistent with topology.ts.
 */

const webhookCert = {
  caPem: "-----BEGIN CERTIFICATE-----\ntest-ca\n-----END CERTIFICATE-----\n",
  certPem: "-----BEGIN CERTIFICATE-----\ntest-cert\n-----END CERTIFICATE-----\n",
  keyPem: "-----BEGIN PRIVATE KEY-----\ntest-key\n-----END PRIVATE KEY-----\n",
};
const autoscaler = { stableWindow: "6s", scaleToZeroGracePeriod: "6s", scaleToZeroPodRetentionPeriod: "0s" };

/**
 * The images build.sh makes: the names of its `for name in ...; do image "$name"` loop, `image coredns 0`, and
 * the folder of each image build script it calls (`bash "$here/sklearn-runtime/build.sh"`).
 */
function builtImages(): string[] {
  const script = readFileSync(new URL("./build.sh", import.meta.url), "utf8");
  const loop = /^for name in ([^;]+); do\n\s*image "\$name"/m.exec(script)?.[1];
  if (!loop) throw new Error("build.sh: the image loop moved");
  const names = loop.replaceAll("\\", " ").split(/\s+/).filter(Boolean);
  for (const match of script.matchAll(/^image (\S+) \d+$/gm)) if (match[1]) names.push(match[1]);
  for (const match of script.matchAll(/^bash "\$here\/([a-z-]+)\/build\.sh"/gm)) if (match[1]) names.push(match[1]);
  return names.map(platformImage);
}

const CLUSTER_SCOPED = [
  "Namespace",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "GatewayClass",
  "PersistentVolume",
  "ClusterServingRuntime",
];

let stages: AddonStage[];
let all: KubeObject[];
const stageNamed = (name: string): AddonStage => {
  const stage = stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  return stage;
};
const one = (kind: string, name: string, namespace?: string): KubeObject => {
  const found = all.filter(
    (o) =>
      o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace),
  );
  expect(found, `${kind} ${namespace ?? ""}/${name}`).toHaveLength(1);
  return found[0] as KubeObject;
};
const data = (configMap: KubeObject): Record<string, string> => configMap.data as Record<string, string>;
/** Every string anywhere in `value`. */
const strings = (value: unknown): string[] =>
  typeof value === "string"
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(strings)
      : isRecord(value)
        ? Object.values(value).flatMap(strings)
        : [];

beforeAll(async () => {
  stages = await platformAddons({ kserveWebhook: webhookCert, autoscaler, modelStorePath: "/state/model-store" });
  all = stages.flatMap((stage) => stage.objects);
}, 120_000);

describe("platform add-ons", () => {
  it("are stages in install order, CRDs alone first", () => {
    expect(stages.map((stage) => stage.name)).toEqual([
      "crds",
      "coredns",
      "gateway",
      "knative-serving",
      "net-gateway-api",
      "knative-eventing",
      "kserve",
      "model-serving",
    ]);
    const [crds, ...rest] = stages;
    expect(crds?.objects.every((o) => o.kind === "CustomResourceDefinition")).toBe(true);
    for (const stage of rest) expect(stage.objects.some((o) => o.kind === "CustomResourceDefinition")).toBe(false);
  });

  it("hold every CRD the controllers watch, those the serving module zip lacks included", () => {
    const names = stageNamed("crds").objects.map((o) => o.metadata.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "gateways.gateway.networking.k8s.io",
        "httproutes.gateway.networking.k8s.io",
        "referencegrants.gateway.networking.k8s.io",
        "backendtlspolicies.gateway.networking.k8s.io",
        "services.serving.knative.dev",
        "certificates.networking.internal.knative.dev",
        "ingresses.networking.internal.knative.dev",
        "serverlessservices.networking.internal.knative.dev",
        "clusterdomainclaims.networking.internal.knative.dev",
        "images.caching.internal.knative.dev",
        "brokers.eventing.knative.dev",
        "triggers.eventing.knative.dev",
        "eventpolicies.eventing.knative.dev",
        "inmemorychannels.messaging.knative.dev",
        "inferenceservices.serving.kserve.io",
        "servingruntimes.serving.kserve.io",
        "clusterservingruntimes.serving.kserve.io",
        "inferencegraphs.serving.kserve.io",
        "trainedmodels.serving.kserve.io",
        "localmodelcaches.serving.kserve.io",
      ]),
    );
    const bundle = one("CustomResourceDefinition", "gateways.gateway.networking.k8s.io").metadata.annotations;
    expect(bundle?.["gateway.networking.k8s.io/bundle-version"]).toBe("v1.4.0");
    expect(bundle?.["gateway.networking.k8s.io/channel"]).toBe("standard");
  });

  it("are Kubernetes objects, each once, namespaced where they must be", () => {
    const keys = new Set<string>();
    for (const o of all) {
      expect(typeof o.apiVersion === "string" && o.apiVersion.length > 0).toBe(true);
      expect(typeof o.kind === "string" && o.kind.length > 0).toBe(true);
      expect(typeof o.metadata.name === "string" && o.metadata.name.length > 0).toBe(true);
      const key = `${o.apiVersion.split("/")[0]} ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;
      expect(keys.has(key), key).toBe(false);
      keys.add(key);
      if (CLUSTER_SCOPED.includes(o.kind)) expect(o.metadata.namespace, key).toBeUndefined();
      else expect(o.metadata.namespace, key).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it("leave no ko:// reference and no unresolved kustomize variable", () => {
    const text = JSON.stringify(all);
    expect(text).not.toContain("ko://");
    expect(text).not.toMatch(/\$\((webhookServiceName|kserveNamespace)\)/);
  });

  it("run only images build.sh makes, pulled from the node only", () => {
    const built = builtImages();
    expect(built).toContain(platformImage("serving-controller"));
    expect(built).toContain(platformImage("coredns"));
    const images = containerImages(all);
    expect(images.length).toBeGreaterThan(15);
    for (const image of images) expect(built, image).toContain(image);
    for (const o of all)
      for (const c of containersOf(o))
        expect(["IfNotPresent", "Never"], `${o.metadata.name}`).toContain(c.imagePullPolicy);
    // Elsewhere (env values, ConfigMap data, the caching Image), a local name is a built image or a known leftover.
    const local = strings(all).filter((s) => s.startsWith("dev.local/"));
    for (const name of local) expect([...built, ...EVENTING_UNBUILT_IMAGES], name).toContain(name);
    expect(data(one("ConfigMap", "config-deployment"))["queue-sidecar-image"]).toBe(platformImage("serving-queue"));
    expect(one("Image", "queue-proxy", "knative-serving").spec).toEqual({ image: platformImage("serving-queue") });
  });

  it("leave out what needs a metrics API, cert-manager, the kube-rbac-proxy or an image not built", () => {
    expect(all.filter((o) => o.kind === "HorizontalPodAutoscaler")).toEqual([]);
    expect(all.filter((o) => o.kind === "Certificate" || o.kind === "Issuer" || o.kind === "Job")).toEqual([]);
    const deployments = all.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name);
    expect(deployments).not.toContain("job-sink");
    expect(deployments).not.toContain("pingsource-mt-adapter");
    expect(deployments).not.toContain("kserve-localmodel-controller-manager");
    const manager = one("Deployment", "kserve-controller-manager", "kserve");
    expect(containersOf(manager).map((c) => c.name)).toEqual(["manager"]);
    expect(containersOf(manager)[0]?.command).toBeUndefined();
  });

  it("route Knative through net-gateway-api onto Traefik's Gateways", () => {
    expect(data(one("ConfigMap", "config-network", "knative-serving"))["ingress-class"]).toBe(
      "gateway-api.ingress.networking.knative.dev",
    );
    const gatewayConfig = data(one("ConfigMap", "config-gateway", "knative-serving"));
    for (const [key, listener] of [
      ["external-gateways", GATEWAY.external],
      ["local-gateways", GATEWAY.local],
    ] as const) {
      expect(parse(gatewayConfig[key] ?? "")).toEqual([
        {
          class: GATEWAY.className,
          gateway: `${GATEWAY.namespace}/${listener.gateway}`,
          service: `${GATEWAY.namespace}/${listener.service}`,
          "supported-features": [],
        },
      ]);
    }
    expect(gatewayConfig._example).toContain("external-gateways");
  });

  it("give each Gateway listener the port of a Traefik entryPoint, behind its fixed Service IP", () => {
    const traefik = one("Deployment", "traefik", GATEWAY.namespace);
    const args = containersOf(traefik)[0]?.args as string[];
    expect(args).toContain("--providers.kubernetesgateway=true");
    expect(args).toContain("--ping=true");
    const entryPointPorts = args.flatMap((arg) => {
      const match = /^--entryPoints\.(\w+)\.address=:(\d+)$/.exec(arg);
      return match ? [Number(match[2])] : [];
    });
    expect(entryPointPorts.sort()).toEqual(Object.values(TRAEFIK_ENTRYPOINTS).sort());
    expect(one("GatewayClass", GATEWAY.className).spec).toEqual({ controllerName: GATEWAY.controllerName });
    for (const listener of [GATEWAY.external, GATEWAY.local]) {
      const spec = one("Gateway", listener.gateway, GATEWAY.namespace).spec as Record<string, unknown>;
      expect(spec.gatewayClassName).toBe(GATEWAY.className);
      expect(spec.listeners).toEqual([
        { name: "http", protocol: "HTTP", port: listener.port, allowedRoutes: { namespaces: { from: "All" } } },
      ]);
      expect(entryPointPorts).toContain(listener.port);
      expect(one("Service", listener.service, GATEWAY.namespace).spec).toMatchObject({
        clusterIP: listener.serviceIp,
        ports: [{ name: "http", port: 80, targetPort: listener.port }],
      });
    }
    const role = one("ClusterRole", "traefik-gateway-controller");
    expect(JSON.stringify(role.rules)).toContain("gateways/status");
  });

  it("request at most PLATFORM_CPU_REQUEST of CPU per container, leaving room on the node for models", () => {
    const requested = all
      .flatMap(containersOf)
      .map((c) => millicores((c.resources as { requests?: { cpu?: string } })?.requests?.cpu));
    expect(requested.filter((cpu) => cpu !== undefined).length).toBeGreaterThan(10);
    for (const cpu of requested) if (cpu !== undefined) expect(cpu).toBeLessThanOrEqual(PLATFORM_CPU_REQUEST);
    expect([millicores("300m"), millicores("1"), millicores("0.5"), millicores("lots")]).toEqual([
      300,
      1000,
      500,
      undefined,
    ]);
  });

  it("give the broker ingress the fixed address the harness bridges", () => {
    expect(one("Service", "broker-ingress", "knative-eventing").spec).toMatchObject({ clusterIP: BROKER_INGRESS_IP });
  });

  it("serve cluster DNS at DNS_SERVICE_IP without forwarding anywhere", () => {
    const service = one("Service", "kube-dns", "kube-system");
    expect((service.spec as Record<string, unknown>).clusterIP).toBe(DNS_SERVICE_IP);
    expect(JSON.stringify(service.spec)).toContain('"protocol":"UDP"');
    const corefile = data(one("ConfigMap", "coredns", "kube-system")).Corefile ?? "";
    expect(corefile).toContain("kubernetes cluster.local in-addr.arpa ip6.arpa");
    expect(corefile).not.toContain("forward");
    const deployment = one("Deployment", "coredns", "kube-system");
    expect((deployment.spec as { template: { spec: Record<string, unknown> } }).template.spec.dnsPolicy).toBe(
      "Default",
    );
  });

  it("configure Knative Serving and Eventing for this platform", () => {
    const deployment = data(one("ConfigMap", "config-deployment", "knative-serving"));
    expect(deployment["registries-skipping-tag-resolving"]?.split(",")).toContain("dev.local");
    expect(data(one("ConfigMap", "config-autoscaler", "knative-serving"))).toMatchObject({
      "stable-window": "6s",
      "scale-to-zero-grace-period": "6s",
      "scale-to-zero-pod-retention-period": "0s",
    });
    expect(data(one("ConfigMap", "config-domain", "knative-serving"))).toMatchObject({ "platform.test": "" });
    expect(data(one("ConfigMap", "config-features", "knative-eventing"))["authentication-oidc"]).toBe("enabled");
  });

  it("wire the KServe webhooks to the manager with the harness's CA", () => {
    const caBundle = Buffer.from(webhookCert.caPem).toString("base64");
    const configurations = all.filter(
      (o) => o.apiVersion.startsWith("admissionregistration") && o.metadata.name.endsWith("kserve.io"),
    );
    expect(configurations.length).toBe(7);
    for (const configuration of configurations) {
      for (const webhook of configuration.webhooks as { clientConfig: Record<string, unknown> }[]) {
        expect(webhook.clientConfig.caBundle).toBe(caBundle);
        const service = webhook.clientConfig.service as { name: string; namespace: string };
        expect(KSERVE_WEBHOOK_DNS_NAMES).toContain(`${service.name}.${service.namespace}.svc`);
        one("Service", service.name, service.namespace);
      }
    }
    const secret = one("Secret", "kserve-webhook-server-cert", "kserve");
    expect(secret.data).toEqual({
      "tls.crt": Buffer.from(webhookCert.certPem).toString("base64"),
      "tls.key": Buffer.from(webhookCert.keyPem).toString("base64"),
      "ca.crt": caBundle,
    });
    const ingress = JSON.parse(data(one("ConfigMap", "inferenceservice-config", "kserve")).ingress ?? "");
    expect(ingress).toMatchObject({ disableIstioVirtualHost: true, enableGatewayApi: true });
    expect(ingress.kserveIngressGateway).toBe(`${GATEWAY.namespace}/${GATEWAY.external.gateway}`);
    const isvcConfig = data(one("ConfigMap", "inferenceservice-config", "kserve"));
    expect(JSON.parse(isvcConfig.deploy ?? "")).toEqual({ defaultDeploymentMode: "Serverless" });
    expect(JSON.parse(isvcConfig.inferenceService ?? "").resource).toMatchObject({
      cpuRequest: "100m",
      memoryRequest: "256Mi",
      cpuLimit: "1",
    });
  });

  it("serve sklearn with the runtime build.sh makes, from the claim the base registry's storage URIs name", () => {
    const runtime = one("ClusterServingRuntime", SKLEARN_RUNTIME);
    expect(runtime.spec).toMatchObject({
      supportedModelFormats: [{ name: "sklearn", autoSelect: true }],
      protocolVersions: ["v1", "v2"],
    });
    expect(containersOf(runtime).map((c) => c.image)).toEqual([platformImage("sklearn-runtime")]);
    const claim = one("PersistentVolumeClaim", MODEL_STORE_CLAIM, MODEL_NAMESPACE);
    const volume = one("PersistentVolume", (claim.spec as { volumeName: string }).volumeName);
    expect(volume.spec).toMatchObject({
      hostPath: { path: "/state/model-store" },
      claimRef: { namespace: MODEL_NAMESPACE, name: MODEL_STORE_CLAIM },
      accessModes: (claim.spec as { accessModes: string[] }).accessModes,
    });
    const registry = JSON.parse(readFileSync(new URL("../../knative/base/registry.json", import.meta.url), "utf8")) as {
      versions: { storageUri: string; modelFormat: { name: string } }[];
    }[];
    for (const version of registry.flatMap((entry) => entry.versions)) {
      expect(version.storageUri).toMatch(new RegExp(`^pvc://${MODEL_STORE_CLAIM}/`));
      expect(version.modelFormat.name).toBe("sklearn");
    }
  });

  it("apply webhook configurations after the ConfigMaps they could refuse, and wait for what exists", () => {
    for (const stage of stages) {
      const kinds = stage.objects.map((o) => o.kind);
      const firstWebhook = kinds.findIndex((kind) => kind.endsWith("WebhookConfiguration"));
      if (firstWebhook !== -1)
        expect(kinds.slice(firstWebhook).every((k) => k.endsWith("WebhookConfiguration"))).toBe(true);
      for (const wait of stage.waitFor) {
        const targets = stage.objects.filter(
          (o) =>
            o.kind === wait.kind &&
            o.metadata.namespace === wait.namespace &&
            (wait.name === undefined || o.metadata.name === wait.name),
        );
        expect(targets.length, `${stage.name}: ${JSON.stringify(wait)}`).toBeGreaterThan(0);
      }
    }
  });
});
