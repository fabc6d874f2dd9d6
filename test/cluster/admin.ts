import { KubeConfig } from "@kubernetes/client-node";
import {
  type AdminTarget,
  adminConnection,
  type KubeRequestOptions,
  type KubeResponse,
  kubeRequest,
  statusMessage,
} from "./kube-request.ts";

export type { AdminTarget, KubeResponse } from "./kube-request.ts";

/** A client-node `KubeConfig` for the control plane's admin (token in `system:masters`, CA pinned). */
export function adminKubeConfig(cp: AdminTarget): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    {
      name: "modelgate-test",
      server: cp.server,
      caData: Buffer.from(cp.caPem).toString("base64"),
      skipTLSVerify: false,
    },
    { name: "admin", token: cp.adminToken },
  );
  return kc;
}

/**
 * Any request as the admin, e.g. `adminRequest(cp, "PATCH", ".../inferenceservices/x/status", { status })`
 * (PATCH bodies default to merge patch). Never throws on an HTTP status.
 */
export function adminRequest(
  cp: AdminTarget,
  method: string,
  path: string,
  body?: unknown,
  options?: KubeRequestOptions,
): Promise<KubeResponse> {
  return kubeRequest(adminConnection(cp), method, path, body, options);
}

function expect(res: KubeResponse, ok: readonly number[], what: string): void {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status}: ${statusMessage(res)}`);
}

/** Creates namespace `name` unless it exists. */
export async function ensureNamespace(cp: AdminTarget, name: string): Promise<void> {
  const res = await adminRequest(cp, "POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name },
  });
  expect(res, [201, 409], `creating namespace ${name}`);
}

/** Creates ServiceAccount `ns/name` (throws if it exists) and resolves to its UID. */
export async function createServiceAccount(cp: AdminTarget, ns: string, name: string): Promise<{ uid: string }> {
  const res = await adminRequest(cp, "POST", `/api/v1/namespaces/${ns}/serviceaccounts`, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name, namespace: ns },
  });
  expect(res, [201], `creating service account ${ns}/${name}`);
  const body = res.body as { metadata?: { uid?: unknown } };
  if (typeof body.metadata?.uid !== "string") throw new Error(`service account ${ns}/${name}: no uid in answer`);
  return { uid: body.metadata.uid };
}

/**
 * Mints a token for ServiceAccount `ns/sa` (TokenRequest). Without `audiences` the token is for the
 * API server's own audience (its issuer), which is what a TokenReview naming no audiences checks.
 */
export async function requestToken(
  cp: AdminTarget,
  ns: string,
  sa: string,
  options: { audiences?: string[]; expirationSeconds?: number } = {},
): Promise<string> {
  const res = await adminRequest(cp, "POST", `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { audiences: options.audiences ?? [], expirationSeconds: options.expirationSeconds ?? 3600 },
  });
  expect(res, [201], `requesting a token for ${ns}/${sa}`);
  const token = (res.body as { status?: { token?: unknown } }).status?.token;
  if (typeof token !== "string") throw new Error(`token request for ${ns}/${sa}: no status.token in answer`);
  return token;
}

/** An RBAC object as written in a manifest. */
export interface RbacObject {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding";
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: {
    apiGroups?: string[];
    resources?: string[];
    verbs: string[];
    resourceNames?: string[];
    nonResourceURLs?: string[];
  }[];
  roleRef?: { apiGroup: string; kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string; apiGroup?: string }[];
  aggregationRule?: unknown;
}

const plural: Record<RbacObject["kind"], string> = {
  Role: "roles",
  RoleBinding: "rolebindings",
  ClusterRole: "clusterroles",
  ClusterRoleBinding: "clusterrolebindings",
};

/** Creates or updates each object in order (server-side apply, field manager `modelgate-test`). */
export async function applyRbac(cp: AdminTarget, objects: readonly RbacObject[]): Promise<void> {
  for (const obj of objects) {
    const { kind, metadata } = obj;
    const namespaced = kind === "Role" || kind === "RoleBinding";
    if (namespaced && metadata.namespace === undefined) throw new Error(`${kind} ${metadata.name}: no namespace`);
    const scope = namespaced ? `namespaces/${metadata.namespace}/` : "";
    const path = `/apis/rbac.authorization.k8s.io/v1/${scope}${plural[kind]}/${metadata.name}?fieldManager=modelgate-test&force=true`;
    const res = await adminRequest(cp, "PATCH", path, obj, { contentType: "application/apply-patch+yaml" });
    expect(res, [200, 201], `applying ${kind} ${metadata.namespace ?? ""}/${metadata.name}`);
  }
}
