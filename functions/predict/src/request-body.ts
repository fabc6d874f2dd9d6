import type { Caller } from "./caller.ts";
import { readCallerBody } from "./caller-body.ts";
import type { PreparedBody } from "./prepared-body.ts";

/** A body declaring at most this many bytes is read whole before it is sent (one write upstream). */
export const WHOLE_BODY_BYTES = 64 * 1024;

/** How much of a streamed body is kept, until the upstream answers, to send it again on a fresh connection. */
export const REPLAY_BYTES = 1024 * 1024;

/**
 * The caller's body checked and ready to send (docs/API.md, Predict): 413 when it declares or reaches more
 * than `maxBytes` (`MAX_BODY_BYTES`), 400 when it is empty or does not start with `{`. Up to
 * {@link WHOLE_BODY_BYTES} declared, it is read whole; else streamed on, replayable within {@link REPLAY_BYTES}.
 *
 * @example
 * const body = await prepareBody(callerOf(c), config.maxBodyBytes);
 */
export function prepareBody(caller: Pick<Caller, "body" | "contentLength">, maxBytes: number): Promise<PreparedBody> {
  return readCallerBody(caller.body, caller.contentLength, {
    maxBytes,
    wholeBytes: WHOLE_BODY_BYTES,
    replayBytes: REPLAY_BYTES,
  });
}
