import { parseJsonObject } from "@modelgate/http";
import type { Caller } from "./caller.ts";
import { readCallerBody } from "./caller-body.ts";

const WHOLE = { whole: true, objectStart: false } as const;

/**
 * The caller's body as a JSON object, for the routes that read it whole (`/api/v1/detect`): read by the one
 * reader of the caller's body over its Node stream (413 over `maxBytes`, as the proxy routes), then held to
 * the messages of every JSON route (400 when empty, not JSON or not an object).
 *
 * @example
 * const { model, instances } = await readJsonBody(callerOf(c), config.maxBodyBytes);
 */
export async function readJsonBody(
  caller: Pick<Caller, "body" | "contentLength">,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const sizes = { maxBytes, wholeBytes: maxBytes, replayBytes: 0 };
  const body = await readCallerBody(caller.body, caller.contentLength, sizes, WHOLE);
  if (body.kind !== "bytes") throw new Error("a body read whole came back as a stream");
  const { bytes } = body;
  return parseJsonObject(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
}
