/**
 * A CloudEvent's envelope read from an HTTP request and held to the CloudEvents 1.0 spec (core attributes,
 * the JSON event format for structured mode, the HTTP binding for binary mode), so that an event the spec
 * calls invalid is refused before anything acts on it (docs/API.md, "CloudEvents").
 */

/** The context attributes and the data of a valid event. */
export interface EventEnvelope {
  readonly specversion: "1.0";
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /** The body (binary mode), `data` or decoded `data_base64` (structured mode); `undefined` when absent. */
  readonly data: unknown;
}

/** Why a request is not a valid CloudEvent 1.0: every problem, one per attribute. */
export class InvalidEventError extends Error {
  override readonly name = "InvalidEventError";
  constructor(readonly problems: readonly string[]) {
    super(`not a valid CloudEvent 1.0: ${problems.join("; ")}`);
  }
}

const REQUIRED = ["specversion", "id", "source", "type"] as const;
const OPTIONAL_STRINGS = ["datacontenttype", "dataschema", "subject", "time"] as const;
/** Extension and attribute names: lower-case ASCII letters and digits only. */
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
/** A control character, which no CloudEvents String may contain. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the spec's forbidden characters are exactly these.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** RFC 2046 media type: `type/subtype` with optional parameters. */
const MEDIA_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]*\/[A-Za-z0-9][\w!#$&^.+-]*(\s*;.*)?$/;
/** RFC 3339 date-time. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

/** The CloudEvents batch content type: modelgate takes one event per request. */
export const BATCH_CONTENT_TYPE = "application/cloudevents-batch+json";
const STRUCTURED_CONTENT_TYPE = "application/cloudevents+json";

function mediaType(headers: Readonly<Record<string, string>>): string {
  return (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** Whether a request is a CloudEvents batch (`application/cloudevents-batch+json`). */
export function isBatch(headers: Readonly<Record<string, string>>): boolean {
  return mediaType(headers) === BATCH_CONTENT_TYPE;
}

/** Whether a request is in structured mode (`application/cloudevents+json`). */
export function isStructured(headers: Readonly<Record<string, string>>): boolean {
  return mediaType(headers) === STRUCTURED_CONTENT_TYPE;
}

function checkString(name: string, value: unknown, problems: string[]): value is string {
  if (typeof value !== "string") {
    problems.push(`${name} must be a string`);
    return false;
  }
  if (value === "") {
    problems.push(`${name} must not be empty`);
    return false;
  }
  if (CONTROL.test(value)) {
    problems.push(`${name} must not contain control characters`);
    return false;
  }
  return true;
}

function checkAttribute(name: string, value: unknown, problems: string[]): void {
  switch (name) {
    case "specversion":
      if (value !== "1.0") problems.push(`specversion must be "1.0", got ${JSON.stringify(value)}`);
      return;
    case "id":
    case "type":
    case "subject":
      checkString(name, value, problems);
      return;
    case "source":
      if (checkString(name, value, problems) && /\s/.test(value)) {
        problems.push("source must be a URI-reference (no spaces)");
      }
      return;
    case "datacontenttype":
      if (checkString(name, value, problems) && !MEDIA_TYPE.test(value)) {
        problems.push(`datacontenttype must be a media type such as application/json, got "${value}"`);
      }
      return;
    case "dataschema":
      if (checkString(name, value, problems) && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) {
        problems.push(`dataschema must be an absolute URI, got "${value}"`);
      }
      return;
    case "time":
      if (checkString(name, value, problems) && (!TIMESTAMP.test(value) || Number.isNaN(Date.parse(value)))) {
        problems.push(`time must be an RFC 3339 timestamp, got "${value}"`);
      }
      return;
    default:
      if (!ATTRIBUTE_NAME.test(name)) {
        problems.push(`attribute name "${name}" must be lower-case letters and digits only`);
      } else if (typeof value === "string") {
        if (CONTROL.test(value)) problems.push(`${name} must not contain control characters`);
      } else if (typeof value === "number") {
        if (!Number.isInteger(value) || value < INT32.min || value > INT32.max) {
          problems.push(`${name} must be a string, a boolean or a 32-bit integer`);
        }
      } else if (typeof value !== "boolean") {
        problems.push(`${name} must be a string, a boolean or a 32-bit integer`);
      }
  }
}

function envelope(attributes: Record<string, unknown>, data: unknown, problems: string[]): EventEnvelope {
  for (const name of REQUIRED) if (attributes[name] === undefined) problems.push(`${name} is required`);
  for (const [name, value] of Object.entries(attributes))
    if (value !== undefined) checkAttribute(name, value, problems);
  if (problems.length > 0) throw new InvalidEventError(problems);
  const { specversion: _, id, source, type, ...rest } = attributes;
  return {
    specversion: "1.0",
    id: id as string,
    source: source as string,
    type: type as string,
    attributes: rest as Record<string, string | number | boolean>,
    data,
  };
}

function fromStructured(body: string): EventEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidEventError(["the structured-mode body is not JSON"]);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new InvalidEventError(["the structured-mode body must be a JSON object"]);
  }
  const { data, data_base64: base64, ...fields } = json as Record<string, unknown>;
  const problems: string[] = [];
  const attributes: Record<string, unknown> = {};
  // The JSON format treats an attribute whose value is null as absent.
  for (const [name, value] of Object.entries(fields)) if (value !== null) attributes[name] = value;
  for (const name of OPTIONAL_STRINGS) {
    if (attributes[name] !== undefined && typeof attributes[name] !== "string")
      problems.push(`${name} must be a string`);
  }
  let payload = data;
  if (base64 !== undefined && base64 !== null) {
    if (data !== undefined && data !== null) problems.push("data and data_base64 must not both be present");
    else if (typeof base64 !== "string" || !BASE64.test(base64)) problems.push("data_base64 must be base64 text");
    else payload = Buffer.from(base64, "base64");
  }
  return envelope(attributes, payload ?? undefined, problems);
}

function fromBinary(headers: Readonly<Record<string, string>>, body: string): EventEnvelope {
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith("ce-")) attributes[name.slice(3)] = decodeHeader(value);
  }
  if (headers["content-type"] !== undefined) attributes.datacontenttype = headers["content-type"];
  return envelope(attributes, body === "" ? undefined : body, []);
}

/** A `ce-*` header value: percent-encoded per the HTTP binding (`%` then two hex digits). */
function decodeHeader(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Reads a CloudEvent from a request in structured mode (`application/cloudevents+json`) or binary mode
 * (`ce-*` headers), and holds it to the CloudEvents 1.0 spec. Throws {@link InvalidEventError} naming every
 * attribute that is wrong. Batches are not events: check {@link isBatch} first.
 *
 * @example
 * readEnvelope({ "ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t" }, "{}").type // "t"
 */
export function readEnvelope(headers: Readonly<Record<string, string>>, body: string): EventEnvelope {
  return isStructured(headers) ? fromStructured(body) : fromBinary(headers, body);
}
