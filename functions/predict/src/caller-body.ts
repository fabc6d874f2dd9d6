import type { Readable } from "node:stream";
import { tooLarge } from "@modelgate/http";
import { BodyPump, type PumpSource } from "./body-pump.ts";
import { firstNonBlank, startError, unreadable } from "./body-start.ts";
import type { BodyStream, PreparedBody } from "./prepared-body.ts";
import { disconnected, listen, type SourceReader, unlisten } from "./source-listeners.ts";

/** The sizes that decide how a caller's body is read (docs/API.md, Predict, "Request" and "One retry"). */
export interface BodySizes {
  /** `MAX_BODY_BYTES` (docs/CONFIGURATION.md): a body declaring or reaching more is refused with 413. */
  readonly maxBytes: number;
  /** A body declaring at most this many bytes is read whole before it is sent (one write upstream). */
  readonly wholeBytes: number;
  /** How much of a streamed body is kept, until the upstream answers, to send it again on a fresh connection. */
  readonly replayBytes: number;
}

/**
 * Reads the caller's body, a Node stream (the request itself, or a Web body adapted once by `web-caller.ts`),
 * with plain stream events (no promise per chunk). 413 when it declares or reaches more than `maxBytes`, 400
 * when it is empty or its first non-blank byte is not `{`. A body declaring at most `wholeBytes` is read
 * whole; any other is read until that byte, then returned whole if already complete, else streamed on.
 *
 * @example
 * const body = await readCallerBody(caller.body, caller.contentLength, sizes);
 * if (body.kind === "stream") body.stream.onProgress = () => timer.refresh();
 */
export function readCallerBody(
  source: Readable,
  declared: number | undefined,
  sizes: BodySizes,
  mode: ReadMode = PROXIED,
): Promise<PreparedBody> {
  return new Promise((resolve, reject) => new CallerBody(source, declared, sizes, mode, { resolve, reject }).start());
}

/** How a body is read: as the proxy routes read it (the default), or whole and unchecked for JSON routes. */
export interface ReadMode {
  /** Read to the end whatever it declares (a JSON route parses it whole): always `kind: "bytes"`. */
  readonly whole: boolean;
  /** Refuse a body whose first non-blank byte is not `{` (400); an empty body is refused either way. */
  readonly objectStart: boolean;
}

const PROXIED: ReadMode = { whole: false, objectStart: true };

interface Waiting {
  readonly resolve: (body: PreparedBody) => void;
  readonly reject: (error: unknown) => void;
}

function noProgress(): void {}

/**
 * One caller's body: its start (until the first non-blank byte, or whole), then, when streamed, one
 * {@link BodyPump} per upstream attempt. The only reader of the body: it alone counts it against the limit
 * and keeps what a retry replays.
 */
class CallerBody implements BodyStream, PumpSource, SourceReader {
  onProgress: () => void = noProgress;
  #overflowed = false;
  #ended = false;
  #opened = false;
  #size = 0;
  #first: number | undefined;
  /** The chunks received, while needed: every one of the start, then while within `replayBytes`. */
  #kept: Buffer[] | undefined = [];
  /** Set while the start is read. */
  #waiting: Waiting | undefined;
  /** Set while an attempt takes the body. */
  #pump: BodyPump | undefined;
  readonly #source: Readable;
  readonly #declared: number | undefined;
  readonly #sizes: BodySizes;
  readonly #whole: boolean;
  readonly #objectStart: boolean;

