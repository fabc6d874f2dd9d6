import { errorDetails, HttpError, type Logger } from "@modelgate/http";
import { ISVC_RESOURCE, SUBJECT_ACCESS_REVIEWS, TOKEN_REVIEWS } from "@modelgate/kube";
import type { Authorizer, Caller, DeployVerb } from "../authorizer.ts";
import { createReview, type KubePost } from "../kube/create-review.ts";
import { accessKey, accessReview, readAccessReview } from "./access-review.ts";
import { bearerToken, unauthorized } from "./bearer-token.ts";
import { jwtExpiry, readTokenReview, tokenKey, tokenReview } from "./token-review.ts";
import { TtlCache } from "./ttl-cache.ts";

/** Longest time an accepted token review is reused (docs/SECURITY.md, "Caches and their bounds"). */
export const MAX_TOKEN_CACHE_TTL_MS = 60_000;
/** Longest time an access answer is reused (docs/SECURITY.md, "Caches and their bounds"). */
export const MAX_ACCESS_CACHE_TTL_MS = 10_000;

/** Bounds of one cache; TTLs above the documented maximum are lowered to it. */
export interface CacheBounds {
  ttlMs?: number;
  maxEntries?: number;
}

/** Options of {@link KubernetesAuthorizer}. */
export interface KubernetesAuthorizerOptions {
  /** How reviews reach the API server: `reviewPost` over the deploy function's connection. */
  post: KubePost;
  logger?: Logger;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Accepted token reviews: default 60 s, 1000 entries. */
  tokenCache?: CacheBounds;
  /** Access answers (allowed and denied): default 10 s, 10000 entries. */
  accessCache?: CacheBounds;
}

function freezeCaller(caller: Caller): Caller {
  Object.freeze(caller.groups);
  if (caller.extra !== undefined) {
    for (const values of Object.values(caller.extra)) Object.freeze(values);
    Object.freeze(caller.extra);
  }
  return Object.freeze(caller);
}

/**
 * The deploy function's {@link Authorizer} under `MODELGATE_AUTH=kubernetes`: the cluster decides.
 * `authenticate` sends the bearer token to a TokenReview, `authorize` asks one SubjectAccessReview per
 * verb on `inferenceservices.serving.kserve.io` in the namespace. Accepted reviews are reused for at most
 * 60 s (never past the JWT's own `exp`), access answers for at most 10 s; both caches are bounded (least
 * recently used evicted), keyed by SHA-256 digests, and concurrent identical reviews share one API call.
 * A rejected token is never cached. Tokens are never logged, kept, or put in errors.
 *
 * @example
 * const authorizer = new KubernetesAuthorizer({ post: reviewPost(connection), logger });
 * const caller = await authorizer.authenticate(c.req.header("authorization"), {});
 * await authorizer.authorize(caller, ["create", "patch"], "team-a");
 */
export class KubernetesAuthorizer implements Authorizer {
  readonly #post: KubePost;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  readonly #tokens: TtlCache<Caller>;
  readonly #access: TtlCache<boolean>;
  readonly #pendingTokens = new Map<string, Promise<Caller>>();
  readonly #pendingAccess = new Map<string, Promise<boolean>>();

