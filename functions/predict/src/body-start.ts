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
 * 400 unless the first non-blank byte is `{` (undefined: there is none, the body is empty).
 *
 * @example
 * checkStart(firstNonBlank(chunk));
 */
export function checkStart(first: number | undefined): void {
  if (first === undefined) throw emptyBody();
  if (first !== OPEN_BRACE) {
    throw new HttpError(400, `request body must be a JSON object: it starts with ${describeByte(first)}, not "{"`);
  }
}

/** Rethrows a failure to read the caller's body as a 400. */
export function unreadable(error: unknown): never {
  throw new HttpError(400, "the request body could not be read (the caller disconnected?)", { cause: error });
}

/** The 400 for a body without a single non-blank byte. */
export function emptyBody(): HttpError {
  return new HttpError(400, "request body is empty: expected a JSON object");
}
