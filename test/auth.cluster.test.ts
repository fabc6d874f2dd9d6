import { createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import { KubeConfig } from "@kubernetes/client-node";
import { HttpError } from "@modelgate/http";
import { type KubeCredentials, kubeTransport } from "@modelgate/kube/transport";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { KubernetesAuthorizer } from "../functions/deploy/src/auth/kubernetes-authorizer.ts";
import type { DeployVerb } from "../functions/deploy/src/authorizer.ts";
import { type KubePost, reviewPost } from "../functions/deploy/src/kube/create-review.ts";
import {
  type AdminTarget,
  adminRequest,
  applyRbac,
  createServiceAccount,
  ensureNamespace,
  type RbacObject,
  requestToken,
} from "./cluster/admin.ts";
import { type ControlPlane, startControlPlane } from "./cluster/control-plane.ts";

/** The reviews' POST over a transport of its own to the current cluster of `kc` (as the deploy function's connection makes it). */
function kubeConfigTransport(kc: KubeCredentials, options: { timeoutMs?: number } = {}): KubePost {
  const send = kubeTransport(kc);
  return reviewPost(async () => send, options);
}

/**
 * The authorization core against the real kube-apiserver v1.34.3 (TokenReview + SubjectAccessReview),
 * with modelgate's own identity a ServiceAccount holding nothing but `system:auth-delegator`.
 */

const cluster = inject("cluster");
const run = randomBytes(3).toString("hex");
const nsA = `auth-a-${run}`;
const nsB = `auth-b-${run}`;
const nsSys = `auth-sys-${run}`;
const EVENTS_AUDIENCE = "modelgate-deploy";
const ALL_VERBS: readonly DeployVerb[] = ["create", "patch", "delete", "get", "list"];
const delegatorBinding = `modelgate-auth-delegator-${run}`;

/** RBAC of modelgate's own identity: TokenReview and SubjectAccessReview, nothing else. */
function authDelegator(name: string, ns: string, sa: string): RbacObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
    subjects: [{ kind: "ServiceAccount", name: sa, namespace: ns }],
  };
}

function kubeConfigFor(target: { server: string; caPem: string }, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: "test", server: target.server, caData: Buffer.from(target.caPem).toString("base64"), skipTLSVerify: false },
    { name: "modelgate-deploy", token },
  );
  return kc;
}

/** A transport that counts the reviews it sends. */
function counting(post: KubePost): { post: KubePost; calls: () => number } {
  let calls = 0;
  return {
    post: (path, body) => {
      calls++;
      return post(path, body);
    },
    calls: () => calls,
  };
}

async function refusal(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

/** An RS256 JWT that looks like a ServiceAccount token of `sub`, signed by a key the cluster never saw. */
function forgedToken(sub: string): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: "RS256", typ: "JWT" })}.${part({ iss: cluster.server, aud: [cluster.server], sub, iat: now, exp: now + 600 })}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(privateKey).toString("base64url");
  return `${unsigned}.${signature}`;
}

async function ownIdentity(target: AdminTarget, ns: string, binding: string): Promise<KubeConfig> {
  await ensureNamespace(target, ns);
  await createServiceAccount(target, ns, "modelgate-deploy");
  await applyRbac(target, [authDelegator(binding, ns, "modelgate-deploy")]);
  return kubeConfigFor(target, await requestToken(target, ns, "modelgate-deploy"));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

let own: KubeConfig;
let transport: KubePost;
let authorizer: KubernetesAuthorizer;
let alice: { token: string; uid: string };
let bobToken: string;

beforeAll(async () => {
  for (const ns of [nsA, nsB]) await ensureNamespace(cluster, ns);
  own = await ownIdentity(cluster, nsSys, delegatorBinding);
  const { uid } = await createServiceAccount(cluster, nsA, "alice");
  await createServiceAccount(cluster, nsA, "bob");
  await applyRbac(cluster, [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "inferenceservice-manager", namespace: nsA },
      rules: [{ apiGroups: ["serving.kserve.io"], resources: ["inferenceservices"], verbs: [...ALL_VERBS] }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "alice-manages-inferenceservices", namespace: nsA },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "inferenceservice-manager" },
      subjects: [{ kind: "ServiceAccount", name: "alice", namespace: nsA }],
    },
  ]);
  alice = { token: await requestToken(cluster, nsA, "alice"), uid };
  bobToken = await requestToken(cluster, nsA, "bob");
  transport = kubeConfigTransport(own);
  authorizer = new KubernetesAuthorizer({ post: transport });
});

afterAll(async () => {
  await adminRequest(cluster, "DELETE", `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${delegatorBinding}`);
});

