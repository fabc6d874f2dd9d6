import { join } from "node:path";
import { isRecord, type KubeObject } from "../../knative/manifests.ts";
import { CLUSTER_DOMAIN, GATEWAY } from "../topology.ts";
import { resolveKoReferences, setPullPolicy } from "./images.ts";
import { PLATFORM_DOMAIN } from "./knative-serving.ts";
import { kustomizationResources, moduleDir, pinned } from "./module-source.ts";
import { configMapData, containersOf, find, splitCrds } from "./objects.ts";

/**
 * The KServe 0.15 controller (cmd/manager) from its module's config/, rendered without kustomize. What
 * config/default's kustomization does and how it is reproduced here:
 * - `namespace: kserve`: set on every namespaced object and on the ServiceAccount subjects of role bindings;
 * - `replacements` of `$(webhookServiceName)` / `$(kserveNamespace)` in the webhook configurations: resolved to
 *   the webhook Service's name and namespace;
 * - cert-manager (config/certmanager, the `inject-ca-from` patches): replaced by a Secret of the certificate the
 *   harness makes (options.kserveWebhook) and `caBundle` written into every webhook;
 * - the kube-rbac-proxy patch (a sidecar, its Service and roles): left out, the manager keeps its own args;
 * - config/localmodels and config/localmodelnodes (and their RBAC): left out, localModel stays disabled;
 * - the CRD protocol patch targets apiextensions v1beta1 CRDs, of which there are none: nothing to do.
 * The manager's image is the local kserve-manager build; its `command: /manager` is dropped (the image's
 * entrypoint is the binary). config/runtimes (ClusterServingRuntimes of public images) is not installed.
 */

export const KSERVE_MODULE = "github.com/kserve/kserve";
export const KSERVE_NAMESPACE = "kserve";
const WEBHOOK_SERVICE = "kserve-webhook-server-service";
/** The Secret the manager Deployment mounts at controller-runtime's default cert dir. */
const WEBHOOK_SECRET = "kserve-webhook-server-cert";

/** The names the KServe webhook's serving certificate must hold (the API server dials `<svc>.<ns>.svc`). */
export const KSERVE_WEBHOOK_DNS_NAMES = [
  `${WEBHOOK_SERVICE}.${KSERVE_NAMESPACE}.svc`,
  `${WEBHOOK_SERVICE}.${KSERVE_NAMESPACE}.svc.${CLUSTER_DOMAIN}`,
];

export interface KserveWebhookCert {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const CLUSTER_SCOPED = [
  "Namespace",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
];

/** The rbac/ files left out: the kube-rbac-proxy's and the local-model components'. */
const LEFT_OUT_RBAC = /^(auth_proxy_|localmodel\/|localmodelnode\/)/;

/** Default requests of a predictor that sets none (upstream: cpu 1, memory 2Gi). */
export const INFERENCE_SERVICE_DEFAULT_REQUESTS = { cpuRequest: "100m", memoryRequest: "256Mi" };

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

export async function kserve(webhook: KserveWebhookCert): Promise<{ crds: KubeObject[]; objects: KubeObject[] }> {
  const config = join(await moduleDir(KSERVE_MODULE, pinned("KSERVE_VERSION")), "config");
  const read = async (dir: string) => (await kustomizationResources(join(config, dir))).map(({ object }) => object);
  const rbac = (await kustomizationResources(join(config, "rbac")))
    .filter(({ file }) => !LEFT_OUT_RBAC.test(file))
    .map(({ object }) => object);
  const all = [
    ...(await read("crd")),
    ...(await read("configmap")),
    ...rbac,
    // manager/service.yaml also holds the kube-rbac-proxy's Service (it targets the sidecar's port).
    ...(await read("manager")).filter((o) => o.metadata.name !== "kserve-controller-manager-service"),
    ...(await read("webhook")),
  ];
  for (const object of all) inNamespace(object);

  resolveKoReferences(all);
  setPullPolicy(all, "IfNotPresent");
  const manager = find(all, "Deployment", "kserve-controller-manager");
  for (const container of containersOf(manager)) delete container.command;

  all.push({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: WEBHOOK_SECRET, namespace: KSERVE_NAMESPACE },
    type: "kubernetes.io/tls",
    data: { "tls.crt": base64(webhook.certPem), "tls.key": base64(webhook.keyPem), "ca.crt": base64(webhook.caPem) },
  });
  for (const object of all) resolveWebhooks(object, base64(webhook.caPem));
  configureInferenceServices(configMapData(find(all, "ConfigMap", "inferenceservice-config")));
  return splitCrds(all);
}

