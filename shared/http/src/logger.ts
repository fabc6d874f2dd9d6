import { fdWriter } from "./fd-writer.ts";
import { logError } from "./log-error.ts";

/** The levels `LOG_LEVEL` names, with pino's numbers (what log pipelines built for pino already read). */
const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type LevelName = keyof typeof LEVELS;

/** One level's method: a message, or fields and then a message. */
export interface LogFn {
  (message: string): void;
  (fields: Record<string, unknown>, message?: string): void;
}

export interface Logger {
  /** The level it was made with (`silent` writes nothing). */
  readonly level: LevelName | "silent";
  readonly fatal: LogFn;
  readonly error: LogFn;
  readonly warn: LogFn;
  readonly info: LogFn;
  readonly debug: LogFn;
  readonly trace: LogFn;
  /** A logger that adds `bindings` to every line (a request's id, an event's id). */
  child(bindings: Record<string, unknown>): Logger;
}

/** Where lines go: one call per line, the line ending in `\n`. */
export interface LogDestination {
  write(line: string): void;
}

const NOTHING: LogFn = () => undefined;

/**
 * Renders one line: `{"level":30,"time":<ms since the epoch>,<bindings>,<fields>,"msg":"..."}`, the shape pino
 * writes. The `err` field is written as pino's serializer writes it ({@link logError}); a value JSON cannot
 * render (a cycle, a BigInt) does not lose the line: it is written with the reason instead of the fields.
 */
function render(level: number, bindings: string, fields: Record<string, unknown>, message: string | undefined) {
  let body: string;
  try {
    body = JSON.stringify("err" in fields ? { ...fields, err: logError(fields.err) } : fields);
  } catch (error) {
    body = JSON.stringify({ logError: `fields not rendered: ${(error as Error).message}` });
  }
  const rest = body.length > 2 ? `,${body.slice(1, -1)}` : "";
  const msg = message === undefined ? "" : `,"msg":${JSON.stringify(message)}`;
  return `{"level":${level},"time":${Date.now()}${bindings}${rest}${msg}}\n`;
}

function makeLogger(threshold: number, name: LevelName | "silent", bindings: string, out: LogDestination): Logger {
  const method = (level: LevelName): LogFn => {
    const number = LEVELS[level];
    if (number < threshold) return NOTHING;
    return (first: string | Record<string, unknown>, message?: string) =>
      out.write(
        typeof first === "string" ? render(number, bindings, {}, first) : render(number, bindings, first, message),
      );
  };
  return {
    level: name,
    fatal: method("fatal"),
    error: method("error"),
    warn: method("warn"),
    info: method("info"),
    debug: method("debug"),
    trace: method("trace"),
    child: (more) => {
      const added = JSON.stringify(more);
      return makeLogger(threshold, name, added.length > 2 ? `${bindings},${added.slice(1, -1)}` : bindings, out);
    },
  };
}

/**
 * A JSON-lines logger, one line per call, on stdout (file descriptor 1, written synchronously: see
 * {@link fdWriter}). `destination` exists for tests. Every line carries `fn`, the function's name.
 * docs/adr/0008-cold-start.md says why this is not pino.
 *
 * @example
 * const logger = createLogger({ name: "models", level: "info" });
 * logger.info({ model: "a" }, "model loaded");
 */
export function createLogger(options: { name: string; level?: string; destination?: LogDestination }): Logger {
  const name = (options.level ?? "info") as LevelName | "silent";
  const threshold = name === "silent" ? Number.POSITIVE_INFINITY : LEVELS[name];
  if (threshold === undefined)
    throw new Error(`unknown log level "${name}": use one of ${Object.keys(LEVELS).join(", ")} or silent`);
  return makeLogger(threshold, name, `,"fn":${JSON.stringify(options.name)}`, options.destination ?? fdWriter(1));
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