describe("KubernetesAuthorizer against the real API server", () => {
  it("authenticates a ServiceAccount token as the ServiceAccount", async () => {
    const caller = await authorizer.authenticate(`Bearer ${alice.token}`, {});
    expect(caller.username).toBe(`system:serviceaccount:${nsA}:alice`);
    expect(caller.uid).toBe(alice.uid);
    expect(caller.groups).toEqual(
      expect.arrayContaining(["system:serviceaccounts", `system:serviceaccounts:${nsA}`, "system:authenticated"]),
    );
  });

  it("authorizes alice for every deploy verb in her namespace and denies her elsewhere", async () => {
    const caller = await authorizer.authenticate(`Bearer ${alice.token}`, {});
    await authorizer.authorize(caller, ALL_VERBS, nsA);
    for (const verb of ALL_VERBS) {
      const error = await refusal(authorizer.authorize(caller, [verb], nsB));
      expect(error.status).toBe(403);
      expect(error.message).toBe(
        `system:serviceaccount:${nsA}:alice may not ${verb} inferenceservices.serving.kserve.io in namespace ${nsB}`,
      );
    }
  });

  it("denies bob, bound to nothing, in alice's namespace", async () => {
    const caller = await authorizer.authenticate(`Bearer ${bobToken}`, {});
    expect(caller.username).toBe(`system:serviceaccount:${nsA}:bob`);
    const error = await refusal(authorizer.authorize(caller, ["create", "patch"], nsA));
    expect(error.status).toBe(403);
    expect(error.message).toBe(
      `system:serviceaccount:${nsA}:bob may not create inferenceservices.serving.kserve.io in namespace ${nsA}`,
    );
  });

  it("answers 401 with the challenge to no header and to a token the cluster did not sign", async () => {
    const missing = await refusal(authorizer.authenticate(undefined, {}));
    expect(missing.status).toBe(401);
    expect(missing.headers["WWW-Authenticate"]).toBe('Bearer realm="modelgate"');
    const forged = await refusal(
      authorizer.authenticate(`Bearer ${forgedToken(`system:serviceaccount:${nsA}:alice`)}`, {}),
    );
    expect(forged.status).toBe(401);
    expect(forged.headers["WWW-Authenticate"]).toMatch(/^Bearer realm="modelgate"/);
    expect(forged.message).toMatch(/^token rejected by the Kubernetes API: /);
    const garbage = await refusal(authorizer.authenticate(`Bearer ${randomBytes(32).toString("hex")}`, {}));
    expect(garbage.status).toBe(401);
  });

  it("checks the events audience: a token for it passes, one for another audience or the API server does not", async () => {
    const forEvents = await requestToken(cluster, nsA, "alice", { audiences: [EVENTS_AUDIENCE] });
    const forOther = await requestToken(cluster, nsA, "alice", { audiences: ["someone-else"] });
    const caller = await authorizer.authenticate(`Bearer ${forEvents}`, { audience: EVENTS_AUDIENCE });
    expect(caller.username).toBe(`system:serviceaccount:${nsA}:alice`);
    const other = await refusal(authorizer.authenticate(`Bearer ${forOther}`, { audience: EVENTS_AUDIENCE }));
    expect(other.status).toBe(401);
    expect(other.message).toContain(`for audience "${EVENTS_AUDIENCE}"`);
    const apiToken = await refusal(authorizer.authenticate(`Bearer ${alice.token}`, { audience: EVENTS_AUDIENCE }));
    expect(apiToken.status).toBe(401);
    const wrongWay = await refusal(authorizer.authenticate(`Bearer ${forEvents}`, {}));
    expect(wrongWay.status).toBe(401);
  });

  it("answers 401 to the token of a deleted ServiceAccount", async () => {
    await createServiceAccount(cluster, nsA, "carol");
    const unused = await requestToken(cluster, nsA, "carol");
    const reviewed = await requestToken(cluster, nsA, "carol");
    // reviewed once while the account exists: the API server may remember that for ~10 s
    const beforeCalls = counting(transport);
    const before = new KubernetesAuthorizer({ post: beforeCalls.post });
    expect((await before.authenticate(`Bearer ${reviewed}`, {})).username).toBe(`system:serviceaccount:${nsA}:carol`);
    const deleted = await adminRequest(cluster, "DELETE", `/api/v1/namespaces/${nsA}/serviceaccounts/carol`);
    expect(deleted.status).toBe(200);
    const deletedAt = performance.now();

    const untilRejected = async (token: string): Promise<{ error: HttpError; afterMs: number }> => {
      for (;;) {
        // a new authorizer each time: our own cache must not hide what the API server says
        const fresh = new KubernetesAuthorizer({ post: transport });
        const outcome = await fresh.authenticate(`Bearer ${token}`, {}).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (outcome !== undefined) {
          if (!(outcome instanceof HttpError)) throw outcome;
          return { error: outcome, afterMs: performance.now() - deletedAt };
        }
        if (performance.now() - deletedAt > 40_000) throw new Error("token still accepted 40 s after deletion");
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    const neverReviewed = await untilRejected(unused);
    expect(neverReviewed.error.status).toBe(401);
    const reviewedBefore = await untilRejected(reviewed);
    expect(reviewedBefore.error.status).toBe(401);
    console.log(
      `[auth] deleted ServiceAccount: never-reviewed token refused after ${neverReviewed.afterMs.toFixed(0)} ms, ` +
        `token reviewed just before deletion refused after ${reviewedBefore.afterMs.toFixed(0)} ms (API server cache)`,
    );
    // our own cache keeps an accepted review for up to 60 s: the documented revocation delay
    expect(beforeCalls.calls()).toBe(1);
    expect((await before.authenticate(`Bearer ${reviewed}`, {})).username).toBe(`system:serviceaccount:${nsA}:carol`);
    expect(beforeCalls.calls()).toBe(1);
  });

  it("answers 502 naming verb and resource when modelgate's own identity may not review", async () => {
    const powerless = new KubernetesAuthorizer({ post: kubeConfigTransport(kubeConfigFor(cluster, bobToken)) });
    const review = await refusal(powerless.authenticate(`Bearer ${alice.token}`, {}));
    expect(review.status).toBe(502);
    expect(review.message).toMatch(
      /^the Kubernetes API refused modelgate's own identity \(HTTP 403\) to create tokenreviews\.authentication\.k8s\.io: /,
    );
    const caller = await authorizer.authenticate(`Bearer ${alice.token}`, {});
    const access = await refusal(powerless.authorize(caller, ["get"], nsA));
    expect(access.status).toBe(502);
    expect(access.message).toContain("to create subjectaccessreviews.authorization.k8s.io");
    const anonymous = new KubernetesAuthorizer({
      post: kubeConfigTransport(kubeConfigFor(cluster, randomBytes(16).toString("hex"))),
    });
    expect((await refusal(anonymous.authenticate(`Bearer ${alice.token}`, {}))).message).toMatch(/\(HTTP 401\)/);
  });

  it("measures a review round trip with a cold and a warm cache", async () => {
    const rounds = 30;
    const caller = await authorizer.authenticate(`Bearer ${alice.token}`, {});
    const coldConnection: number[] = [];
    for (let i = 0; i < 5; i++) {
      const fresh = new KubernetesAuthorizer({ post: kubeConfigTransport(own) });
      const t0 = performance.now();
      await fresh.authorize(await fresh.authenticate(`Bearer ${alice.token}`, {}), ["create", "patch"], nsA);
      coldConnection.push(performance.now() - t0);
    }
    const cold: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const fresh = new KubernetesAuthorizer({ post: transport });
      const t0 = performance.now();
      await fresh.authorize(await fresh.authenticate(`Bearer ${alice.token}`, {}), ["create", "patch"], nsA);
      cold.push(performance.now() - t0);
    }
    const calls = counting(transport);
    const warmAuthorizer = new KubernetesAuthorizer({ post: calls.post });
    await warmAuthorizer.authorize(
      await warmAuthorizer.authenticate(`Bearer ${alice.token}`, {}),
      ["create", "patch"],
      nsA,
    );
    expect(calls.calls()).toBe(3);
    const warm: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await warmAuthorizer.authorize(
        await warmAuthorizer.authenticate(`Bearer ${alice.token}`, {}),
        ["create", "patch"],
        nsA,
      );
      warm.push(performance.now() - t0);
    }
    expect(calls.calls()).toBe(3);
    expect(caller.username).toBe(`system:serviceaccount:${nsA}:alice`);
    console.log(
      `[auth] authenticate + authorize(create, patch), median of ${rounds}: ` +
        `cold cache ${median(cold).toFixed(2)} ms (3 reviews, kept-alive connection), ` +
        `warm cache ${(median(warm) * 1000).toFixed(1)} µs (no API call); ` +
        `cold cache and new TLS connection ${median(coldConnection).toFixed(2)} ms (median of 5)`,
    );
  });
});

