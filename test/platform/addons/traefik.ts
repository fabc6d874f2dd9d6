import { join } from "node:path";
import type { KubeObject } from "../../knative/manifests.ts";
import { GATEWAY, platformImage } from "../topology.ts";
import { TRAEFIK_MODULE } from "./gateway.ts";
import { moduleDir, pinned, readManifestFile } from "./module-source.ts";
import { find } from "./objects.ts";

/**
 * Traefik as the Gateway API implementation (its kubernetesgateway provider), one pod serving both Gateways:
 * entryPoint `web` for the external Gateway and `local` for the cluster-local one, each on the port of its
 * Gateway's listener, behind a Service with a fixed ClusterIP (port 80, as Knative's probes and clients use).
 * Its RBAC is the ClusterRole of Traefik's own documentation, read from the module at run time.
 */

const NAME = "traefik";
const labels = { "app.kubernetes.io/name": "traefik" };
/** Traefik's internal entryPoint (created for `--ping`), where /ping answers. */
export const TRAEFIK_PING_PORT = 8080;

/** The entryPoints: name → container port. The Gateways' listener ports must be among them. */
export const TRAEFIK_ENTRYPOINTS = { web: GATEWAY.external.port, local: GATEWAY.local.port } as const;

/** Traefik's command line: the Gateway API provider (all namespaces: no `namespaces` set) and the entryPoints. */
export function traefikArgs(): string[] {
  return [
    "--providers.kubernetesgateway=true",
    ...Object.entries(TRAEFIK_ENTRYPOINTS).map(([name, port]) => `--entryPoints.${name}.address=:${port}`),
    "--ping=true",
    "--log.level=INFO",
    // Nothing outside exists: no update check, no usage report.
    "--global.checkNewVersion=false",
    "--global.sendAnonymousUsage=false",
  ];
}

export async function traefik(): Promise<KubeObject[]> {
  const dir = await moduleDir(TRAEFIK_MODULE, pinned("TRAEFIK_VERSION"));
  const rbacFile = join(dir, "docs/content/reference/dynamic-configuration/kubernetes-gateway-rbac.yml");
  const docRole = find(await readManifestFile(rbacFile), "ClusterRole", "gateway-role");
  const namespace = GATEWAY.namespace;
  const service = (listener: (typeof GATEWAY)["external" | "local"]): KubeObject => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: listener.service, namespace, labels },
    spec: {
      clusterIP: listener.serviceIp,
      selector: labels,
      // net-gateway-api probes the endpoint port of the port named "http".
      ports: [{ name: "http", port: 80, targetPort: listener.port, protocol: "TCP" }],
    },
  });
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: NAME, namespace, labels } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "traefik-gateway-controller", labels },
      rules: docRole.rules,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "traefik-gateway-controller", labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "traefik-gateway-controller" },
      subjects: [{ kind: "ServiceAccount", name: NAME, namespace }],
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: NAME, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: NAME,
            containers: [
              {
                name: "traefik",
                image: platformImage("traefik"),
                imagePullPolicy: "Never",
                args: traefikArgs(),
                ports: [
                  ...Object.entries(TRAEFIK_ENTRYPOINTS).map(([name, port]) => ({ name, containerPort: port })),
                  { name: "traefik", containerPort: TRAEFIK_PING_PORT },
                ],
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                securityContext: {
                  runAsNonRoot: true,
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                  seccompProfile: { type: "RuntimeDefault" },
                },
                readinessProbe: { httpGet: { path: "/ping", port: TRAEFIK_PING_PORT }, periodSeconds: 2 },
                livenessProbe: {
                  httpGet: { path: "/ping", port: TRAEFIK_PING_PORT },
                  initialDelaySeconds: 10,
                  periodSeconds: 10,
                },
              },
            ],
          },
        },
      },
    },
    service(GATEWAY.external),
    service(GATEWAY.local),
  ];
}
