/** Caller headers as Node exposes them: lowercase names, repeated headers as arrays. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

const FORWARDED = new Set([
  "content-type",
  "accept",
  "authorization",
  "traceparent",
  "tracestate",
  "inference-header-content-length",
]);

/**
 * The headers sent upstream (docs/API.md, Predict): `content-type` (default `application/json`, the body being a
 * JSON object), `accept`, `authorization`, `traceparent`, `tracestate`, `inference-header-content-length` (KServe's
 * binary tensor extension), every `ce-*`, and `x-request-id`
 * (the request's id: the caller's, or the one generated for it). A call without a body (`withBody` false)
 * sends no `content-type`.
 *
 * @example
 * forwardHeaders({ accept: "application/json", cookie: "a=b" }, "req-1")
 * // { accept: "application/json", "x-request-id": "req-1", "content-type": "application/json" }
 */
export function forwardHeaders(from: HeaderBag, requestId: string, withBody = true): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const name in from) {
    const value = from[name];
    if (value === undefined) continue;
    if (!withBody && name === "content-type") continue;
    if (FORWARDED.has(name) || name.startsWith("ce-")) headers[name] = typeof value === "string" ? value : [...value];
  }
  headers["x-request-id"] = requestId;
  if (withBody) headers["content-type"] ??= "application/json";
  return headers;
}
