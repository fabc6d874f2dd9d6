import { createHash } from "node:crypto";
import type { Caller } from "../authorizer.ts";

/**
 * The cache key of a token review: SHA-256 of the audience and the token, hex. The token itself is never
 * a key, a log field or part of an error.
 *
 * @example
 * tokenKey(token, "modelgate-deploy") // "3f1c…" (64 hex digits)
 */
export function tokenKey(token: string, audience: string | undefined): string {
  return createHash("sha256")
    .update(audience ?? "")
    .update("\0")
    .update(token)
    .digest("hex");
}

/**
 * The TokenReview to create: with `spec.audiences` when an audience is asked for (Knative Eventing OIDC
 * tokens), else none, and the API server checks against its own issuer's audience.
 *
 * @example
 * tokenReview(token, "modelgate-deploy").spec.audiences // ["modelgate-deploy"]
 */
export function tokenReview(
  token: string,
  audience: string | undefined,
): { apiVersion: string; kind: string; spec: { token: string; audiences?: string[] } } {
  return {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenReview",
    spec: audience === undefined ? { token } : { token, audiences: [audience] },
  };
}

/** What a TokenReview answered. */
export type TokenReviewResult = { authenticated: true; caller: Caller } | { authenticated: false; reason: string };

const strings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

function extraOf(value: unknown): Record<string, string[]> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const extra: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(value)) if (strings(values)) extra[key] = values;
  return Object.keys(extra).length > 0 ? extra : undefined;
}

/**
 * Reads a TokenReview `status`. Authenticated only when `authenticated` is true, a username is present
 * and, when an audience was asked for, the API server confirmed it. `reason` is the API's `status.error`
 * with any occurrence of the token cut out.
 *
 * @example
 * readTokenReview({ authenticated: true, user: { username: "alice", groups: [] } }, token, undefined)
 */
export function readTokenReview(
  status: Record<string, unknown>,
  token: string,
  audience: string | undefined,
): TokenReviewResult {
  const error = typeof status.error === "string" && status.error !== "" ? status.error : undefined;
  if (status.authenticated !== true) {
    return { authenticated: false, reason: redact(error ?? "not authenticated", token) };
  }
  const user = typeof status.user === "object" && status.user !== null ? (status.user as Record<string, unknown>) : {};
  if (typeof user.username !== "string" || user.username === "") {
    return { authenticated: false, reason: "the review named no user" };
  }
  if (audience !== undefined && !(strings(status.audiences) && status.audiences.includes(audience))) {
    return { authenticated: false, reason: `token not valid for audience "${audience}"` };
  }
  const caller: Caller = { username: user.username, groups: strings(user.groups) ? user.groups : [] };
  if (typeof user.uid === "string" && user.uid !== "") caller.uid = user.uid;
  const extra = extraOf(user.extra);
  if (extra !== undefined) caller.extra = extra;
  return { authenticated: true, caller };
}

function redact(text: string, token: string): string {
  return token.length >= 8 ? text.split(token).join("[token]") : text;
}

/**
 * The expiry (epoch ms) a JWT claims in `exp`, read without verifying anything: it is only ever used to
 * cache an accepted review for less time, never for more. `undefined` when the token is no JWT or has none.
 *
 * @example
 * jwtExpiry("eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.sig") // 1700000000000
 */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    if (typeof claims !== "object" || claims === null || !("exp" in claims)) return undefined;
    return typeof claims.exp === "number" && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
