import { HttpError } from "@modelgate/http";
import type { KubeConnection, KubeRequest } from "@modelgate/kube";
import { kubeConnection } from "@modelgate/kube";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { FakeAuthorizer } from "./support/fake-authorizer.ts";
import { FakeKube } from "./support/fake-kube.ts";
import { captureLogger, json, testConfig } from "./support/fixtures.ts";

let kube: FakeKube;
let log: ReturnType<typeof captureLogger>;
beforeEach(() => {
  kube = new FakeKube();
  log = captureLogger();
});

function setup(allow: string[], env: Record<string, string> = {}) {
  const authorizer = new FakeAuthorizer(allow);
  const app = createApp({ config: testConfig(env), logger: log.logger, kube: async () => kube, authorizer });
  return { app, authorizer };
}
const bearer = (token = "good") => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

describe("the authorization seam", () => {
  it("deploy: authenticate, validate, allowed namespaces, authorize create+patch, then apply with requested-by", async () => {
    const { app, authorizer } = setup(["create@ml", "patch@ml"]);
    const res = await app.request("/api/v1/deploy", {
      method: "POST",
      headers: bearer(),
      body: JSON.stringify({ model: "anomaly-detector" }),
    });
    expect(res.status).toBe(202);
    expect(authorizer.calls).toEqual(["authenticate Bearer good -", "authorize alice create+patch ml"]);
    expect(kube.store.get("ml/anomaly-detector")?.metadata.annotations?.["modelgate.dev/requested-by"]).toBe("alice");
    expect(log.lines.find((line) => line.msg === "deploy")).toMatchObject({ user: "alice", outcome: "applied" });
  });

  it("401 comes first: a bad token with a bad body is 401, and nothing else is asked", async () => {
    const { app, authorizer } = setup([]);
    const res = await app.request("/api/v1/deploy", { method: "POST", headers: bearer("bad"), body: "{nope" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    expect(authorizer.calls).toEqual(["authenticate Bearer bad -"]);
    expect(kube.calls).toEqual([]);
  });

  it("validation (400/404) and allowed namespaces (403) come before the access review", async () => {
    const { app, authorizer } = setup([]);
    for (const [body, status] of [
      [{ model: "nope" }, 404],
      [{}, 400],
      [{ model: "anomaly-detector", namespace: "kube-system" }, 403],
    ] as const) {
      const res = await app.request("/api/v1/deploy", {
        method: "POST",
        headers: bearer(),
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(status);
    }
    expect(authorizer.calls.filter((call) => call.startsWith("authorize"))).toEqual([]);
  });

  it("a denied access review is 403 and nothing changes", async () => {
    const { app } = setup(["create@ml"]);
    const res = await app.request("/api/v1/deploy", {
      method: "POST",
      headers: bearer(),
      body: JSON.stringify({ model: "anomaly-detector" }),
    });
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe("alice may not patch inferenceservices.serving.kserve.io in namespace ml");
    expect(kube.calls).toEqual([]);
    expect(log.lines.find((line) => line.msg === "deploy")).toMatchObject({
      user: "alice",
      outcome: "denied",
      status: 403,
    });
  });

  it("undeploy asks for delete, get for get, a namespaced list for list", async () => {
    const { app, authorizer } = setup(["delete@ml", "get@ml", "list@vision"]);
    expect((await app.request("/api/v1/undeploy/ml/x", { method: "DELETE", headers: bearer() })).status).toBe(204);
    expect((await app.request("/api/v1/inferenceservices/ml/x", { headers: bearer() })).status).toBe(404);
    expect((await app.request("/api/v1/inferenceservices?namespace=vision", { headers: bearer() })).status).toBe(200);
    expect((await app.request("/api/v1/inferenceservices?namespace=ml", { headers: bearer() })).status).toBe(403);
    expect(authorizer.calls.filter((call) => call.startsWith("authorize"))).toEqual([
      "authorize alice delete ml",
      "authorize alice get ml",
      "authorize alice list vision",
      "authorize alice list ml",
    ]);
    expect((await app.request("/api/v1/undeploy/vision/x", { method: "DELETE", headers: bearer() })).status).toBe(403);
  });

  it("a list across namespaces shows only the namespaces the caller may list; 403 when none", async () => {
    const { app: admin } = setup(["create@ml", "patch@ml", "create@vision", "patch@vision"]);
    for (const model of ["anomaly-detector", "classifier"]) {
      await admin.request("/api/v1/deploy", { method: "POST", headers: bearer(), body: JSON.stringify({ model }) });
    }
    const { app } = setup(["list@vision"]);
    const body = await json(await app.request("/api/v1/inferenceservices", { headers: bearer() }));
    expect(body).toMatchObject({ total: 1, inferenceServices: [{ namespace: "vision" }] });
    expect(kube.calls.filter((c) => c.method === "list").map((c) => c.namespace)).toEqual(["vision"]);

    const { app: nobody } = setup([]);
    const res = await nobody.request("/api/v1/inferenceservices", { headers: bearer() });
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe(
      "alice may not list inferenceservices.serving.kserve.io in any allowed namespace (ml, self-healing-platform, vision)",
    );
  });

  it("with KSERVE_ALLOWED_NAMESPACES=*: a cluster-wide right lists all; else only permitted namespaces, maybe none", async () => {
    const env = { KSERVE_ALLOWED_NAMESPACES: "*" };
    const { app: admin } = setup(["create@a", "patch@a", "create@b", "patch@b"], env);
    for (const namespace of ["a", "b"]) {
      await admin.request("/api/v1/deploy", {
        method: "POST",
        headers: bearer(),
        body: JSON.stringify({ model: "anomaly-detector", namespace }),
      });
    }
    const list = async (allow: string[]) => {
      const { app, authorizer } = setup(allow, env);
      const res = await app.request("/api/v1/inferenceservices", { headers: bearer() });
      return { res, authorizer };
    };
    const all = await list(["list@"]);
    expect((await json(all.res)).total).toBe(2);
    expect(all.authorizer.calls).toEqual(["authenticate Bearer good -", "authorize alice list *"]);

    const some = await list(["list@b"]);
    expect(await json(some.res)).toMatchObject({ total: 1, inferenceServices: [{ namespace: "b" }] });

    const none = await list([]);
    expect(none.res.status).toBe(200);
    expect(await json(none.res)).toEqual({ inferenceServices: [], total: 0 });
  });

  it("with KSERVE_ALLOWED_NAMESPACES=* and no managed CR anywhere: 200 with an empty list, not 403", async () => {
    const { app, authorizer } = setup(["list@c"], { KSERVE_ALLOWED_NAMESPACES: "*" });
    const res = await app.request("/api/v1/inferenceservices", { headers: bearer() });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ inferenceServices: [], total: 0 });
    expect(authorizer.calls).toEqual(["authenticate Bearer good -", "authorize alice list *"]);
    const one = await app.request("/api/v1/inferenceservices?namespace=d", { headers: bearer() });
    expect(one.status).toBe(403);
  });

  it("an authorizer that cannot reach the API (503) is not taken for a denial", async () => {
    const { app, authorizer } = setup([]);
    authorizer.authorize = async () => {
      throw new HttpError(503, "Kubernetes API unreachable (SubjectAccessReview)");
    };
    const res = await app.request("/api/v1/inferenceservices", { headers: bearer() });
    expect(res.status).toBe(503);
  });
});

describe("no cluster configured", () => {
  it("answers 503 saying how to configure one, before asking for a token, on every route and event", async () => {
    const authorizer = new FakeAuthorizer([]);
    const noCluster = kubeConnection({ inCluster: false, kubeconfig: undefined }, { homeDir: "", exists: () => false });
    const app = createApp({ config: testConfig(), logger: log.logger, connection: noCluster, authorizer });
    const requests: [string, RequestInit][] = [
      ["/api/v1/deploy", { method: "POST", body: '{"model":"anomaly-detector"}' }],
      ["/api/v1/undeploy/ml/x", { method: "DELETE" }],
      ["/api/v1/inferenceservices", {}],
      ["/api/v1/inferenceservices/ml/x", {}],
      [
        "/",
        {
          method: "POST",
          headers: { "ce-specversion": "1.0", "ce-type": "boson.fn", "ce-source": "/boson/fn", "ce-id": "1" },
          body: "{}",
        },
      ],
    ];
    for (const [path, init] of requests) {
      const res = await app.request(path, init);
      expect(res.status, path).toBe(503);
      expect(((await res.json()) as { error: string }).error).toMatch(
        /^no Kubernetes cluster configured: set KUBERNETES_KUBECONFIG/,
      );
    }
    expect(authorizer.calls).toEqual([]);
    expect((await app.request("/health/readiness")).status).toBe(200);
  });
});

describe("what createApp builds from the configuration", () => {
  /** A connection to a stand-in API server that accepts every token and allows everything; counts its uses. */
  function fakeConnection() {
    const requests: KubeRequest[] = [];
    let opened = 0;
    const send = async (request: KubeRequest) => {
      requests.push(request);
      if (request.path.endsWith("/tokenreviews")) {
        return { status: 201, body: { status: { authenticated: true, user: { username: "alice", groups: [] } } } };
      }
      if (request.path.endsWith("/subjectaccessreviews")) return { status: 201, body: { status: { allowed: true } } };
      return { status: 200, body: { kind: "InferenceServiceList", items: [] } };
    };
    const connection: KubeConnection = async () => {
      opened++;
      return send;
    };
    return { connection, requests, opened: () => opened };
  }

  it("MODELGATE_AUTH=kubernetes: an authorizer whose reviews go over the InferenceService client's connection", async () => {
    const api = fakeConnection();
    const app = createApp({
      config: testConfig({ MODELGATE_AUTH: "kubernetes" }),
      logger: log.logger,
      connection: api.connection,
    });
    expect(api.opened()).toBe(0);
    expect((await app.request("/api/v1/inferenceservices?namespace=ml")).status).toBe(401);
    const res = await app.request("/api/v1/inferenceservices?namespace=ml", { headers: bearer("token") });
    expect(res.status).toBe(200);
    expect(api.requests.map((r) => [r.method, r.path.split("?")[0], r.timeoutMs])).toEqual([
      ["POST", "/apis/authentication.k8s.io/v1/tokenreviews", 5_000],
      ["POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", 5_000],
      ["GET", "/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices", undefined],
    ]);
  });

  it("MODELGATE_AUTH=none: no authorizer, a warning, and no review", async () => {
    const api = fakeConnection();
    const app = createApp({
      config: testConfig({ MODELGATE_AUTH: "none" }),
      logger: log.logger,
      connection: api.connection,
    });
    expect((await app.request("/api/v1/inferenceservices?namespace=ml")).status).toBe(200);
    expect(api.requests.map((r) => r.path.split("?")[0])).toEqual([
      "/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices",
    ]);
    expect(log.lines.filter((line) => String(line.msg).startsWith("MODELGATE_AUTH=none"))).toHaveLength(1);
  });
});
