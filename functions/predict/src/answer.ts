import type { Caller } from "./caller.ts";
import type { UpstreamAnswer } from "./exchange.ts";

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The caller's response for an upstream answer: same status, same headers (`ANSWER_HEADERS`), same body. A whole answer
 * to a caller served by Node is written on its socket at once (`requestId` then goes in `x-request-id` here).
 *
 * @example
 * return toResponse(await exchange(dispatcher, call), caller, c.get("requestId"));
 */
export function toResponse(answer: UpstreamAnswer, caller?: Pick<Caller, "sendWhole">, requestId?: string): Response {
  const headers: Record<string, string> = { ...answer.headers };
  const body = NULL_BODY_STATUSES.has(answer.status) ? null : answer.body;
  if (caller?.sendWhole !== undefined && requestId !== undefined && (body === null || body instanceof Uint8Array)) {
    headers["x-request-id"] = requestId;
    return caller.sendWhole(answer.status, headers, body);
  }
  return new Response(body, { status: answer.status, headers });
}
