import type { KubeObject } from "../../knative/manifests.ts";
import { GATEWAY } from "../topology.ts";
import { coreDns } from "./coredns.ts";
import { gatewayApiCrds, gateways } from "./gateway.ts";
import { EVENTING_NAMESPACE, knativeEventing } from "./knative-eventing.ts";
import { type AutoscalerOptions, knativeServing, SERVING_NAMESPACE } from "./knative-serving.ts";
import { KSERVE_NAMESPACE, KSERVE_WEBHOOK_DNS_NAMES, type KserveWebhookCert, kserve } from "./kserve.ts";
import { modelStore, sklearnRuntime } from "./model-serving.ts";
import { netGatewayApi } from "./net-gateway-api.ts";
import { capCpuRequests, inApplyOrder } from "./objects.ts";
import { traefik } from "./traefik.ts";

/**
 * The platform's add-ons as install stages, built from the Go modules build.sh builds (their own config/, read
 * at run time) and a few manifests of our own (CoreDNS, Traefik, the Gateways). Pure: nothing is applied here.
 * The harness applies each stage with `kubectl apply --server-side --force-conflicts`, in order, and waits for
 * what it names before the next; objects within a stage are in apply order (webhook configurations last).
 */

export { KSERVE_WEBHOOK_DNS_NAMES };

/**
 * The most CPU (millicores) any platform container requests: upstream's requests add up to more than 1.4 of
 * the node's 2 CPUs, and the models the lifecycle suites deploy need the room (docs/adr/0006).
 */
export const PLATFORM_CPU_REQUEST = 25;

export interface AddonStage {
  name: string;
  objects: KubeObject[];
  /** Wait until these are Available/Ready after applying (no name: every one in the namespace). */
  waitFor: { kind: "Deployment" | "DaemonSet"; namespace: string; name?: string }[];
  /** CRDs in this stage: wait until Established before later stages. */
}

export interface AddonOptions {
  /** PEM of a CA and a serving cert/key it signed for the KServe webhook's DNS names (KSERVE_WEBHOOK_DNS_NAMES). */
  kserveWebhook: KserveWebhookCert;
  /** Knative's config-autoscaler timings (upstream's defaults when not given). */
  autoscaler?: AutoscalerOptions;
  /** The node directory the model store's PersistentVolume is on (`<model>/<version>/model.joblib`). */
  modelStorePath: string;
}

/**
 * Install order and why:
 * 1. crds: every CRD first, so that each later stage's custom objects (GatewayClass, Gateways, the caching Image)
 *    apply, and so that KServe's manager, which looks for the Knative Service CRD once at start, finds it;
 * 2. coredns: pods need names from the start (Knative's activator, Eventing's OIDC discovery);
 * 3. gateway: Traefik and its Gateways, before net-gateway-api reconciles anything onto them;
 * 4. knative-serving, then 5. net-gateway-api (its controller runs as Serving's `controller` account and reads
 *    Serving's ConfigMaps);
 * 6. knative-eventing: its webhook then intercepts Deployments in every namespace not labelled
 *    `bindings.knative.dev/exclude` (SinkBinding, selection mode exclusion), so it must be up before later stages;
 * 7. kserve: its manager needs the Knative Service CRD and serves the InferenceService webhooks;
 * 8. model-serving: the sklearn ClusterServingRuntime and the model store a registry version's storage URI names.
 */
export async function platformAddons(options: AddonOptions): Promise<AddonStage[]> {
  const [gatewayCrds, traefikObjects, serving, netGateway, eventing, kserveParts] = await Promise.all([
    gatewayApiCrds(),
    traefik(),
    knativeServing(options.autoscaler ? { autoscaler: options.autoscaler } : {}),
    netGatewayApi(),
    knativeEventing(),
    kserve(options.kserveWebhook),
  ]);
  const stage = (name: string, objects: KubeObject[], waitFor: AddonStage["waitFor"]): AddonStage => {
    capCpuRequests(objects, PLATFORM_CPU_REQUEST);
    return { name, objects: inApplyOrder(objects), waitFor };
  };
  return [
    stage("crds", [...gatewayCrds, ...serving.crds, ...eventing.crds, ...kserveParts.crds], []),
    stage("coredns", coreDns(), [{ kind: "Deployment", namespace: "kube-system", name: "coredns" }]),
    stage(
      "gateway",
      [...traefikObjects, ...gateways()],
      [{ kind: "Deployment", namespace: GATEWAY.namespace, name: "traefik" }],
    ),
    stage("knative-serving", serving.objects, [{ kind: "Deployment", namespace: SERVING_NAMESPACE }]),
    stage("net-gateway-api", netGateway, [
      { kind: "Deployment", namespace: SERVING_NAMESPACE, name: "net-gateway-api-controller" },
      { kind: "Deployment", namespace: SERVING_NAMESPACE, name: "net-gateway-api-webhook" },
    ]),
    stage("knative-eventing", eventing.objects, [{ kind: "Deployment", namespace: EVENTING_NAMESPACE }]),
    stage("kserve", kserveParts.objects, [
      { kind: "Deployment", namespace: KSERVE_NAMESPACE, name: "kserve-controller-manager" },
    ]),
    stage("model-serving", [sklearnRuntime(), ...modelStore(options.modelStorePath)], []),
  ];
}