describe("KubernetesAuthorizer when the API server goes away", () => {
  let cp: ControlPlane | undefined;

  afterAll(async () => {
    await cp?.stop();
  });

  it("answers 503, never 401 or 403, once its API server is stopped", async () => {
    cp = await startControlPlane({ binDir: cluster.binDir });
    const kc = await ownIdentity(cp, "modelgate", "modelgate-auth-delegator");
    await createServiceAccount(cp, "modelgate", "dave");
    const first = await requestToken(cp, "modelgate", "dave");
    const second = await requestToken(cp, "modelgate", "dave");
    const local = new KubernetesAuthorizer({ post: kubeConfigTransport(kc, { timeoutMs: 3_000 }) });
    const caller = await local.authenticate(`Bearer ${first}`, {});
    expect(caller.username).toBe("system:serviceaccount:modelgate:dave");
    expect((await refusal(local.authorize(caller, ["get"], "modelgate"))).status).toBe(403);

    await cp.stop();

    const review = await refusal(local.authenticate(`Bearer ${second}`, {}));
    expect(review.status).toBe(503);
    expect(review.message).toMatch(/^Kubernetes API unreachable \(create tokenreviews\.authentication\.k8s\.io\): /);
    const access = await refusal(local.authorize(caller, ["list"], "modelgate"));
    expect(access.status).toBe(503);
    expect(access.message).toMatch(
      /^Kubernetes API unreachable \(create subjectaccessreviews\.authorization\.k8s\.io\): /,
    );
    // what was reviewed before the outage is still served from the caches, within their TTLs
    expect((await local.authenticate(`Bearer ${first}`, {})).username).toBe("system:serviceaccount:modelgate:dave");
    expect((await refusal(local.authorize(caller, ["get"], "modelgate"))).status).toBe(403);
  });
});
