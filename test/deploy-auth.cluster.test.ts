import { createSign, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@modelgate/config";
import { createLogger } from "@modelgate/http";
import { kubeConnection } from "@modelgate/kube";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../functions/deploy/src/app.ts";
import { createAuthorizer } from "../functions/deploy/src/auth/create-authorizer.ts";
import { KubernetesAuthorizer } from "../functions/deploy/src/auth/kubernetes-authorizer.ts";
import {
  type AdminTarget,
  adminRequest,
  applyRbac,
  createServiceAccount,
  ensureNamespace,
  type RbacObject,
  requestToken,
} from "./cluster/admin.ts";
import { type ControlPlane, installCrds, listSharedCrdFiles, startControlPlane } from "./cluster/control-plane.ts";

/**
 * Authorization (docs/SECURITY.md, docs/API.md "Deploy") proven through the deploy function's own routes and CloudEvents,
 * against the real kube-apiserver v1.34.3, with the real `createAuthorizer` (MODELGATE_AUTH=kubernetes).
 * The deploy function's identity is a ServiceAccount holding exactly the RBAC of knative/ (InferenceService
 * verbs in each allowed namespace, `system:auth-delegator`), never the admin. Callers: `alice`, who may
 * manage InferenceServices in namespace A only, and `bob`, bound to nothing; A and B are both allowed.
 */

const cluster = inject("cluster");
const run = randomBytes(3).toString("hex");
const nsA = `da-a-${run}`;
const nsB = `da-b-${run}`;
const nsSys = `da-sys-${run}`;
const EVENTS_AUDIENCE = "modelgate-deploy";
const RESOURCE = "inferenceservices.serving.kserve.io";
const ALICE = `system:serviceaccount:${nsA}:alice`;
const REQUESTED_BY = "modelgate.dev/requested-by";
const WWW = 'Bearer realm="modelgate"';

const REGISTRY = (ns: string) =>
  JSON.stringify([
    {
      name: "scorer",
      service: "scorer-predictor",
      namespace: ns,
      type: "anomaly",
      versions: [{ name: "v1", storageUri: "s3://models/scorer/v1", modelFormat: { name: "sklearn" } }],
    },
  ]);

const ISVC = (ns: string, name = "") =>
  `/apis/serving.kserve.io/v1beta1/namespaces/${ns}/inferenceservices${name === "" ? "" : `/${name}`}`;

const rbac = "rbac.authorization.k8s.io/v1" as const;
const ISVC_VERBS = ["get", "list", "create", "patch", "delete"];

/** knative/base/rbac.yaml for the deploy ServiceAccount `sa` of `saNs`: a Role + RoleBinding per allowed namespace, and the auth-delegator binding. */
function deployIdentityRbac(saNs: string, sa: string, allowed: readonly string[], delegator: string): RbacObject[] {
  const subject = [{ kind: "ServiceAccount", name: sa, namespace: saNs }];
  return [
    ...allowed.flatMap((ns): RbacObject[] => [
      {
        apiVersion: rbac,
        kind: "Role",
        metadata: { name: "modelgate-deploy", namespace: ns },
        rules: [{ apiGroups: ["serving.kserve.io"], resources: ["inferenceservices"], verbs: ISVC_VERBS }],
      },
      {
        apiVersion: rbac,
        kind: "RoleBinding",
        metadata: { name: "modelgate-deploy", namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "modelgate-deploy" },
        subjects: subject,
      },
    ]),
    {
      apiVersion: rbac,
      kind: "ClusterRoleBinding",
      metadata: { name: delegator },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
      subjects: subject,
    },
  ];
}

/** A Role managing InferenceServices in `ns`, bound to the ServiceAccounts `names` of `saNs`. */
function managers(ns: string, saNs: string, names: readonly string[]): RbacObject[] {
  return [
    {
      apiVersion: rbac,
      kind: "Role",
      metadata: { name: "isvc-manager", namespace: ns },
      rules: [{ apiGroups: ["serving.kserve.io"], resources: ["inferenceservices"], verbs: ISVC_VERBS }],
    },
    {
      apiVersion: rbac,
      kind: "RoleBinding",
      metadata: { name: "isvc-managers", namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "isvc-manager" },
      subjects: names.map((name) => ({ kind: "ServiceAccount", name, namespace: saNs })),
    },
  ];
}

/** Writes a kubeconfig for `token` (the deploy ServiceAccount's TokenRequest token), CA pinned. */
async function writeKubeconfig(dir: string, target: AdminTarget, token: string): Promise<string> {
  const path = join(dir, `kubeconfig-${randomUUID()}`);
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: target.server, "certificate-authority-data": btoa(target.caPem) } }],
    users: [{ name: "modelgate-deploy", user: { token } }],
    contexts: [{ name: "deploy", context: { cluster: "c", user: "modelgate-deploy" } }],
    "current-context": "deploy",
  };
  await writeFile(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

/**
 * The deploy function as `createApp({ config, logger })` builds it (one connection for the reviews and the
 * InferenceService client), with the authorizer made the same way kept in hand to look at its caches.
 */
function makeApp(env: Record<string, string>) {
  const config = loadConfig({ LOG_LEVEL: "silent", KUBERNETES_IN_CLUSTER: "false", ...env });
  const logger = createLogger({ name: "deploy", level: "silent" });
  const connection = kubeConnection(config.kubernetes);
  const authorizer = createAuthorizer(config, connection, logger);
  return { app: createApp({ config, logger, connection, ...(authorizer ? { authorizer } : {}) }), authorizer };
}

type App = ReturnType<typeof makeApp>["app"];
type Answer = { status: number; headers: Headers; body: Record<string, unknown> & { error?: string } };

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? {} : (JSON.parse(text) as Answer["body"]) };
}

