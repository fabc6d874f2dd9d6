import { type Logger, pino } from "pino";

export type { Logger };

/**
 * A JSON logger writing to stdout (pino). `destination` exists for tests.
 *
 * Writes to file descriptor 1 itself (pino's own asynchronous writer, as pino does by default) without
 * asking `process.stdout` for it: Node makes that stream on first access (a socket for a pipe, 3–8 ms),
 * which is start-up time spent for nothing here since nothing else writes to it.
 *
 * @example
 * const logger = createLogger({ name: "models", level: "info" });
 * logger.info({ model: "a" }, "model loaded");
 */
export function createLogger(options: {
  name: string;
  level?: string;
  destination?: { write(line: string): void };
}): Logger {
  const base = { name: options.name, level: options.level ?? "info", base: { fn: options.name } };
  return pino(base, options.destination ?? pino.destination({ dest: 1 }));
}

/** Renders an error with its cause chain for logs (the whole story, never just `String(error)`). */
export function errorDetails(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: error };
  const details: Record<string, unknown> = { type: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) details.code = code;
  if (error.stack) details.stack = error.stack;
  if (error.cause !== undefined) details.cause = errorDetails(error.cause);
  return details;
}
