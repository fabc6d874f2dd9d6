import { HttpError } from "@modelgate/http";

const OPEN_BRACE = 0x7b;

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * The first byte of `chunk` that is not JSON whitespace, if any.
 *
 * @example
 * firstNonBlank(Buffer.from(" {")) // 0x7b
 */
export function firstNonBlank(chunk: Uint8Array): number | undefined {
  for (const byte of chunk) if (!isBlank(byte)) return byte;
  return undefined;
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? JSON.stringify(String.fromCharCode(byte)) : `byte 0x${byte.toString(16)}`;
}

/**
 * The 400 for a body whose first non-blank byte is not `{` (undefined: there is none, the body is empty);
 * undefined when the body starts well (docs/API.md, Predict: only the first non-blank byte is checked).
 *
 * @example
 * const refused = startError(firstNonBlank(chunk));
 * if (refused !== undefined) throw refused;
 */
export function startError(first: number | undefined): HttpError | undefined {
  if (first === undefined) return new HttpError(400, "request body is empty: expected a JSON object");
  if (first === OPEN_BRACE) return undefined;
  return new HttpError(400, `request body must be a JSON object: it starts with ${describeByte(first)}, not "{"`);
}

/**
 * The 400 for a body that could not be read.
 *
 * @example
 * reject(unreadable(new Error("aborted")));
 */
export function unreadable(cause: unknown): HttpError {
  return new HttpError(400, "the request body could not be read (the caller disconnected?)", { cause });
}