const bearer = (token: string | undefined): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };

async function deploy(app: App, token: string | undefined, body: Record<string, unknown>): Promise<Answer> {
  return answer(
    await app.request("/api/v1/deploy", {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(token) },
      body: JSON.stringify({ model: "scorer", ...body }),
    }),
  );
}

function event(mode: "binary" | "structured", type: string, data: unknown, token?: string): RequestInit {
  const id = randomUUID();
  if (mode === "binary") {
    return {
      method: "POST",
      headers: {
        "ce-specversion": "1.0",
        "ce-type": type,
        "ce-source": "/deploy-auth-suite",
        "ce-id": id,
        "content-type": "application/json",
        ...bearer(token),
      },
      body: JSON.stringify(data),
    };
  }
  return {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json; charset=utf-8", ...bearer(token) },
    body: JSON.stringify({ specversion: "1.0", type, source: "/deploy-auth-suite", id, data }),
  };
}

type Cr = { metadata?: { uid?: string; annotations?: Record<string, string> } };
async function storedCr(target: AdminTarget, ns: string, name: string): Promise<{ status: number; body: Cr }> {
  const res = await adminRequest(target, "GET", ISVC(ns, name));
  return { status: res.status, body: res.body as Cr };
}

/** Reviews the API server has answered so far (its `apiserver_request_total`, read as the admin). */
async function reviewsServed(target: AdminTarget): Promise<{ token: number; access: number }> {
  const res = await adminRequest(target, "GET", "/metrics");
  expect(res.status).toBe(200);
  const count = (resource: string) =>
    res.text
      .split("\n")
      .filter((line) => line.startsWith("apiserver_request_total{") && line.includes(`resource="${resource}"`))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
  return { token: count("tokenreviews"), access: count("subjectaccessreviews") };
}

