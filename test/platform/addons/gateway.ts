import { join } from "node:path";
import type { KubeObject } from "../../knative/manifests.ts";
import { GATEWAY } from "../topology.ts";
import { moduleDir, pinned, readManifestDir, requiredVersion } from "./module-source.ts";

/**
 * The Gateway API: its CRDs at the version Traefik (the implementation) is built against, read from that
 * module's config/crd/standard, and the GatewayClass and the two Gateways Knative's net-gateway-api uses.
 * Each Gateway has one HTTP listener whose port is a Traefik entryPoint's port: Traefik binds a listener to
 * the entryPoint whose address ends in `:<port>` (pkg/provider/kubernetes/gateway, entryPointName), and a
 * listener without one is not programmed.
 */

export const TRAEFIK_MODULE = "github.com/traefik/traefik/v3";
const GATEWAY_API = "sigs.k8s.io/gateway-api";

/** The Gateway API standard-channel CRDs of the version Traefik's go.mod requires. */
export async function gatewayApiCrds(): Promise<KubeObject[]> {
  const traefik = await moduleDir(TRAEFIK_MODULE, pinned("TRAEFIK_VERSION"));
  const dir = await moduleDir(GATEWAY_API, await requiredVersion(traefik, GATEWAY_API));
  return readManifestDir(join(dir, "config", "crd", "standard"));
}

/** The GatewayClass Traefik's controller claims, and the external and cluster-local Gateways. */
export function gateways(): KubeObject[] {
  const gateway = (listener: (typeof GATEWAY)["external" | "local"]): KubeObject => ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: listener.gateway, namespace: GATEWAY.namespace },
    spec: {
      gatewayClassName: GATEWAY.className,
      listeners: [
        { name: "http", protocol: "HTTP", port: listener.port, allowedRoutes: { namespaces: { from: "All" } } },
      ],
    },
  });
  return [
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: GATEWAY.className },
      spec: { controllerName: GATEWAY.controllerName },
    },
    gateway(GATEWAY.external),
    gateway(GATEWAY.local),
  ];
}
