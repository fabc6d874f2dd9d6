import { createLogger, HttpError } from "@modelgate/http";
import type { KubeApiResponse } from "@modelgate/kube";
import { describe, expect, it } from "vitest";
import { KubernetesAuthorizer, type KubernetesAuthorizerOptions } from "../src/auth/kubernetes-authorizer.ts";
import type { KubePost } from "../src/kube/create-review.ts";

const TOKEN_PATH = "/apis/authentication.k8s.io/v1/tokenreviews";

/** A JWT-shaped token (unsigned: only the API server judges tokens) with the given `exp` (epoch s). */
function jwt(sub: string, exp?: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256" })}.${part(exp === undefined ? { sub } : { sub, exp })}.c2lnbmF0dXJlLXNlY3JldA`;
}

type Handler = (path: string, body: unknown) => KubeApiResponse | Promise<KubeApiResponse>;

function fakeApi(handler: Handler): { post: KubePost; calls: { path: string; body: unknown }[] } {
  const calls: { path: string; body: unknown }[] = [];
  return {
    calls,
    post: async (path, body) => {
      calls.push({ path, body });
      return handler(path, body);
    },
  };
}

const accepted =
  (user: Record<string, unknown> = { username: "alice", uid: "u-1", groups: ["dev"] }, audiences?: string[]) =>
  (): KubeApiResponse => ({ status: 201, body: { status: { authenticated: true, user, audiences } } });