/** Polls until the served reviews reach `expected` (metrics are recorded as answers go out). */
async function reviewsReach(
  target: AdminTarget,
  expected: { token: number; access: number },
): Promise<{ token: number; access: number }> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const now = await reviewsServed(target);
    if ((now.token >= expected.token && now.access >= expected.access) || Date.now() > deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An RS256 JWT shaped like alice's ServiceAccount token, signed by a key the cluster never saw. */
function forgedToken(sub: string): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: cluster.server, aud: [cluster.server], sub, iat: now, exp: now + 600 };
  const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}`;
  return `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(privateKey).toString("base64url")}`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const delegator = `modelgate-deploy-auth-delegator-${run}`;
let scratch: string;
let kubeconfig: string;
let app: App;
let authorizer: KubernetesAuthorizer;
let aliceToken: string;
let bobToken: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "modelgate-deploy-auth-"));
  for (const ns of [nsA, nsB, nsSys]) await ensureNamespace(cluster, ns);
  await createServiceAccount(cluster, nsSys, "modelgate-deploy");
  await applyRbac(cluster, deployIdentityRbac(nsSys, "modelgate-deploy", [nsA, nsB], delegator));
  kubeconfig = await writeKubeconfig(scratch, cluster, await requestToken(cluster, nsSys, "modelgate-deploy"));
  for (const sa of ["alice", "bob", "carol"]) await createServiceAccount(cluster, nsA, sa);
  await applyRbac(cluster, managers(nsA, nsA, ["alice", "carol"]));
  aliceToken = await requestToken(cluster, nsA, "alice");
  bobToken = await requestToken(cluster, nsA, "bob");
  const made = makeApp({
    KSERVE_MODEL_REGISTRY: REGISTRY(nsA),
    KSERVE_NAMESPACE: nsA,
    KSERVE_ALLOWED_NAMESPACES: `${nsA},${nsB}`,
    KUBERNETES_KUBECONFIG: kubeconfig,
    MODELGATE_AUTH: "kubernetes",
  });
  app = made.app;
  if (!(made.authorizer instanceof KubernetesAuthorizer))
    throw new Error("MODELGATE_AUTH=kubernetes made no authorizer");
  authorizer = made.authorizer;
});

afterAll(async () => {
  await adminRequest(cluster, "DELETE", `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${delegator}`);
  await rm(scratch, { recursive: true, force: true });
});

describe("deploy routes with MODELGATE_AUTH=kubernetes against the real API server", () => {
  it("lets alice deploy in her namespace and records her as the requester on the CR", async () => {
    const res = await deploy(app, aliceToken, { name: "alices" });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ inferenceService: { name: "alices", namespace: nsA } });
    const cr = await storedCr(cluster, nsA, "alices");
    expect(cr.status).toBe(200);
    expect(cr.body.metadata?.annotations?.[REQUESTED_BY]).toBe(ALICE);
  });

  it("refuses alice in namespace B with 403 naming verb, resource and namespace, and creates nothing", async () => {
    const res = await deploy(app, aliceToken, { name: "alices", namespace: nsB });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe(`${ALICE} may not create ${RESOURCE} in namespace ${nsB}`);
    expect((await storedCr(cluster, nsB, "alices")).status).toBe(404);
  });

  it("refuses bob, bound to nothing, in namespace A with 403, and creates nothing", async () => {
    const res = await deploy(app, bobToken, { name: "bobs" });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe(`system:serviceaccount:${nsA}:bob may not create ${RESOURCE} in namespace ${nsA}`);
    expect((await storedCr(cluster, nsA, "bobs")).status).toBe(404);
  });

  it("answers 401 with the Bearer challenge to a request without a token", async () => {
    const res = await deploy(app, undefined, { name: "anonymous" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(WWW);
    expect(res.body.error).toMatch(/^missing Authorization header: send "Authorization: Bearer <token>"/);
    expect((await storedCr(cluster, nsA, "anonymous")).status).toBe(404);
  });

  it("answers 401 invalid_token to a JWT the cluster did not sign, even one naming alice", async () => {
    const res = await deploy(app, forgedToken(ALICE), { name: "forged" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`${WWW}, error="invalid_token"`);
    expect(res.body.error).toMatch(/^token rejected by the Kubernetes API: /);
    expect((await storedCr(cluster, nsA, "forged")).status).toBe(404);
  });

  it("answers 401 to the token of a deleted ServiceAccount that may deploy in A", async () => {
    // Two tokens minted while carol exists; neither is reviewed before the deletion (the API server
    // remembers a successful authentication for ~10 s). The probe tells when the API server has seen the
    // deletion; the other token then goes to the deploy function for the first time.
    const probe = await requestToken(cluster, nsA, "carol");
    const token = await requestToken(cluster, nsA, "carol");
    expect((await adminRequest(cluster, "DELETE", `/api/v1/namespaces/${nsA}/serviceaccounts/carol`)).status).toBe(200);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const review = await adminRequest(cluster, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token: probe },
      });
      if ((review.body as { status?: { authenticated?: boolean } }).status?.authenticated !== true) break;
      if (Date.now() > deadline) throw new Error("the API server still accepts carol's token 20 s after deletion");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const res = await deploy(app, token, { name: "carols" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`${WWW}, error="invalid_token"`);
    expect((await storedCr(cluster, nsA, "carols")).status).toBe(404);
  });

  it("refuses bob undeploying alice's CR with 403 and leaves it intact", async () => {
    const before = await storedCr(cluster, nsA, "alices");
    expect(before.status).toBe(200);
    const res = await answer(
      await app.request(`/api/v1/undeploy/${nsA}/alices`, { method: "DELETE", headers: bearer(bobToken) }),
    );
    expect(res.status).toBe(403);
    expect(res.body.error).toBe(`system:serviceaccount:${nsA}:bob may not delete ${RESOURCE} in namespace ${nsA}`);
    const after = await storedCr(cluster, nsA, "alices");
    expect(after.status).toBe(200);
    expect(after.body.metadata?.uid).toBe(before.body.metadata?.uid);
  });

  it("MODELGATE_AUTH=none: deploys without a token (into B here) and records no requester", async () => {
    const open = makeApp({
      KSERVE_MODEL_REGISTRY: REGISTRY(nsA),
      KSERVE_NAMESPACE: nsA,
      KSERVE_ALLOWED_NAMESPACES: `${nsA},${nsB}`,
      KUBERNETES_KUBECONFIG: kubeconfig,
      MODELGATE_AUTH: "none",
    });
    expect(open.authorizer).toBeUndefined();
    const res = await deploy(open.app, undefined, { name: "in-b", namespace: nsB });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const cr = await storedCr(cluster, nsB, "in-b");
    expect(cr.status).toBe(200);
    expect(cr.body.metadata?.annotations?.[REQUESTED_BY]).toBeUndefined();
  });

  it("lists for alice the CRs of the namespaces she may list only; 403 for bob", async () => {
    expect((await storedCr(cluster, nsB, "in-b")).status).toBe(200);
    const list = async (token: string, query = "") =>
      answer(await app.request(`/api/v1/inferenceservices${query}`, { headers: bearer(token) }));
    const all = await list(aliceToken);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    const items = all.body.inferenceServices as { name: string; namespace: string }[];
    expect(items.map((i) => `${i.namespace}/${i.name}`)).toContain(`${nsA}/alices`);
    expect(items.every((i) => i.namespace === nsA)).toBe(true);
    expect(all.body.total).toBe(items.length);
    const inB = await list(aliceToken, `?namespace=${nsB}`);
    expect(inB.status).toBe(403);
    expect(inB.body.error).toBe(`${ALICE} may not list ${RESOURCE} in namespace ${nsB}`);
    const bob = await list(bobToken);
    expect(bob.status).toBe(403);
    expect(bob.body.error).toContain(`system:serviceaccount:${nsA}:bob may not list ${RESOURCE}`);
  });

  it("lets alice undeploy her CR: 204, and it is gone", async () => {
    const res = await app.request(`/api/v1/undeploy/${nsA}/alices`, { method: "DELETE", headers: bearer(aliceToken) });
    expect(res.status).toBe(204);
    expect((await storedCr(cluster, nsA, "alices")).status).toBe(404);
  });
});

describe("lists across the cluster with KSERVE_ALLOWED_NAMESPACES=* and MODELGATE_AUTH=kubernetes", () => {
  const clusterRole = `modelgate-deploy-cw-${run}`;
  let wide: App;
  let daveToken: string;

  beforeAll(async () => {
    // knative/components/cluster-wide: the InferenceService verbs in every namespace, for a ServiceAccount of its own.
    await createServiceAccount(cluster, nsSys, "modelgate-deploy-cw");
    const subjects = [{ kind: "ServiceAccount", name: "modelgate-deploy-cw", namespace: nsSys }];
    const roleRef = (kind: string, name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind, name });
    await applyRbac(cluster, [
      {
        apiVersion: rbac,
        kind: "ClusterRole",
        metadata: { name: clusterRole },
        rules: [{ apiGroups: ["serving.kserve.io"], resources: ["inferenceservices"], verbs: ISVC_VERBS }],
      },
      {
        apiVersion: rbac,
        kind: "ClusterRoleBinding",
        metadata: { name: clusterRole },
        roleRef: roleRef("ClusterRole", clusterRole),
        subjects,
      },
      {
        apiVersion: rbac,
        kind: "ClusterRoleBinding",
        metadata: { name: `${clusterRole}-delegator` },
        roleRef: roleRef("ClusterRole", "system:auth-delegator"),
        subjects,
      },
    ]);
    // dave may list InferenceServices only in nsSys, where no managed CR is.
    await createServiceAccount(cluster, nsA, "dave");
    await applyRbac(cluster, managers(nsSys, nsA, ["dave"]));
    daveToken = await requestToken(cluster, nsA, "dave");
    const token = await requestToken(cluster, nsSys, "modelgate-deploy-cw");
    wide = makeApp({
      KSERVE_MODEL_REGISTRY: REGISTRY(nsA),
      KSERVE_NAMESPACE: nsA,
      KSERVE_ALLOWED_NAMESPACES: "*",
      KUBERNETES_KUBECONFIG: await writeKubeconfig(scratch, cluster, token),
      MODELGATE_AUTH: "kubernetes",
    }).app;
  });

  afterAll(async () => {
    for (const name of [clusterRole, `${clusterRole}-delegator`]) {
      await adminRequest(cluster, "DELETE", `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`);
    }
    await adminRequest(cluster, "DELETE", `/apis/rbac.authorization.k8s.io/v1/clusterroles/${clusterRole}`);
  });

  it("shows each caller the managed CRs of the namespaces it may list: 200, empty when none of them holds one", async () => {
    expect((await deploy(wide, aliceToken, { name: "alices-wide" })).status).toBe(202);
    const list = async (token: string, query = "") =>
      answer(await wide.request(`/api/v1/inferenceservices${query}`, { headers: bearer(token) }));
    const alice = await list(aliceToken);
    expect(alice.status, JSON.stringify(alice.body)).toBe(200);
    const items = alice.body.inferenceServices as { name: string; namespace: string }[];
    expect(items.map((i) => `${i.namespace}/${i.name}`)).toContain(`${nsA}/alices-wide`);
    expect(items.every((i) => i.namespace === nsA)).toBe(true);
    for (const token of [daveToken, bobToken]) {
      const other = await list(token);
      expect(other.status, JSON.stringify(other.body)).toBe(200);
      expect(other.body).toEqual({ inferenceServices: [], total: 0 });
    }
    expect((await list(daveToken, `?namespace=${nsSys}`)).status).toBe(200);
    const dave = await list(daveToken, `?namespace=${nsA}`);
    expect(dave.status).toBe(403);
    expect(dave.body.error).toBe(`system:serviceaccount:${nsA}:dave may not list ${RESOURCE} in namespace ${nsA}`);
    const res = await wide.request(`/api/v1/undeploy/${nsA}/alices-wide`, {
      method: "DELETE",
      headers: bearer(aliceToken),
    });
    expect(res.status).toBe(204);
  });
});

describe("deploy CloudEvents with MODELGATE_AUTH=kubernetes", () => {
  let eventsToken: string;
  beforeAll(async () => {
    eventsToken = await requestToken(cluster, nsA, "alice", { audiences: [EVENTS_AUDIENCE] });
  });

  it.each(["binary", "structured"] as const)(
    "applies a %s-mode deploy event carrying alice's token for the events audience: 200 reply event",
    async (mode) => {
      const name = `ev-${mode}`;
      const res = await app.request(
        "/",
        event(mode, "dev.modelgate.deploy.requested", { model: "scorer", name }, eventsToken),
      );
      expect(res.status, await res.clone().text()).toBe(200);
      expect(res.headers.get("ce-type")).toBe("dev.modelgate.deploy.accepted");
      expect(((await res.json()) as { inferenceService: { name: string } }).inferenceService.name).toBe(name);
      const cr = await storedCr(cluster, nsA, name);
      expect(cr.status).toBe(200);
      expect(cr.body.metadata?.annotations?.[REQUESTED_BY]).toBe(ALICE);
    },
  );

  it("answers 401 to the same event without a token, with alice's token for another audience, or her API token", async () => {
    const otherAudience = await requestToken(cluster, nsA, "alice", { audiences: ["someone-else"] });
    for (const [mode, token] of [
      ["binary", undefined],
      ["structured", undefined],
      ["binary", otherAudience],
      ["structured", otherAudience],
      ["binary", aliceToken],
    ] as const) {
      const name = `ev-refused-${mode}`;
      const res = await answer(
        await app.request("/", event(mode, "dev.modelgate.deploy.requested", { model: "scorer", name }, token)),
      );
      expect(res.status, `${mode} ${token === undefined ? "no token" : "wrong audience"}`).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="modelgate"/);
      if (token !== undefined) expect(res.body.error).toContain(`for audience "${EVENTS_AUDIENCE}"`);
      expect((await storedCr(cluster, nsA, name)).status).toBe(404);
    }
  });

  it("answers kn func invoke's default event (boson.fn) without a token with 401 saying how to authenticate", async () => {
    const res = await answer(
      await app.request("/", {
        method: "POST",
        headers: {
          "user-agent": "Go-http-client/1.1",
          "content-type": "application/json",
          "ce-id": randomUUID(),
          "ce-source": "/boson/fn",
          "ce-type": "boson.fn",
          "ce-specversion": "1.0",
        },
        body: '{"message":"Hello World"}',
      }),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(WWW);
    expect(res.body.error).toContain('send "Authorization: Bearer <token>"');
    expect(res.body.error).toContain("kubectl create token");
  });
});

describe("authorization caches, seen from the API server", () => {
  it("makes no TokenReview or SubjectAccessReview for alice's second deploy within the cache windows", async () => {
    const token = await requestToken(cluster, nsA, "alice");
    const start = await reviewsServed(cluster);
    expect((await deploy(app, token, { name: "cached" })).status).toBe(202);
    // the counter is live: a first deploy with a new token costs one TokenReview and two access reviews
    const afterFirst = await reviewsReach(cluster, { token: start.token + 1, access: start.access + 2 });
    expect(afterFirst).toEqual({ token: start.token + 1, access: start.access + 2 });

    expect((await deploy(app, token, { name: "cached" })).status).toBe(202);
    // a fresh token afterwards is the marker: once its reviews show, any of the second deploy's would too
    const marker = await requestToken(cluster, nsA, "alice");
    expect((await deploy(app, marker, { name: "cached-marker" })).status).toBe(202);
    const afterMarker = await reviewsReach(cluster, { token: afterFirst.token + 1, access: afterFirst.access + 2 });
    expect(afterMarker).toEqual({ token: afterFirst.token + 1, access: afterFirst.access + 2 });
  });

  it("measures a deploy with a cold and a warm authorization cache", async () => {
    const runs = 7;
    const timed = async (token: string): Promise<number> => {
      const t0 = performance.now();
      const res = await deploy(app, token, { name: "timed" });
      const elapsed = performance.now() - t0;
      expect(res.status).toBe(202);
      return elapsed;
    };
    await timed(aliceToken); // the CR exists: every timed deploy is the same idempotent apply
    const start = await reviewsServed(cluster);
    const cold: number[] = [];
    for (let i = 0; i < runs; i++) {
      const fresh = await requestToken(cluster, nsA, "alice");
      authorizer.caches.tokens.clear();
      authorizer.caches.access.clear();
      cold.push(await timed(fresh));
    }
    // the cold runs were cold: each paid one TokenReview and two access reviews (the test above shows the warm
    // ones pay none)
    const reviewed = { token: start.token + runs, access: start.access + 2 * runs };
    expect(await reviewsReach(cluster, reviewed)).toEqual(reviewed);
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) warm.push(await timed(aliceToken));
    console.log(
      `[deploy-auth] POST /api/v1/deploy through createApp, median of ${runs}: ` +
        `cold authorization cache ${median(cold).toFixed(2)} ms (new token: 1 TokenReview + 2 SubjectAccessReviews), ` +
        `warm ${median(warm).toFixed(2)} ms (no review); kept-alive connection to the API server in both`,
    );
    // The times are printed, not asserted: the apply dominates both, and a timed assertion fails under load
    // (it did in CI: warm 35.9 ms, cold 34.4 ms). The line above is the measurement.
  });
});

describe("deploy routes with MODELGATE_AUTH=kubernetes when the API server goes away", () => {
  let cp: ControlPlane | undefined;

  afterAll(async () => {
    await cp?.stop();
  });

  it("answers 503, never 401 or 403, once its API server is stopped", async () => {
    cp = await startControlPlane({ binDir: cluster.binDir });
    const NS = "ml";
    await installCrds(
      cp,
      listSharedCrdFiles().filter((file) => file.includes("inferenceservices")),
    );
    for (const ns of [NS, "modelgate"]) await ensureNamespace(cp, ns);
    await createServiceAccount(cp, "modelgate", "modelgate-deploy");
    await applyRbac(cp, deployIdentityRbac("modelgate", "modelgate-deploy", [NS], "modelgate-deploy-auth-delegator"));
    await createServiceAccount(cp, NS, "alice");
    await applyRbac(cp, managers(NS, NS, ["alice"]));
    const own = await writeKubeconfig(scratch, cp, await requestToken(cp, "modelgate", "modelgate-deploy"));
    const first = await requestToken(cp, NS, "alice");
    const second = await requestToken(cp, NS, "alice");
    const events = await requestToken(cp, NS, "alice", { audiences: [EVENTS_AUDIENCE] });
    const { app: local } = makeApp({
      KSERVE_MODEL_REGISTRY: REGISTRY(NS),
      KSERVE_NAMESPACE: NS,
      KUBERNETES_KUBECONFIG: own,
      MODELGATE_AUTH: "kubernetes",
    });
    expect((await deploy(local, first, {})).status).toBe(202);

    await cp.stop();

    const uncached = await deploy(local, second, {});
    expect(uncached.status).toBe(503);
    expect(uncached.body.error).toMatch(
      /^Kubernetes API unreachable \(create tokenreviews\.authentication\.k8s\.io\): /,
    );
    // reviews still cached from before the outage: the change itself cannot be made
    const cached = await deploy(local, first, {});
    expect(cached.status).toBe(503);
    expect(cached.body.error).toMatch(/^Kubernetes API unreachable \(/);
    const viaEvent = await answer(
      await local.request("/", event("binary", "dev.modelgate.deploy.requested", { model: "scorer" }, events)),
    );
    expect(viaEvent.status).toBe(503);
  });
});