/** What kustomize's `namespace: kserve` does to `object`. */
function inNamespace(object: KubeObject): void {
  if (!CLUSTER_SCOPED.includes(object.kind)) object.metadata.namespace = KSERVE_NAMESPACE;
  if ((object.kind === "ClusterRoleBinding" || object.kind === "RoleBinding") && Array.isArray(object.subjects)) {
    for (const subject of object.subjects)
      if (isRecord(subject) && subject.kind === "ServiceAccount") subject.namespace = KSERVE_NAMESPACE;
  }
}

/** Webhook configurations: the kustomize vars resolved, the harness's CA as `caBundle`. */
function resolveWebhooks(object: KubeObject, caBundle: string): void {
  if (object.kind !== "MutatingWebhookConfiguration" && object.kind !== "ValidatingWebhookConfiguration") return;
  const metadata: Record<string, unknown> = object.metadata;
  delete metadata.creationTimestamp;
  for (const webhook of Array.isArray(object.webhooks) ? object.webhooks : []) {
    const service = isRecord(webhook) && isRecord(webhook.clientConfig) ? webhook.clientConfig.service : undefined;
    if (!isRecord(webhook) || !isRecord(webhook.clientConfig) || !isRecord(service))
      throw new Error(`${object.kind} ${object.metadata.name}: a webhook without clientConfig.service`);
    if (service.name !== "$(webhookServiceName)" || service.namespace !== "$(kserveNamespace)")
      throw new Error(`${object.kind} ${object.metadata.name}: unexpected service ${JSON.stringify(service)}`);
    service.name = WEBHOOK_SERVICE;
    service.namespace = KSERVE_NAMESPACE;
    webhook.clientConfig.caBundle = caBundle;
  }
}

/**
 * inferenceservice-config without Istio (pkg/apis/serving/v1beta1/configmap.go, IngressConfig):
 * - `disableIstioVirtualHost: true`: in Serverless mode KServe otherwise makes an Istio VirtualService per
 *   InferenceService (there is no such CRD: every reconcile would fail); with it, the predictor's Knative Service
 *   and its KIngress (net-gateway-api on Traefik) are the routing, and status.url / status.address are the
 *   predictor's own URLs;
 * - `enableGatewayApi: true` with `kserveIngressGateway` = Traefik's external Gateway: RawDeployment
 *   InferenceServices get an HTTPRoute on it (without it, a networking.k8s.io Ingress nothing here serves);
 * - the Istio-only gateway fields (ingressGateway is still required to be non-empty) and ingressClassName
 *   (read only for those Ingresses) name Traefik's Gateways and class, so nothing points at Istio;
 * - ingressDomain: the platform's domain, for RawDeployment hosts.
 * - inferenceService.resource: the requests a predictor without its own get, lowered from 1 CPU / 2Gi (the node
 *   has 2 cores, of which the platform's own pods request about 1.4); the limits stay upstream's.
 * `deploy.defaultDeploymentMode` stays Serverless. The storage-initializer, agent, router and explainer
 * images stay upstream's names (not built here): a storageUri or logger/batcher needs them.
 */
function configureInferenceServices(data: Record<string, string>): void {
  const ingress: unknown = JSON.parse(data.ingress ?? "{}");
  if (!isRecord(ingress)) throw new Error("inferenceservice-config: ingress is not a JSON object");
  const external = `${GATEWAY.namespace}/${GATEWAY.external.gateway}`;
  Object.assign(ingress, {
    enableGatewayApi: true,
    kserveIngressGateway: external,
    ingressGateway: external,
    localGateway: `${GATEWAY.namespace}/${GATEWAY.local.gateway}`,
    localGatewayService: `${GATEWAY.local.service}.${GATEWAY.namespace}.svc.${CLUSTER_DOMAIN}`,
    ingressClassName: GATEWAY.className,
    ingressDomain: PLATFORM_DOMAIN,
    disableIstioVirtualHost: true,
  });
  data.ingress = JSON.stringify(ingress, null, 2);
  const isvcDefaults: unknown = JSON.parse(data.inferenceService ?? "{}");
  if (!isRecord(isvcDefaults) || !isRecord(isvcDefaults.resource))
    throw new Error("inferenceservice-config: inferenceService.resource is not a JSON object");
  Object.assign(isvcDefaults.resource, INFERENCE_SERVICE_DEFAULT_REQUESTS);
  data.inferenceService = JSON.stringify(isvcDefaults, null, 2);
  const deploy: unknown = JSON.parse(data.deploy ?? "{}");
  if (!isRecord(deploy) || deploy.defaultDeploymentMode !== "Serverless")
    throw new Error("inferenceservice-config: upstream's default deployment mode is no longer Serverless");
}
