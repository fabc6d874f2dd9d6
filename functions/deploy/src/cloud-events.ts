import { createHash } from "node:crypto";
import { HttpError } from "@modelgate/http";
import { EVENT_SOURCE, EVENT_TYPES } from "./constants.ts";
import { type EventEnvelope, InvalidEventError, isBatch, isStructured, readEnvelope } from "./event-envelope.ts";

/** The types `POST /` accepts, as named in every 400 an event gets. */
export const ACCEPTED_TYPES_TEXT =
  `accepted types: ${EVENT_TYPES.deployRequested} (data: the POST /api/v1/deploy body) and ` +
  `${EVENT_TYPES.undeployRequested} (data: {"namespace", "name"})`;

/** A parsed, recognised request event. */
export type DeployEvent =
  | { kind: "deploy"; id: string; source: string; data: Record<string, unknown> }
  | { kind: "undeploy"; id: string; source: string; data: { namespace: string; name: string } };

/** An HTTP message as the CloudEvents SDK reads it. */
export interface EventMessage {
  headers: Record<string, string>;
  body: string;
}

function badEvent(problem: string): HttpError {
  return new HttpError(400, `${problem}; ${ACCEPTED_TYPES_TEXT}`);
}

/**
 * Whether a request looks like a CloudEvent (binary: `ce-specversion`; structured: `application/cloudevents+json`).
 *
 * @example
 * looksLikeCloudEvent({ "ce-specversion": "1.0" }) // true
 */
export function looksLikeCloudEvent(headers: Record<string, string>): boolean {
  return headers["ce-specversion"] !== undefined || isStructured(headers) || isBatch(headers);
}

function dataObject(data: unknown, type: string): Record<string, unknown> {
  let value = data;
  if (value instanceof Uint8Array) value = Buffer.from(value).toString("utf8");
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      throw badEvent(`invalid data for ${type}: not JSON`);
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badEvent(`invalid data for ${type}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

function undeployData(data: Record<string, unknown>): { namespace: string; name: string } {
  const extra = Object.keys(data).filter((key) => key !== "namespace" && key !== "name");
  const { namespace, name } = data;
  if (typeof namespace !== "string" || namespace === "" || typeof name !== "string" || name === "" || extra.length) {
    throw badEvent(`invalid data for ${EVENT_TYPES.undeployRequested}: expected {"namespace", "name"} (strings)`);
  }
  return { namespace, name };
}

/**
 * 400 for a CloudEvents batch (`application/cloudevents-batch+json`): modelgate takes one event per request.
 * The deploy function checks it first, before its cluster is even looked for, so a sender never reads a batch
 * as delivered nor retries it.
 */
export function refuseBatch(headers: Readonly<Record<string, string>>): void {
  if (isBatch(headers)) throw badEvent("batched CloudEvents are not accepted: send one event per request");
}

/**
 * Reads a CloudEvent (binary or structured mode), holds it to the CloudEvents 1.0 spec, and recognises the two
 * request types. Anything else (no event, an invalid one, a batch, another type such as `boson.fn`, data that
 * is not the expected object) → 400 naming what is wrong and the accepted types.
 *
 * @example
 * const event = parseDeployEvent({ headers: { "ce-type": "dev.modelgate.deploy.requested", ... }, body });
 * if (event.kind === "deploy") await service.deploy(event.data, caller, log);
 */
export function parseDeployEvent(message: EventMessage): DeployEvent {
  refuseBatch(message.headers);
  if (!looksLikeCloudEvent(message.headers)) {
    throw badEvent("expected a CloudEvent (binary mode with ce-* headers, or application/cloudevents+json)");
  }
  let event: EventEnvelope;
  try {
    event = readEnvelope(message.headers, message.body);
  } catch (error) {
    if (error instanceof InvalidEventError) throw badEvent(error.message);
    throw error;
  }
  const { type, id, source } = event;
  if (type === EVENT_TYPES.deployRequested) {
    return { kind: "deploy", id, source, data: dataObject(event.data, type) };
  }
  if (type === EVENT_TYPES.undeployRequested) {
    return { kind: "undeploy", id, source, data: undeployData(dataObject(event.data, type)) };
  }
  throw badEvent(`unsupported CloudEvent type "${type}"`);
}

/**
 * What an event gets for an error of the shared pipeline: 404 and 409 become 400 (Knative retries those, and
 * retrying cannot help); a 400 also names the accepted types; 401, 403, 413, 422 and 5xx stay as they are.
 *
 * @example
 * eventError(new HttpError(404, "model not found: x")).status // 400
 */
export function eventError(error: HttpError): HttpError {
  if (error.status === 404 || error.status === 409) {
    return new HttpError(400, error.message, { cause: error, headers: { ...error.headers } });
  }
  if (error.status === 400 && !error.message.includes(ACCEPTED_TYPES_TEXT)) return badEvent(error.message);
  return error;
}

/**
 * The reply to an accepted event, in binary mode: type `accepted`, a deterministic id derived from the
 * request's `source` + `id` (a redelivery gets the same reply id), `subject` = `namespace/name`.
 *
 * @example
 * const { headers, body } = await replyEvent(EVENT_TYPES.deployAccepted, request, "ml/scorer", answer);
 */
export async function replyEvent(
  type: string,
  request: { id: string; source: string },
  subject: string,
  data: unknown,
): Promise<{ headers: Record<string, string>; body: string }> {
  const { CloudEvent, HTTP } = await import("cloudevents");
  const id = createHash("sha256").update(`${request.source}\n${request.id}\n${type}`).digest("hex").slice(0, 32);
  const event = new CloudEvent({ type, source: EVENT_SOURCE, id, subject, datacontenttype: "application/json", data });
  const message = HTTP.binary(event);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.headers)) {
    if (typeof value === "string") headers[key] = value;
  }
  return { headers, body: typeof message.body === "string" ? message.body : JSON.stringify(message.body) };
}
