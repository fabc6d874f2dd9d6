import { HttpError } from "@modelgate/http";

/** The challenge every 401 of modelgate carries (RFC 6750). */
export const WWW_AUTHENTICATE = 'Bearer realm="modelgate"';

/** RFC 6750 `b64token` (also every JWT). */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Schemes worth naming back (IANA registry and common ones); anything else may be a bare credential. */
const KNOWN_SCHEMES = new Set([
  "basic",
  "digest",
  "negotiate",
  "ntlm",
  "token",
  "hoba",
  "mutual",
  "dpop",
  "aws4-hmac-sha256",
]);

/**
 * A 401 with the `WWW-Authenticate` challenge. `error` is the RFC 6750 error code (`invalid_token` for a
 * token the cluster refused); omitted when the request carried no usable credentials.
 *
 * @example
 * throw unauthorized("token rejected by the Kubernetes API", "invalid_token");
 */
export function unauthorized(message: string, error?: "invalid_token"): HttpError {
  const challenge = error === undefined ? WWW_AUTHENTICATE : `${WWW_AUTHENTICATE}, error="${error}"`;
  return new HttpError(401, message, { headers: { "WWW-Authenticate": challenge } });
}

/**
 * The token of an `Authorization: Bearer <token>` header value; a 401 (with `WWW-Authenticate`) when
 * the header is absent, uses another scheme, or is not exactly a scheme and one token. The scheme is
 * case-insensitive (RFC 7235). Nothing of the credentials is ever put in the error.
 *
 * @example
 * bearerToken("Bearer eyJhbGciOi...") // "eyJhbGciOi..."
 * bearerToken(undefined) // throws HttpError 401
 */
export function bearerToken(authorization: string | undefined): string {
  const value = authorization?.trim() ?? "";
  if (value === "") {
    throw unauthorized(
      'missing Authorization header: send "Authorization: Bearer <token>" with a token the cluster issued ' +
        "(e.g. kubectl create token <service-account>)",
    );
  }
  const [scheme = "", ...rest] = value.split(/[ \t]+/);
  if (scheme.toLowerCase() !== "bearer") {
    const named = KNOWN_SCHEMES.has(scheme.toLowerCase()) && rest.length > 0 ? ` "${scheme}"` : "";
    throw unauthorized(`unsupported Authorization scheme${named}: expected "Bearer <token>"`);
  }
  const token = rest.length === 1 ? rest[0] : undefined;
  if (token === undefined || !TOKEN68.test(token)) {
    throw unauthorized('malformed Authorization header: expected "Bearer <token>" with exactly one token');
  }
  return token;
}
