import type { Readable } from "node:stream";

/** What is told about a stream's events while it is listened to. */
export interface SourceReader {
  received(chunk: Buffer): void;
  completed(): void;
  failed(error: Error): void;
}

const READER = Symbol("predict.sourceReader");
const DISCONNECTED = "the caller disconnected before sending the whole body";
type Source = Readable & { [READER]?: SourceReader | undefined };

// The same functions for every request, reading their reader from the stream (`this`): no closures.
function onData(this: Source, chunk: Buffer): void {
  this[READER]?.received(chunk);
}

function onEnd(this: Source): void {
  this[READER]?.completed();
}

function onError(this: Source, error: Error): void {
  this[READER]?.failed(error);
}

function onClose(this: Source): void {
  if (!this.readableEnded) this[READER]?.failed(disconnected());
}

/**
 * Tells `reader` the chunks, the end and the failure (an error, or a close before the end) of `source`, and
 * lets it flow, until {@link unlisten}.
 *
 * @example
 * listen(incoming, { received: (chunk) => {}, completed: () => {}, failed: (error) => {} });
 */
export function listen(source: Readable, reader: SourceReader): void {
  (source as Source)[READER] = reader;
  source.on("data", onData);
  source.once("end", onEnd);
  source.once("error", onError);
  source.once("close", onClose);
  source.resume();
}

/**
 * Stops telling `source`'s events (it keeps flowing unless paused).
 *
 * @example
 * unlisten(incoming);
 * incoming.pause();
 */
export function unlisten(source: Readable): void {
  (source as Source)[READER] = undefined;
  source.off("data", onData);
  source.off("end", onEnd);
  source.off("error", onError);
  source.off("close", onClose);
}

/** The error of a caller that went away before its body ended. */
export function disconnected(): Error {
  return new Error(DISCONNECTED);
}