  constructor(source: Readable, declared: number | undefined, sizes: BodySizes, mode: ReadMode, waiting: Waiting) {
    this.#source = source;
    this.#declared = declared;
    this.#sizes = sizes;
    this.#objectStart = mode.objectStart;
    this.#waiting = waiting;
    this.#whole = mode.whole || (declared !== undefined && declared <= sizes.wholeBytes);
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  get replayable(): boolean {
    return this.#kept !== undefined;
  }

  start(): void {
    if (this.#declared !== undefined && this.#over(this.#declared)) this.#stop(tooLarge(this.#sizes.maxBytes));
    else listen(this.#source, this);
  }

  release(): void {
    this.#kept = undefined;
  }

  open(): Readable {
    if (this.#pump !== undefined) this.detach(this.#pump);
    if (this.#opened && this.#kept === undefined) throw new Error("the request body was already sent");
    this.#opened = true;
    return new BodyPump(this, this.#kept?.slice() ?? []);
  }

  attach(pump: BodyPump): void {
    if (this.#ended) pump.push(null);
    else if (this.#source.destroyed) pump.destroy(this.#source.errored ?? disconnected());
    else {
      this.#pump = pump;
      listen(this.#source, this);
    }
  }

  more(pump: BodyPump): void {
    if (this.#pump === pump) this.#source.resume();
  }

  detach(pump: BodyPump): void {
    if (this.#pump !== pump) return;
    this.#pump = undefined;
    unlisten(this.#source);
    this.#source.pause();
  }

  // Told by source-listeners.ts while listening.

  /** A chunk: counted against the limit, kept for the start or a replay, passed on to the attempt. */
  received(chunk: Buffer): void {
    this.#size += chunk.byteLength;
    if (this.#over(this.#size)) {
      this.#overflow();
      return;
    }
    if (this.#waiting !== undefined) {
      this.#kept?.push(chunk);
      this.#first ??= firstNonBlank(chunk);
      if (this.#first !== undefined && !this.#whole) {
        unlisten(this.#source);
        this.#source.pause();
        this.#started(this.#declared !== undefined && this.#size >= this.#declared);
      }
      return;
    }
    const pump = this.#pump;
    if (pump === undefined) return; // not listening then
    if (this.#kept !== undefined) {
      if (this.#size <= this.#sizes.replayBytes) this.#kept.push(chunk);
      else this.#kept = undefined;
    }
    this.onProgress();
    if (!pump.push(chunk)) this.#source.pause();
  }

  /** The end of the body: the start is the whole body, or the attempt's body ends. */
  completed(): void {
    this.#ended = true;
    unlisten(this.#source);
    if (this.#waiting !== undefined) {
      this.#started(true);
      return;
    }
    const pump = this.#pump;
    this.#pump = undefined;
    pump?.push(null);
  }

  /** The caller's body failed: a 400 while the start is read, else the attempt fails with it. */
  failed(error: Error): void {
    this.#stop(this.#waiting === undefined ? error : unreadable(error));
  }

  /** The one check of `MAX_BODY_BYTES`: for the declared length, then for the bytes received so far. */
  #over(bytes: number): boolean {
    return bytes > this.#sizes.maxBytes;
  }

  /** The start is read: 400 unless it starts with `{`, else the body whole (`complete`) or streamed. */
  #started(complete: boolean): void {
    const waiting = this.#waiting;
    if (waiting === undefined) return;
    this.#waiting = undefined;
    const refused = this.#objectStart || this.#first === undefined ? startError(this.#first) : undefined;
    if (refused !== undefined) waiting.reject(refused);
    else if (!complete) waiting.resolve({ kind: "stream", stream: this, contentLength: this.#declared });
    else {
      const kept = this.#kept ?? [];
      this.#kept = undefined;
      waiting.resolve({
        kind: "bytes",
        bytes: kept.length === 1 && kept[0] ? kept[0] : Buffer.concat(kept, this.#size),
      });
    }
  }

  /** Over the limit while reading: 413 for the start, else the attempt fails with it (see `overflowed`). */
  #overflow(): void {
    this.#overflowed = true;
    this.#stop(tooLarge(this.#sizes.maxBytes));
    this.#source.pause();
  }

  /** Stops reading: the start is refused with `error`, or the attempt taking the body fails with it. */
  #stop(error: Error): void {
    unlisten(this.#source);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    const pump = this.#pump;
    this.#pump = undefined;
    if (waiting !== undefined) waiting.reject(error);
    else pump?.destroy(error);
  }
}
