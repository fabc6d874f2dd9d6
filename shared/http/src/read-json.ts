import type { Context } from "hono";
import { HttpError } from "./http-error.ts";

/**
 * Reads a request body of at most `maxBytes` and parses it as a JSON object.
 * 413 when larger (checked against `content-length` first, then while reading), 400 when it is not JSON
 * or not an object. For small control bodies (deploy, events); predict streams instead.
 *
 * @example
 * const body = await readJsonObject(c, config.maxBodyBytes);
 */
export async function readJsonObject(c: Context, maxBytes: number): Promise<Record<string, unknown>> {
  return parseJsonObject(await readText(c.req.raw, maxBytes));
}

/**
 * A request body's text as a JSON object: 400 when it is empty, not JSON, or not an object (the messages every
 * JSON route answers, whoever read the body).
 *
 * @example
 * parseJsonObject('{"model": "a"}') // { model: "a" }
 */
export function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === "") throw new HttpError(400, "request body is empty: expected a JSON object");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Reads a body as UTF-8 text, refusing more than `maxBytes` with 413. */
export async function readText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as ReadableStream<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

/** The 413 every function answers for a body over `MAX_BODY_BYTES`. */
export function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `request body larger than ${maxBytes} bytes (MAX_BODY_BYTES)`);
}
