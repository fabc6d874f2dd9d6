import { MODEL_TYPES, type ModelType } from "@modelgate/config";
import { HttpError } from "@modelgate/http";

/** The validated query of `GET /api/v1/models`. */
export interface ListQuery {
  type: ModelType | undefined;
  limit: number | undefined;
  offset: number;
}

function nonNegativeInt(name: string, value: string, max: number, min = 0): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new HttpError(400, `${name} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/**
 * Validates `?type=&limit=&offset=`: an unknown type, or a limit/offset that is not a non-negative integer
 * (limit 1–1000), is a 400 naming the parameter.
 *
 * @example
 * parseListQuery({ type: "anomaly", limit: "10" }) // { type: "anomaly", limit: 10, offset: 0 }
 */
export function parseListQuery(query: Record<string, string | undefined>): ListQuery {
  const { type, limit, offset } = query;
  if (type !== undefined && !(MODEL_TYPES as readonly string[]).includes(type)) {
    throw new HttpError(400, `unknown type "${type}": expected one of ${MODEL_TYPES.join(", ")}`);
  }
  return {
    type: type as ModelType | undefined,
    limit: limit === undefined ? undefined : nonNegativeInt("limit", limit, 1000, 1),
    offset: offset === undefined ? 0 : nonNegativeInt("offset", offset, Number.MAX_SAFE_INTEGER),
  };
}