  constructor(options: KubernetesAuthorizerOptions) {
    this.#post = options.post;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#tokens = new TtlCache({
      ttlMs: Math.min(options.tokenCache?.ttlMs ?? MAX_TOKEN_CACHE_TTL_MS, MAX_TOKEN_CACHE_TTL_MS),
      maxEntries: options.tokenCache?.maxEntries ?? 1000,
      now: this.#now,
    });
    this.#access = new TtlCache({
      ttlMs: Math.min(options.accessCache?.ttlMs ?? MAX_ACCESS_CACHE_TTL_MS, MAX_ACCESS_CACHE_TTL_MS),
      maxEntries: options.accessCache?.maxEntries ?? 10_000,
      now: this.#now,
    });
  }

  /** The caches, for tests and diagnostics (keys are SHA-256 digests). */
  get caches(): { readonly tokens: TtlCache<Caller>; readonly access: TtlCache<boolean> } {
    return { tokens: this.#tokens, access: this.#access };
  }

  /**
   * The caller a bearer token belongs to. 401 (with `WWW-Authenticate`) when the header is missing or
   * malformed or the cluster does not accept the token (for `audience` when given); 503 when the API
   * cannot be reached; 502 when it refuses modelgate's own identity.
   */
  authenticate(authorization: string | undefined, options: { audience?: string }): Promise<Caller> {
    let token: string;
    try {
      token = bearerToken(authorization);
    } catch (error) {
      return Promise.reject(error);
    }
    const audience = options.audience;
    const key = tokenKey(token, audience);
    const cached = this.#tokens.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.#pendingTokens.get(key);
    if (pending === undefined) {
      pending = this.#reviewToken(token, audience, key).finally(() => this.#pendingTokens.delete(key));
      this.#pendingTokens.set(key, pending);
    }
    return pending;
  }

  /**
   * Resolves when `caller` may do every one of `verbs` on InferenceServices in `namespace` (the reviews run
   * side by side). 403 naming the first denied verb, resource and namespace; 503 when the API cannot be
   * reached; 502 when it refuses modelgate's own identity.
   */
  async authorize(caller: Caller, verbs: readonly DeployVerb[], namespace: string): Promise<void> {
    if (verbs.length === 0) throw new TypeError("authorize needs at least one verb");
    const answers = await Promise.allSettled(verbs.map((verb) => this.#allowed(caller, verb, namespace)));
    for (const [index, answer] of answers.entries()) {
      if (answer.status === "rejected") throw answer.reason;
      if (!answer.value) {
        const where = namespace === "" ? "in any namespace" : `in namespace ${namespace}`;
        throw new HttpError(403, `${caller.username} may not ${verbs[index]} ${ISVC_RESOURCE} ${where}`);
      }
    }
  }

  async #reviewToken(token: string, audience: string | undefined, key: string): Promise<Caller> {
    const status = await createReview(this.#post, TOKEN_REVIEWS, tokenReview(token, audience));
    const result = readTokenReview(status, token, audience);
    if (!result.authenticated) {
      this.#logger?.info({ audience, reason: result.reason }, "bearer token rejected by TokenReview");
      const scope = audience === undefined ? "" : ` for audience "${audience}"`;
      throw unauthorized(`token rejected by the Kubernetes API${scope}: ${result.reason}`, "invalid_token");
    }
    const caller = freezeCaller(result.caller);
    this.#tokens.set(key, caller, jwtExpiry(token));
    this.#logger?.debug({ user: caller.username, audience }, "bearer token accepted by TokenReview");
    return caller;
  }

  #allowed(caller: Caller, verb: DeployVerb, namespace: string): Promise<boolean> {
    const key = accessKey(caller, verb, namespace);
    const cached = this.#access.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.#pendingAccess.get(key);
    if (pending === undefined) {
      pending = this.#reviewAccess(caller, verb, namespace, key).finally(() => this.#pendingAccess.delete(key));
      this.#pendingAccess.set(key, pending);
    }
    return pending;
  }

  async #reviewAccess(caller: Caller, verb: DeployVerb, namespace: string, key: string): Promise<boolean> {
    let answer: ReturnType<typeof readAccessReview>;
    try {
      answer = readAccessReview(
        await createReview(this.#post, SUBJECT_ACCESS_REVIEWS, accessReview(caller, verb, namespace)),
      );
    } catch (error) {
      this.#logger?.warn({ err: errorDetails(error), user: caller.username, verb, namespace }, "access review failed");
      throw error;
    }
    if (answer.cacheable) this.#access.set(key, answer.allowed);
    if (!answer.allowed) {
      this.#logger?.info(
        { user: caller.username, verb, resource: ISVC_RESOURCE, namespace, reason: answer.reason },
        "access denied by SubjectAccessReview",
      );
    }
    return answer.allowed;
  }
}
