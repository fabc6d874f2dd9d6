import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { HttpError, tooLarge } from "@modelgate/http";
import { checkStart, firstNonBlank, unreadable } from "./body-start.ts";
import { type BodyStream, type PreparedBody, REPLAY_BYTES } from "./request-body.ts";

/**
 * A body from a Node request, checked and streamed on with plain stream events (no promise per chunk):
 * reads until the first non-blank byte (413 past `maxBytes`, 400 unless it is `{`), then pauses; the rest
 * flows when the upstream request reads it.
 *
 * @example
 * const body = await prepareNodeBody(incoming, undefined, config.maxBodyBytes);
 */
export async function prepareNodeBody(
  incoming: IncomingMessage,
  declared: number | undefined,
  maxBytes: number,
): Promise<PreparedBody> {
  const { held, size, ended } = await peek(incoming, maxBytes).catch((error: unknown) => {
    if (error instanceof HttpError) throw error;
    return unreadable(error);
  });
  checkStart(firstNonBlank(held[held.length - 1] ?? Buffer.alloc(0)));
  if (ended || (declared !== undefined && size >= declared)) {
    return { kind: "bytes", bytes: Buffer.concat(held, size) };
  }
  return { kind: "stream", stream: new NodeBody(incoming, held, size, maxBytes), contentLength: declared };
}

interface Peeked {
  readonly held: Buffer[];
  readonly size: number;
  readonly ended: boolean;
}

/** Reads chunks until one has a non-blank byte (or the body ends), then pauses the request. */
function peek(incoming: IncomingMessage, maxBytes: number): Promise<Peeked> {
  return new Promise((resolve, reject) => {
    const held: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        stop();
        incoming.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      held.push(chunk);
      if (firstNonBlank(chunk) === undefined) return;
      stop();
      incoming.pause();
      resolve({ held, size, ended: false });
    };
    const onEnd = (): void => {
      stop();
      resolve({ held, size, ended: true });
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    const onClose = (): void => onError(new Error("the caller disconnected before sending the whole body"));
    incoming.on("data", onData);
    incoming.once("end", onEnd);
    incoming.once("error", onError);
    incoming.once("close", onClose);
  });
}

/** The rest of a Node request's body, pumped into one {@link Readable} per upstream attempt. */
class NodeBody implements BodyStream {
  onProgress: () => void = () => {};
  #overflowed = false;
  #ended = false;
  #replay: Buffer[] | undefined;
  #size: number;
  #pump: Pump | undefined;
  #opened = false;
  readonly #incoming: IncomingMessage;
  readonly #maxBytes: number;

  constructor(incoming: IncomingMessage, held: Buffer[], size: number, maxBytes: number) {
    this.#incoming = incoming;
    this.#replay = held;
    this.#size = size;
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
    if (this.#pump !== undefined) this.#detach(this.#pump);
    if (this.#opened && this.#replay === undefined) throw new Error("the request body was already sent");
    this.#opened = true;
    return new Pump(this, this.#replay?.slice() ?? []);
  }

  /** Starts feeding `pump` from the request (after it pushed what was kept). */
  attach(pump: Pump): void {
    this.#pump = pump;
    if (this.#ended) {
      pump.push(null);
      return;
    }
    const incoming = this.#incoming;
    incoming.on("data", this.#onData);
    incoming.once("end", this.#onEnd);
    incoming.once("error", this.#onError);
    incoming.once("close", this.#onClose);
    incoming.resume();
  }

  /** The pump wants more: let the request flow again. */
  more(pump: Pump): void {
    if (this.#pump === pump && !this.#ended) this.#incoming.resume();
  }

  /** Stops feeding `pump` (it was destroyed: the attempt failed or the answer came). */
  detach(pump: Pump): void {
    this.#detach(pump);
  }

  #detach(pump: Pump): void {
    if (this.#pump !== pump) return;
    this.#pump = undefined;
    const incoming = this.#incoming;
    incoming.off("data", this.#onData);
    incoming.off("end", this.#onEnd);
    incoming.off("error", this.#onError);
    incoming.off("close", this.#onClose);
    if (!this.#ended) incoming.pause();
  }

  readonly #onData = (chunk: Buffer): void => {
    const pump = this.#pump;
    if (pump === undefined) return;
    this.#size += chunk.byteLength;
    if (this.#size > this.#maxBytes) {
      this.#overflowed = true;
      this.#detach(pump);
      pump.destroy(tooLarge(this.#maxBytes));
      return;
    }
    if (this.#replay !== undefined) {
      if (this.#size <= REPLAY_BYTES) this.#replay.push(chunk);
      else this.#replay = undefined;
    }
    this.onProgress();
    if (!pump.push(chunk)) this.#incoming.pause();
  };

  readonly #onEnd = (): void => {
    this.#ended = true;
    const pump = this.#pump;
    if (pump === undefined) return;
    this.#detach(pump);
    pump.push(null);
  };

  readonly #onError = (error: Error): void => {
    const pump = this.#pump;
    if (pump === undefined) return;
    this.#detach(pump);
    pump.destroy(error);
  };

  readonly #onClose = (): void => {
    if (!this.#incoming.complete) this.#onError(new Error("the caller disconnected before sending the whole body"));
  };
}

class Pump extends Readable {
  readonly #body: NodeBody;
  #kept: Buffer[] | undefined;

  constructor(body: NodeBody, kept: Buffer[]) {
    super();
    this.#body = body;
    this.#kept = kept;
  }

  override _read(): void {
    const kept = this.#kept;
    if (kept === undefined) {
      this.#body.more(this);
      return;
    }
    this.#kept = undefined;
    for (const chunk of kept) this.push(chunk);
    this.#body.attach(this);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#body.detach(this);
    callback(error);
  }
}
