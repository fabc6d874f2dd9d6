import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The platform's fixed layout: names and addresses inside its own network namespace (nothing here is ever
 * an address of this machine's own network), the Gateway's names, and the names of the images build.sh makes.
 */

/** The one node. */
export const NODE_NAME = "modelgate-node";
/** The node's address, on a veth pair that lives wholly inside the platform's network namespace. */
export const NODE_IP = "10.201.0.2";
/** The other end of that pair (the node's default route points at it, so Service IPs have a route). */
export const NODE_PEER_IP = "10.201.0.1";
export const NODE_PREFIX = 24;
/** Pod addresses (CNI bridge with host-local IPAM). */
export const POD_CIDR = "10.202.0.0/16";
/** Service ClusterIPs. */
export const SERVICE_CIDR = "10.203.0.0/16";
/** The `kubernetes` Service. */
export const KUBERNETES_SERVICE_IP = "10.203.0.1";
/** Cluster DNS (CoreDNS). */
export const DNS_SERVICE_IP = "10.203.0.10";
export const CLUSTER_DOMAIN = "cluster.local";
/** The API server's port on the node. */
export const API_SERVER_PORT = 6443;

/** Traefik, the Gateway API implementation: its namespace, GatewayClass and the two Gateways Knative uses. */
export const GATEWAY = {
  namespace: "traefik",
  className: "traefik",
  controllerName: "traefik.io/gateway-controller",
  /** The Gateway for traffic from outside the cluster (modelgate's HTTPRoute attaches to it). */
  external: {
    gateway: "knative-external",
    service: "traefik-external",
    serviceIp: "10.203.0.80",
    /** Traefik entryPoint (container port) of its listener; the Service listens on port 80. */
    port: 8000,
  },
  /** The Gateway for cluster-local Knative Services (`*.svc.cluster.local`). */
  local: {
    gateway: "knative-local",
    service: "traefik-local",
    serviceIp: "10.203.0.81",
    port: 8081,
  },
} as const;

/** Eventing's broker ingress Service (every MT Broker's address is a path on it): fixed, for the port bridge. */
export const BROKER_INGRESS_IP = "10.203.0.82";

/** The host modelgate's HTTPRoute answers on in the test overlay (a user sets their own). */
export const MODELGATE_HOST = "modelgate.platform.test";

function readVersions(): Record<string, string> {
  const text = readFileSync(fileURLToPath(new URL("./versions.sh", import.meta.url)), "utf8");
  const versions: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Z0-9_]+)=(\S+)$/.exec(line.trim());
    if (match?.[1] && match[2]) versions[match[1]] = match[2];
  }
  return versions;
}

/** The pinned versions of versions.sh (the one place they are written). */
export const VERSIONS = readVersions();

/** The image build.sh makes for component `name` (e.g. `serving-controller`). */
export function platformImage(name: string): string {
  return `dev.local/platform/${name}:${VERSIONS.PLATFORM_KEY}`;
}
