/**
 * How a logger writes the `err` field: the shape pino's standard serializer gives, so log queries keep working.
 * `type` (the constructor's name), `message` and `stack` with the cause chain appended (`: ` between messages,
 * `\ncaused by: ` between stacks), `aggregateErrors` for an AggregateError, and the error's other enumerable
 * properties (`status`, `code`, ...). A value that is not error-like is written as it is.
 */
export function logError(value: unknown, seen = new Set<object>()): unknown {
  if (!isErrorLike(value)) return value;
  seen.add(value);
  const out: Record<string, unknown> = {
    type: typeof value.constructor === "function" ? value.constructor.name : value.name,
    message: withCauses(value, (e) => e.message, ": "),
    stack: withCauses(value, (e) => e.stack ?? "", "\ncaused by: "),
  };
  const errors = (value as { errors?: unknown }).errors;
  if (Array.isArray(errors)) out.aggregateErrors = errors.map((e) => logError(e, seen));
  for (const key in value) {
    if (out[key] !== undefined) continue;
    const field = (value as unknown as Record<string, unknown>)[key];
    if (!isErrorLike(field)) out[key] = field;
    else if (key !== "cause" && !seen.has(field)) out[key] = logError(field, seen);
  }
  return out;
}

interface ErrorLike {
  name?: string;
  message: string;
  stack?: string;
  cause?: unknown;
  constructor: unknown;
}

function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === "object" && value !== null && typeof (value as { message?: unknown }).message === "string";
}

/** `part` of the error and of each cause, joined by `separator`; a cycle ends the chain. */
function withCauses(error: ErrorLike, part: (e: ErrorLike) => string, separator: string): string {
  const parts = [part(error)];
  const visited = new Set<ErrorLike>([error]);
  for (let cause = error.cause; isErrorLike(cause); cause = cause.cause) {
    if (visited.has(cause)) {
      parts.push("...");
      break;
    }
    visited.add(cause);
    parts.push(part(cause));
  }
  return parts.join(separator);
}
