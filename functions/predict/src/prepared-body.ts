import type { Readable } from "node:stream";

/** A request body ready to send upstream: none (a read), whole (small, fully received) or streamed as it arrives. */
export type PreparedBody =
  | { readonly kind: "none" }
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  | { readonly kind: "stream"; readonly stream: BodyStream; readonly contentLength: number | undefined };

/**
 * A body forwarded while it streams in: counts bytes against the limit and reports progress. Opening it
 * again (a retry on a fresh connection) replays it, while what was sent is within the replay size.
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
