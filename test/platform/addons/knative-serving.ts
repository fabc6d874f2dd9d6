import { join } from "node:path";
import type { KubeObject } from "../../knative/manifests.ts";
import { MODELGATE_HOST } from "../topology.ts";
import { resolveKoReferences, setPullPolicy } from "./images.ts";
import { moduleDir, pinned, readManifestDir, requiredVersion } from "./module-source.ts";
import { setConfigMapData, splitCrds, without } from "./objects.ts";

/**
 * Knative Serving from its module's config/core, plus what that module's zip lacks because the repo holds them
 * as symlinks into vendor/: the networking CRDs (Certificate, Ingress, ServerlessService, ClusterDomainClaim)
 * and the config-network ConfigMap from knative.dev/networking's config/, and the caching Image CRD from
 * knative.dev/caching's config/, both at the versions serving's go.mod requires.
 *
 * Left out: the HorizontalPodAutoscalers of the activator and webhook (no metrics API runs here, the HPA
 * controller would only log errors) and the system-internal-TLS Certificate `routing-serving-certs` (its class
 * is cert-manager's; nothing here reconciles it, and system-internal-tls is off). config/post-install (the
 * default-domain Job, storage migration) and config/hpa-autoscaling are not read at all.
 *
 * config-deployment's `progress-deadline` is 120 s (upstream: 600 s): a revision whose container keeps
 * crashing is reported failed only once the deadline passes (Knative does not reconcile a revision on pod
 * restarts), and the lifecycle suite reads that failure back. Pods here are Ready within seconds.
 */

export const SERVING_MODULE = "knative.dev/serving";
export const SERVING_NAMESPACE = "knative-serving";
/** Knative's domain for external URLs (`<svc>.<ns>.platform.test`); only cluster-local names are used. */
export const PLATFORM_DOMAIN = MODELGATE_HOST.slice(MODELGATE_HOST.indexOf(".") + 1);
/** net-gateway-api's KIngress class. */
export const GATEWAY_API_INGRESS_CLASS = "gateway-api.ingress.networking.knative.dev";
/**
 * Registries whose tags the controller does not resolve to digests. Setting the key replaces Knative's default
 * (pkg/deployment/config.go: kind.local, ko.local, dev.local), so the default is restated: dev.local is where
 * every image here lives, and there is no registry to ask.
 */
export const REGISTRIES_SKIPPING_TAG_RESOLVING = "kind.local,ko.local,dev.local";

export interface AutoscalerOptions {
  stableWindow: string;
  scaleToZeroGracePeriod: string;
  scaleToZeroPodRetentionPeriod: string;
}

export async function knativeServing(
  options: { autoscaler?: AutoscalerOptions } = {},
): Promise<{ crds: KubeObject[]; objects: KubeObject[] }> {
  const serving = await moduleDir(SERVING_MODULE, pinned("KNATIVE_SERVING_VERSION"));
  const networking = await moduleDir(
    "knative.dev/networking",
    await requiredVersion(serving, "knative.dev/networking"),
  );
  const caching = await moduleDir("knative.dev/caching", await requiredVersion(serving, "knative.dev/caching"));
  const all = without(
    [
      ...(await readManifestDir(join(serving, "config", "core"))),
      ...(await readManifestDir(join(networking, "config"))),
      ...(await readManifestDir(join(caching, "config"))),
    ],
    [{ kind: "HorizontalPodAutoscaler" }, { kind: "Certificate", name: "routing-serving-certs" }],
  );
  resolveKoReferences(all);
  setPullPolicy(all, "IfNotPresent");

  setConfigMapData(all, "config-network", { "ingress-class": GATEWAY_API_INGRESS_CLASS });
  setConfigMapData(all, "config-domain", { [PLATFORM_DOMAIN]: "" });
  setConfigMapData(all, "config-deployment", {
    "registries-skipping-tag-resolving": REGISTRIES_SKIPPING_TAG_RESOLVING,
    "progress-deadline": "120s",
  });
  if (options.autoscaler) {
    setConfigMapData(all, "config-autoscaler", {
      "stable-window": options.autoscaler.stableWindow,
      "scale-to-zero-grace-period": options.autoscaler.scaleToZeroGracePeriod,
      "scale-to-zero-pod-retention-period": options.autoscaler.scaleToZeroPodRetentionPeriod,
    });
  }
  return splitCrds(all);
}
