import { writeSync } from "node:fs";

/** How long one line may wait for a full pipe (EAGAIN) before it is dropped; 1 ms between tries. */
const FULL_PIPE_TRIES = 1000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes each line to a file descriptor at once, with `writeSync`: a line is out before the call returns, so
 * nothing is lost when the process exits, and nothing is buffered. It asks nothing of `process.stdout` (Node
 * makes that stream on first access: 2–8 ms of start-up for nothing here).
 * - A partial write goes on with the rest.
 * - A full non-blocking pipe (EAGAIN) is retried every millisecond, up to a second, then the line is dropped.
 * - A closed reader (EPIPE) or a bad descriptor stops the writing: a logger never ends the process.
 */
export function fdWriter(fd: number): { write(line: string): void } {
  let open = true;
  return {
    write(line: string) {
      if (!open) return;
      let bytes = Buffer.from(line);
      for (let tries = 0; bytes.length > 0; ) {
        try {
          bytes = bytes.subarray(writeSync(fd, bytes));
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "EAGAIN" && ++tries < FULL_PIPE_TRIES) {
            Atomics.wait(pause, 0, 0, 1);
            continue;
          }
          if (code !== "EAGAIN") open = false;
          return;
        }
      }
    },
  };
}