function setup(handler: Handler, options: Partial<KubernetesAuthorizerOptions> = {}) {
  let t = 1_700_000_000_000;
  const lines: string[] = [];
  const logger = createLogger({ name: "test", level: "trace", destination: { write: (line) => lines.push(line) } });
  const api = fakeApi(handler);
  const authorizer = new KubernetesAuthorizer({ post: api.post, logger, now: () => t, ...options });
  return {
    authorizer,
    api,
    lines,
    advance: (ms: number) => {
      t += ms;
    },
    now: () => t,
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

describe("KubernetesAuthorizer.authenticate", () => {
  const token = jwt("alice");

  it("answers 401 with the challenge, without asking the API, when the header is missing or malformed", async () => {
    const { authorizer, api } = setup(accepted());
    for (const header of [undefined, "", "Basic YWxpY2U6cw==", "Bearer", "Bearer a b"]) {
      const error = await refusal(authorizer.authenticate(header, {}));
      expect(error.status).toBe(401);
      expect(error.headers["WWW-Authenticate"]).toBe('Bearer realm="modelgate"');
    }
    expect(api.calls).toHaveLength(0);
  });

  it("sends the token in a TokenReview without audiences and returns the reviewed user", async () => {
    const user = { username: "alice", uid: "u-1", groups: ["dev", "system:authenticated"], extra: { scope: ["a"] } };
    const { authorizer, api } = setup(accepted(user));
    const caller = await authorizer.authenticate(`Bearer ${token}`, {});
    expect(caller).toEqual(user);
    expect(api.calls).toEqual([
      {
        path: TOKEN_PATH,
        body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
      },
    ]);
  });

  it("passes the audience through and accepts a review confirming it", async () => {
    const { authorizer, api } = setup(accepted(undefined, ["modelgate-deploy"]));
    await authorizer.authenticate(`Bearer ${token}`, { audience: "modelgate-deploy" });
    expect(api.calls[0]?.body).toMatchObject({ spec: { token, audiences: ["modelgate-deploy"] } });
  });

  it("refuses a review that confirms other audiences only", async () => {
    const { authorizer } = setup(accepted(undefined, ["other"]));
    const error = await refusal(authorizer.authenticate(`Bearer ${token}`, { audience: "modelgate-deploy" }));
    expect(error.status).toBe(401);
    expect(error.message).toContain('not valid for audience "modelgate-deploy"');
  });

  it("refuses a review that asked for an audience but confirms none (audiences missing, empty or malformed)", async () => {
    for (const audiences of [undefined, [], "modelgate-deploy", [7]]) {
      const { authorizer } = setup(() => ({
        status: 201,
        body: { status: { authenticated: true, user: { username: "alice" }, audiences } },
      }));
      const error = await refusal(authorizer.authenticate(`Bearer ${token}`, { audience: "modelgate-deploy" }));
      expect(error.status).toBe(401);
      expect(error.message).toContain('not valid for audience "modelgate-deploy"');
    }
  });

  it("keeps only well-formed user fields", async () => {
    const { authorizer } = setup(accepted({ username: "bob", uid: "", groups: "nope", extra: { a: ["x"], b: [1] } }));
    expect(await authorizer.authenticate(`Bearer ${token}`, {})).toEqual({
      username: "bob",
      groups: [],
      extra: { a: ["x"] },
    });
  });

  it("answers 401 with the API's reason when the token is not authenticated, and never caches it", async () => {
    const { authorizer, api } = setup(() => ({
      status: 201,
      body: { status: { authenticated: false, error: "[invalid bearer token, token has been invalidated]" } },
    }));
    for (let i = 0; i < 2; i++) {
      const error = await refusal(authorizer.authenticate(`Bearer ${token}`, { audience: "aud" }));
      expect(error.status).toBe(401);
      expect(error.message).toBe(
        'token rejected by the Kubernetes API for audience "aud": [invalid bearer token, token has been invalidated]',
      );
      expect(error.headers["WWW-Authenticate"]).toBe('Bearer realm="modelgate", error="invalid_token"');
    }
    expect(api.calls).toHaveLength(2);
    expect(authorizer.caches.tokens.size).toBe(0);
  });

  it("says 'not authenticated' when the API gives no reason, and cuts the token out of one it gives", async () => {
    const silent = setup(() => ({ status: 201, body: { status: {} } }));
    expect((await refusal(silent.authorizer.authenticate(`Bearer ${token}`, {}))).message).toBe(
      "token rejected by the Kubernetes API: not authenticated",
    );
    const echo = setup(() => ({ status: 201, body: { status: { authenticated: false, error: `bad ${token}` } } }));
    const error = await refusal(echo.authorizer.authenticate(`Bearer ${token}`, {}));
    expect(error.message).toBe("token rejected by the Kubernetes API: bad [token]");
  });

  it("answers 401 when an authenticated review names no user", async () => {
    const { authorizer } = setup(accepted({ groups: [] }));
    expect((await refusal(authorizer.authenticate(`Bearer ${token}`, {}))).message).toContain("named no user");
  });

  it("answers 503 (never 401) when the API cannot be reached, and does not cache it", async () => {
    let reachable = false;
    const { authorizer, api } = setup(() => {
      if (!reachable) throw new Error("connect ECONNREFUSED 10.0.0.1:443");
      return accepted()();
    });
    const error = await refusal(authorizer.authenticate(`Bearer ${token}`, {}));
    expect(error.status).toBe(503);
    expect(error.message).toBe(
      "Kubernetes API unreachable (create tokenreviews.authentication.k8s.io): connect ECONNREFUSED 10.0.0.1:443",
    );
    expect(error.cause).toBeInstanceOf(Error);
    reachable = true;
    expect((await authorizer.authenticate(`Bearer ${token}`, {})).username).toBe("alice");
    expect(api.calls).toHaveLength(2);
  });

  it.each([401, 403])(
    "answers 502 naming verb and resource when the API refuses our own identity (%i)",
    async (status) => {
      const message =
        'tokenreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:x:deploy" cannot create';
      const { authorizer } = setup(() => ({ status, body: { kind: "Status", message } }));
      const error = await refusal(authorizer.authenticate(`Bearer ${token}`, {}));
      expect(error.status).toBe(502);
      expect(error.message).toBe(
        `the Kubernetes API refused modelgate's own identity (HTTP ${status}) to create tokenreviews.authentication.k8s.io: ${message}`,
      );
    },
  );

  it.each([429, 500, 503])("answers 503 when the API answers %i", async (status) => {
    const { authorizer } = setup(() => ({ status, body: "etcdserver: request timed out" }));
    const error = await refusal(authorizer.authenticate(`Bearer ${token}`, {}));
    expect(error.status).toBe(503);
    expect(error.message).toContain(`(HTTP ${status})`);
    expect(error.message).toContain("etcdserver: request timed out");
  });

  it.each([
    [404, { message: "the server could not find the requested resource" }],
    [201, {}],
    [201, { status: "yes" }],
    [201, "not json"],
  ])("answers 502 on an unexpected answer (%i %j)", async (status, body) => {
    const { authorizer } = setup(() => ({ status, body }));
    const error = await refusal(authorizer.authenticate(`Bearer ${token}`, {}));
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/unexpected answer from the Kubernetes API.*tokenreviews\.authentication\.k8s\.io/);
  });

  describe("cache", () => {
    it("reuses an accepted review for 60 s without asking the API again", async () => {
      const { authorizer, api, advance } = setup(accepted());
      await authorizer.authenticate(`Bearer ${token}`, {});
      advance(59_999);
      expect((await authorizer.authenticate(`Bearer ${token}`, {})).username).toBe("alice");
      expect(api.calls).toHaveLength(1);
      advance(1);
      await authorizer.authenticate(`Bearer ${token}`, {});
      expect(api.calls).toHaveLength(2);
    });

    it("never keeps one longer than 60 s, whatever it is told", async () => {
      const { authorizer, api, advance } = setup(accepted(), { tokenCache: { ttlMs: 600_000 } });
      await authorizer.authenticate(`Bearer ${token}`, {});
      advance(60_000);
      await authorizer.authenticate(`Bearer ${token}`, {});
      expect(api.calls).toHaveLength(2);
    });

    it("never past the token's own exp", async () => {
      const { authorizer, api, advance, now } = setup(accepted());
      const short = jwt("alice", Math.floor(now() / 1000) + 5);
      await authorizer.authenticate(`Bearer ${short}`, {});
      advance(4_999);
      await authorizer.authenticate(`Bearer ${short}`, {});
      expect(api.calls).toHaveLength(1);
      advance(1);
      await authorizer.authenticate(`Bearer ${short}`, {});
      expect(api.calls).toHaveLength(2);
    });

    it("reviews separately per token and per audience", async () => {
      const { authorizer, api } = setup(accepted(undefined, ["a", "b"]));
      await authorizer.authenticate(`Bearer ${token}`, {});
      await authorizer.authenticate(`Bearer ${token}`, { audience: "a" });
      await authorizer.authenticate(`Bearer ${token}`, { audience: "b" });
      await authorizer.authenticate(`Bearer ${jwt("other")}`, {});
      await authorizer.authenticate(`bearer  ${token}`, { audience: "a" });
      expect(api.calls).toHaveLength(4);
    });

    it("holds at most maxEntries reviews, evicting the least recently used", async () => {
      const { authorizer, api } = setup(accepted(), { tokenCache: { maxEntries: 2 } });
      const [a, b, c] = [jwt("a"), jwt("b"), jwt("c")];
      for (const t of [a, b, a, c]) await authorizer.authenticate(`Bearer ${t}`, {});
      expect(api.calls).toHaveLength(3);
      expect(authorizer.caches.tokens.size).toBe(2);
      await authorizer.authenticate(`Bearer ${a}`, {});
      expect(api.calls).toHaveLength(3);
      await authorizer.authenticate(`Bearer ${b}`, {});
      expect(api.calls).toHaveLength(4);
    });

    it("shares one review between concurrent requests with the same token", async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const { authorizer, api } = setup(async () => {
        await gate;
        return accepted()();
      });
      const all = Promise.all([1, 2, 3].map(() => authorizer.authenticate(`Bearer ${token}`, {})));
      release();
      expect((await all).map((caller) => caller.username)).toEqual(["alice", "alice", "alice"]);
      expect(api.calls).toHaveLength(1);
    });

    it("hands out a frozen caller, so no request can change what the next one gets", async () => {
      const { authorizer } = setup(accepted({ username: "alice", groups: ["dev"], extra: { k: ["v"] } }));
      const caller = await authorizer.authenticate(`Bearer ${token}`, {});
      expect(Object.isFrozen(caller)).toBe(true);
      expect(Object.isFrozen(caller.groups)).toBe(true);
      expect(Object.isFrozen(caller.extra?.k)).toBe(true);
    });

    it("keeps no token text in keys, errors or logs", async () => {
      const secret = jwt("secret-subject");
      const { authorizer, lines } = setup((_path, body) => {
        const spec = (body as { spec: { audiences?: string[] } }).spec;
        return spec.audiences?.includes("refused")
          ? { status: 201, body: { status: { error: "invalid bearer token" } } }
          : accepted(undefined, spec.audiences)();
      });
      await authorizer.authenticate(`Bearer ${secret}`, {});
      await authorizer.authenticate(`Bearer ${secret}`, { audience: "aud" });
      const error = await refusal(authorizer.authenticate(`Bearer ${secret}`, { audience: "refused" }));
      const keys = authorizer.caches.tokens.keys();
      expect(keys).toHaveLength(2);
      for (const key of keys) expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(lines.length).toBeGreaterThan(0);
      const everything = [...keys, ...lines, error.message, JSON.stringify(error.headers)].join("\n");
      for (const part of secret.split(".")) expect(everything).not.toContain(part);
    });
  });
});
