import type { ModelEntry } from "@modelgate/config";
import { errorDetails } from "@modelgate/http";

/** The longest the health route waits for a model (contract: at most 5 s). */
export const MAX_PROBE_MS = 5000;

/** What the health route answers about a model. */
export interface ModelHealth {
  model: string;
  status: "ready" | "unavailable";
  service: string | null;
  namespace: string;
  message?: string;
}

/**
 * The path that asks a model server whether a model is ready, by the entry's protocol: V1
 * `/v1/models/{m}`, V2 `/v2/models/{m}/ready`, OpenAI `{openaiPrefix}/v1/models` (the list must name it).
 */
export function readinessPath(entry: ModelEntry): string {
  const name = encodeURIComponent(entry.modelName);
  if (entry.protocol === "openai") return `${entry.openaiPrefix ?? ""}/v1/models`;
  return entry.protocol === "v2" ? `/v2/models/${name}/ready` : `/v1/models/${name}`;
}

/** Whether a 2xx answer's body says the model is ready: V1/V2 `ready` (absent: yes), OpenAI's list naming it. */
function saysReady(entry: ModelEntry, text: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // A 2xx that is not JSON still means a KServe server answered for this model; an OpenAI list must be JSON.
    return entry.protocol !== "openai";
  }
  if (entry.protocol === "openai") {
    const data = (body as { data?: unknown } | null)?.data;
    return Array.isArray(data) && data.some((model) => (model as { id?: unknown } | null)?.id === entry.modelName);
  }
  const ready = (body as { ready?: unknown } | null)?.ready ?? true;
  return ready === true || ready === "True" || ready === "true";
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const details = errorDetails(error);
  const cause = details.cause as { code?: string; message?: string } | undefined;
  return cause?.code
    ? `unreachable: ${cause.code}${cause.message ? ` (${cause.message})` : ""}`
    : `unreachable: ${String(details.message)}`;
}

/**
 * Asks the model server whether the model is ready (V1 `GET /v1/models/{m}`, V2 `GET /v2/models/{m}/ready`,
 * OpenAI `GET {openaiPrefix}/v1/models`),
 * waiting at most `min(5 s, timeoutMs)`. Never throws: a failure is `unavailable` with a message.
 *
 * @example
 * await probeModel(entry, { timeoutMs: 30_000 }) // { model: "a", status: "ready", ... }
 */
export async function probeModel(
  entry: ModelEntry,
  options: { timeoutMs: number; fetch?: typeof fetch },
): Promise<ModelHealth> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = Math.min(MAX_PROBE_MS, entry.timeoutMs ?? options.timeoutMs);
  const base = { model: entry.name, service: entry.service, namespace: entry.namespace };
  try {
    const response = await doFetch(`${entry.url}${readinessPath(entry)}`, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json" },
    });
    const text = await response.text();
    if (!response.ok) {
      return {
        ...base,
        status: "unavailable",
        message: `model server answered ${response.status}: ${text.slice(0, 500)}`,
      };
    }
    if (saysReady(entry, text)) return { ...base, status: "ready" };
    const message =
      entry.protocol === "openai"
        ? `model server does not list ${entry.modelName} in ${readinessPath(entry)}`
        : "model server reports the model is not ready";
    return { ...base, status: "unavailable", message };
  } catch (error) {
    return { ...base, status: "unavailable", message: describeFailure(error, timeoutMs) };
  }
}
