import { createLogger, HttpError } from "@modelgate/http";
import type { KubeApiResponse } from "@modelgate/kube";
import { describe, expect, it } from "vitest";
import { KubernetesAuthorizer, type KubernetesAuthorizerOptions } from "../src/auth/kubernetes-authorizer.ts";
import type { Caller, DeployVerb } from "../src/authorizer.ts";
import type { KubePost } from "../src/kube/create-review.ts";

const SAR_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

interface Review {
  spec: { user: string; groups: string[]; uid?: string; resourceAttributes: { verb: DeployVerb; namespace: string } };
}

type Decide = (review: Review) => Record<string, unknown> | KubeApiResponse;

/** A fake API answering SubjectAccessReviews with `decide`'s status (or a whole response). */
function setup(decide: Decide, options: Partial<KubernetesAuthorizerOptions> = {}) {
  let t = 1_700_000_000_000;
  const calls: { path: string; body: Review }[] = [];
  const lines: string[] = [];
  const post: KubePost = async (path, body) => {
    calls.push({ path, body: body as Review });
    const answer = decide(body as Review);
    return "status" in answer && typeof answer.status === "number"
      ? (answer as KubeApiResponse)
      : { status: 201, body: { status: answer } };
  };
  const logger = createLogger({ name: "test", level: "trace", destination: { write: (line) => lines.push(line) } });
  const authorizer = new KubernetesAuthorizer({ post, logger, now: () => t, ...options });
  return {
    authorizer,
    calls,
    lines,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

const alice: Caller = { username: "alice", uid: "u-1", groups: ["dev", "system:authenticated"], extra: { s: ["x"] } };
const allowAll: Decide = () => ({ allowed: true });

async function refusal(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("KubernetesAuthorizer.authorize", () => {
  it("asks one SubjectAccessReview per verb with the caller's user, groups, uid and extra", async () => {
    const { authorizer, calls } = setup(allowAll);
    await authorizer.authorize(alice, ["create", "patch"], "team-a");
    expect(calls.map((call) => call.path)).toEqual([SAR_PATH, SAR_PATH]);
    expect(calls.map((call) => call.body)).toEqual(
      (["create", "patch"] as const).map((verb) => ({
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: "alice",
          uid: "u-1",
          groups: ["dev", "system:authenticated"],
          extra: { s: ["x"] },
          resourceAttributes: { group: "serving.kserve.io", resource: "inferenceservices", verb, namespace: "team-a" },
        },
      })),
    );
  });

  it("leaves out uid and extra when the caller has none", async () => {
    const { authorizer, calls } = setup(allowAll);
    await authorizer.authorize({ username: "bob", groups: [] }, ["get"], "team-a");
    expect(calls[0]?.body.spec).not.toHaveProperty("uid");
    expect(calls[0]?.body.spec).not.toHaveProperty("extra");
  });

  it("answers 403 naming user, verb, resource and namespace when a verb is denied", async () => {
    const { authorizer, lines } = setup((review) =>
      review.spec.resourceAttributes.verb === "delete" ? { allowed: false, reason: "no RBAC rule" } : { allowed: true },
    );
    const error = await refusal(authorizer.authorize(alice, ["get", "delete"], "team-b"));
    expect(error.status).toBe(403);
    expect(error.message).toBe("alice may not delete inferenceservices.serving.kserve.io in namespace team-b");
    expect(lines.join("\n")).toContain("no RBAC rule");
  });

  it("names the first denied verb in the order asked", async () => {
    const { authorizer } = setup(() => ({ allowed: false }));
    expect((await refusal(authorizer.authorize(alice, ["patch", "create"], "ns"))).message).toMatch(/may not patch /);
  });

  it("treats denied: true as denied whatever allowed says", async () => {
    const { authorizer } = setup(() => ({ allowed: true, denied: true }));
    expect((await refusal(authorizer.authorize(alice, ["list"], "ns"))).status).toBe(403);
  });

  it("says 'in any namespace' for a cluster-wide question", async () => {
    const { authorizer, calls } = setup(() => ({ allowed: false }));
    expect((await refusal(authorizer.authorize(alice, ["list"], ""))).message).toBe(
      "alice may not list inferenceservices.serving.kserve.io in any namespace",
    );
    expect(calls[0]?.body.spec.resourceAttributes.namespace).toBe("");
  });

  it("refuses an empty verb list instead of allowing it", async () => {
    const { authorizer } = setup(allowAll);
    await expect(authorizer.authorize(alice, [], "ns")).rejects.toThrow(TypeError);
  });

  it("answers 503 when the API cannot be reached, and asks again once it can", async () => {
    let fail = true;
    const { authorizer } = setup(() => ({ allowed: false }), {
      post: async () => {
        if (fail) throw new Error("connect ETIMEDOUT");
        return { status: 201, body: { status: { allowed: true } } };
      },
    });
    const error = await refusal(authorizer.authorize(alice, ["create"], "ns"));
    expect(error.status).toBe(503);
    expect(error.message).toBe(
      "Kubernetes API unreachable (create subjectaccessreviews.authorization.k8s.io): connect ETIMEDOUT",
    );
    fail = false;
    await authorizer.authorize(alice, ["create"], "ns");
  });

  it("answers 502 naming verb and resource when the API refuses our own identity", async () => {
    const { authorizer } = setup(() => ({ status: 403, body: { message: "forbidden" } }));
    const error = await refusal(authorizer.authorize(alice, ["get"], "ns"));
    expect(error.status).toBe(502);
    expect(error.message).toBe(
      "the Kubernetes API refused modelgate's own identity (HTTP 403) to create subjectaccessreviews.authorization.k8s.io: forbidden",
    );
  });

  describe("cache", () => {
    it("reuses an allowed answer for 10 s without asking the API again", async () => {
      const { authorizer, calls, advance } = setup(allowAll);
      await authorizer.authorize(alice, ["create", "patch"], "ns");
      advance(9_999);
      await authorizer.authorize(alice, ["create", "patch"], "ns");
      await authorizer.authorize({ ...alice, groups: ["system:authenticated", "dev"] }, ["create"], "ns");
      expect(calls).toHaveLength(2);
      advance(1);
      await authorizer.authorize(alice, ["create"], "ns");
      expect(calls).toHaveLength(3);
    });

    it("reuses a denial too, for at most 10 s whatever it is told", async () => {
      const { authorizer, calls, advance } = setup(() => ({ allowed: false }), { accessCache: { ttlMs: 60_000 } });
      await refusal(authorizer.authorize(alice, ["delete"], "ns"));
      expect((await refusal(authorizer.authorize(alice, ["delete"], "ns"))).status).toBe(403);
      expect(calls).toHaveLength(1);
      advance(10_000);
      await refusal(authorizer.authorize(alice, ["delete"], "ns"));
      expect(calls).toHaveLength(2);
    });

    it("does not keep a denial that came with an evaluation error", async () => {
      const { authorizer, calls } = setup(() => ({ allowed: false, evaluationError: "webhook timed out" }));
      await refusal(authorizer.authorize(alice, ["get"], "ns"));
      await refusal(authorizer.authorize(alice, ["get"], "ns"));
      expect(calls).toHaveLength(2);
    });

    it("keeps an allowed answer that came with an evaluation error", async () => {
      const { authorizer, calls } = setup(() => ({ allowed: true, evaluationError: "role x not found" }));
      await authorizer.authorize(alice, ["get"], "ns");
      await authorizer.authorize(alice, ["get"], "ns");
      expect(calls).toHaveLength(1);
    });

    it.each<[string, Caller, DeployVerb, string]>([
      ["user", { ...alice, username: "mallory" }, "get", "ns"],
      ["uid", { ...alice, uid: "u-2" }, "get", "ns"],
      ["no uid", { username: "alice", groups: alice.groups, extra: { s: ["x"] } }, "get", "ns"],
      ["groups", { ...alice, groups: ["dev"] }, "get", "ns"],
      ["extra", { ...alice, extra: { s: ["y"] } }, "get", "ns"],
      ["verb", alice, "list", "ns"],
      ["namespace", alice, "get", "other"],
    ])("asks again when the %s differs", async (_what, caller, verb, namespace) => {
      const { authorizer, calls } = setup(allowAll);
      await authorizer.authorize(alice, ["get"], "ns");
      await authorizer.authorize(caller, [verb], namespace);
      expect(calls).toHaveLength(2);
    });

    it("holds at most maxEntries answers", async () => {
      const { authorizer, calls } = setup(allowAll, { accessCache: { maxEntries: 2 } });
      for (const ns of ["a", "b", "c", "a"]) await authorizer.authorize(alice, ["get"], ns);
      expect(authorizer.caches.access.size).toBe(2);
      expect(calls).toHaveLength(4);
      for (const key of authorizer.caches.access.keys()) expect(key).toMatch(/^[0-9a-f]{64}$/);
    });

    it("shares one review between concurrent identical questions", async () => {
      const { authorizer, calls } = setup(allowAll);
      await Promise.all([1, 2, 3].map(() => authorizer.authorize(alice, ["get"], "ns")));
      expect(calls).toHaveLength(1);
    });
  });
});
