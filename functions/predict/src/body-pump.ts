import { Readable } from "node:stream";

/** What feeds a {@link BodyPump}: the caller's body, which pushes its chunks into the pump it attached. */
export interface PumpSource {
  /** Starts feeding `pump` (it pushed what was kept for a replay). */
  attach(pump: BodyPump): void;
  /** `pump` wants more: let the caller's body flow again. */
  more(pump: BodyPump): void;
  /** Stops feeding `pump` (it was destroyed: the attempt failed or the answer came). */
  detach(pump: BodyPump): void;
}

/**
 * The body of one upstream attempt: first the chunks kept for a replay, then what the source pushes.
 *
 * @example
 * const pump = new BodyPump(source, kept.slice());
 * dispatcher.dispatch({ origin, path, method: "POST", headers, body: pump }, handler);
 */
export class BodyPump extends Readable {
  readonly #source: PumpSource;
  #kept: Buffer[] | undefined;

  constructor(source: PumpSource, kept: Buffer[]) {
    super();
    this.#source = source;
    this.#kept = kept;
  }

  override _read(): void {
    const kept = this.#kept;
    if (kept === undefined) {
      this.#source.more(this);
      return;
    }
    this.#kept = undefined;
    for (const chunk of kept) this.push(chunk);
    this.#source.attach(this);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#source.detach(this);
    callback(error);
  }
}
