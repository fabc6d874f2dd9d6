import { join } from "node:path";
import { stringify } from "yaml";
import type { KubeObject } from "../../knative/manifests.ts";
import { GATEWAY } from "../topology.ts";
import { resolveKoReferences, setPullPolicy } from "./images.ts";
import { moduleDir, pinned, readManifestDir } from "./module-source.ts";
import { setConfigMapData } from "./objects.ts";

/**
 * Knative's KIngress for the Gateway API (net-gateway-api), from its module's config/: controller, webhook, their
 * roles and config-gateway. config-gateway names Traefik's Gateways and, for each, the Service in front of its
 * pods: with `service` set, the controller probes that Service's endpoints (the port named "http") instead of
 * needing an address in the Gateway's status (pkg/reconciler/ingress/lister.go).
 */

export const NET_GATEWAY_API_MODULE = "knative.dev/net-gateway-api";

/**
 * One entry of config-gateway's `external-gateways` / `local-gateways` lists, as pkg/reconciler/ingress/config
 * parses it (exactly one entry each). `supported-features` stays empty: the only one net-gateway-api reads is
 * HTTPRouteRequestTimeout (it then sets a 0s request timeout on every rule), which Traefik 3.6 does not
 * implement (pkg/provider/kubernetes/gateway/features.go).
 */
export function gatewayEntries(listener: (typeof GATEWAY)["external" | "local"]): string {
  return stringify([
    {
      class: GATEWAY.className,
      gateway: `${GATEWAY.namespace}/${listener.gateway}`,
      service: `${GATEWAY.namespace}/${listener.service}`,
      "supported-features": [],
    },
  ]);
}

export async function netGatewayApi(): Promise<KubeObject[]> {
  const dir = await moduleDir(NET_GATEWAY_API_MODULE, pinned("NET_GATEWAY_API_VERSION"));
  const objects = await readManifestDir(join(dir, "config"));
  resolveKoReferences(objects);
  setPullPolicy(objects, "IfNotPresent");
  setConfigMapData(objects, "config-gateway", {
    "external-gateways": gatewayEntries(GATEWAY.external),
    "local-gateways": gatewayEntries(GATEWAY.local),
  });
  return objects;
}
