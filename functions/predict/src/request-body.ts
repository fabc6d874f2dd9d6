import { Readable } from "node:stream";
import { tooLarge } from "@modelgate/http";
import { checkStart, emptyBody, firstNonBlank, unreadable } from "./body-start.ts";
import type { Caller } from "./caller.ts";
import { prepareNodeBody } from "./node-body.ts";

/** A body declaring at most this many bytes is read whole before it is sent (one write upstream). */
export const WHOLE_BODY_BYTES = 64 * 1024;

/** A request body ready to send upstream: whole (small, fully received) or streamed as it arrives. */
export type PreparedBody =
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  | { readonly kind: "stream"; readonly stream: BodyStream; readonly contentLength: number | undefined };

/** How much of a streamed body is kept, until the upstream answers, to send it again on a fresh connection. */
export const REPLAY_BYTES = 1024 * 1024;

/**
 * A body forwarded while it streams in: counts bytes against the limit and reports progress. Opening it
 * again (a retry on a fresh connection) replays it, while what was sent is within {@link REPLAY_BYTES}.
 */
export interface BodyStream {
  /** The whole body for one attempt, as a stream (a second call replays what was kept, then goes on). */
  open(): Readable;
  /** Called for every chunk passed on (the exchange refreshes its timeout with it). */
  onProgress: () => void;
  /** True once the body went over the limit (the upstream call then fails with the 413 this threw). */
  readonly overflowed: boolean;
  /** True while everything passed on so far is kept (so the body can be sent again). */
  readonly replayable: boolean;
  /** Drops what is kept for a replay (the upstream answered). */
  release(): void;
}

/**
 * Checks a request body without holding it: 413 when it declares or reaches more than `maxBytes`, 400 when it
 * is empty or its first non-blank byte is not `{`. Reads only until that byte; a body already complete then
 * (its `content-length` reached) is returned whole, else the rest is streamed on, counted against the limit.
 *
 * @example
 * const body = await prepareBody(callerOf(c), config.maxBodyBytes);
 * if (body.kind === "stream") body.stream.onProgress = () => timer.refresh();
 */
export async function prepareBody(caller: Caller, maxBytes: number): Promise<PreparedBody> {
  const declared = caller.contentLength;
  if (declared !== undefined && declared > maxBytes) throw tooLarge(maxBytes);
  if (declared !== undefined && declared <= WHOLE_BODY_BYTES && caller.readWhole !== undefined) {
    const bytes = declared === 0 ? Buffer.alloc(0) : await caller.readWhole().catch(unreadable);
    checkStart(firstNonBlank(bytes));
    return { kind: "bytes", bytes };
  }
  if (caller.incoming !== undefined && declared !== 0) return prepareNodeBody(caller.incoming, declared, maxBytes);
  const source = declared === 0 ? undefined : caller.chunks();
  if (source === undefined) throw emptyBody();
  const held: Uint8Array[] = [];
  let size = 0;
  let first: number | undefined;
  while (first === undefined) {
    const next = await source.next().catch(unreadable);
    if (next.done) throw emptyBody();
    size += next.value.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    held.push(next.value);
    first = firstNonBlank(next.value);
  }
  checkStart(first);
  if (declared !== undefined && size >= declared) {
    return { kind: "bytes", bytes: held.length === 1 && held[0] ? held[0] : Buffer.concat(held, size) };
  }
  return { kind: "stream", stream: new ForwardedBody(held, size, source, maxBytes), contentLength: declared };
}

class ForwardedBody implements BodyStream {
  onProgress: () => void = () => {};
  #overflowed = false;
  #generation = 0;
  #pending: Promise<IteratorResult<Uint8Array>> | undefined;
  /** Every chunk passed on so far, while their total is within REPLAY_BYTES; then undefined. */
  #replay: Uint8Array[] | undefined;
  #size: number;
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #maxBytes: number;

  constructor(held: Uint8Array[], size: number, source: AsyncIterator<Uint8Array>, maxBytes: number) {
    this.#replay = held;
    this.#size = size;
    this.#source = source;
    this.#maxBytes = maxBytes;
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  get replayable(): boolean {
    return this.#replay !== undefined;
  }

  release(): void {
    this.#replay = undefined;
  }

  open(): Readable {
    return Readable.from(this, { objectMode: false });
  }

  /** Each call supersedes the previous iteration: a superseded one ends without taking the chunk it awaited. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const generation = ++this.#generation;
    const replay = this.#replay;
    if (replay === undefined && generation > 1) throw new Error("the request body was already sent");
    yield* replay?.slice() ?? [];
    for (;;) {
      this.#pending ??= this.#source.next();
      const next = await this.#pending;
      if (generation !== this.#generation) return;
      this.#pending = undefined;
      if (next.done) return;
      this.#size += next.value.byteLength;
      if (this.#size > this.#maxBytes) {
        this.#overflowed = true;
        throw tooLarge(this.#maxBytes);
      }
      if (this.#replay !== undefined) {
        if (this.#size <= REPLAY_BYTES) this.#replay.push(next.value);
        else this.#replay = undefined;
      }
      this.onProgress();
      yield next.value;
    }
  }
}
