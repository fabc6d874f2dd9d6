import { describe, expect, it } from "vitest";
import { InvalidEventError, isBatch, readEnvelope } from "../src/event-envelope.ts";

const TYPE = "dev.modelgate.deploy.requested";
const binaryHeaders = { "ce-specversion": "1.0", "ce-id": "1", "ce-source": "/t", "ce-type": TYPE };
const structured = (event: Record<string, unknown>) =>
  [{ "content-type": "application/cloudevents+json" }, JSON.stringify(event)] as const;
const valid = { specversion: "1.0", id: "1", source: "/t", type: TYPE };

function problems(headers: Record<string, string>, body: string): readonly string[] {
  try {
    readEnvelope(headers, body);
  } catch (error) {
    if (error instanceof InvalidEventError) return error.problems;
    throw error;
  }
  throw new Error("expected an InvalidEventError");
}

describe("readEnvelope: valid events", () => {
  it("reads binary mode: ce-* headers, the content type as datacontenttype, the body as data", () => {
    const event = readEnvelope(
      { ...binaryHeaders, "ce-traceparent": "00-abc-def-01", "content-type": "application/json" },
      '{"model":"a"}',
    );
    expect(event).toEqual({
      specversion: "1.0",
      id: "1",
      source: "/t",
      type: TYPE,
      attributes: { traceparent: "00-abc-def-01", datacontenttype: "application/json" },
      data: '{"model":"a"}',
    });
  });

  it("decodes percent-encoded binary header values", () => {
    expect(readEnvelope({ ...binaryHeaders, "ce-subject": "ml%2Fscorer" }, "").attributes).toEqual({
      subject: "ml/scorer",
    });
  });

  it("reads structured mode, with data, data_base64, extensions, and null as absent", () => {
    const [headers, body] = structured({
      ...valid,
      time: "2026-12-01T10:00:00.5+01:00",
      dataschema: "https://example.com/schema",
      subject: "ml/a",
      count: 3,
      flag: true,
      gone: null,
      data: { model: "a" },
    });
    expect(readEnvelope(headers, body)).toMatchObject({
      attributes: {
        time: "2026-12-01T10:00:00.5+01:00",
        dataschema: "https://example.com/schema",
        subject: "ml/a",
        count: 3,
        flag: true,
      },
      data: { model: "a" },
    });
    const [h, b] = structured({ ...valid, data_base64: Buffer.from('{"model":"a"}').toString("base64") });
    expect(String(readEnvelope(h, b).data)).toBe('{"model":"a"}');
  });

  it("knows a batch by its content type", () => {
    expect(isBatch({ "content-type": "application/cloudevents-batch+json; charset=utf-8" })).toBe(true);
    expect(isBatch({ "content-type": "application/cloudevents+json" })).toBe(false);
  });
});

describe("readEnvelope: what the CloudEvents 1.0 spec calls invalid", () => {
  it.each([
    ["specversion 0.3", { "ce-specversion": "0.3" }, 'specversion must be "1.0", got "0.3"'],
    ["specversion 2.0", { "ce-specversion": "2.0" }, 'specversion must be "1.0", got "2.0"'],
    ["an empty id", { "ce-id": "" }, "id must not be empty"],
    ["a bad time", { "ce-time": "yesterday" }, 'time must be an RFC 3339 timestamp, got "yesterday"'],
    [
      "a bad extension name",
      { "ce-bad_name": "x" },
      'attribute name "bad_name" must be lower-case letters and digits only',
    ],
    [
      "a bad content type",
      { "content-type": "json" },
      'datacontenttype must be a media type such as application/json, got "json"',
    ],
    ["a source with spaces", { "ce-source": "a b" }, "source must be a URI-reference (no spaces)"],
  ])("binary mode: %s", (_, headers, problem) => {
    expect(problems({ ...binaryHeaders, ...headers }, "{}")).toEqual([problem]);
  });

  it("binary mode: every missing required attribute is named", () => {
    expect(problems({ "ce-specversion": "1.0" }, "{}")).toEqual([
      "id is required",
      "source is required",
      "type is required",
    ]);
  });

  it.each([
    ["no specversion", { specversion: undefined }, "specversion is required"],
    ["specversion 0.3", { specversion: "0.3" }, 'specversion must be "1.0", got "0.3"'],
    ["specversion as a number", { specversion: 1 }, 'specversion must be "1.0", got 1'],
    ["no type", { type: undefined }, "type is required"],
    ["no source", { source: undefined }, "source is required"],
    ["an id that is a number", { id: 5 }, "id must be a string"],
    ["an empty subject", { subject: "" }, "subject must not be empty"],
    ["an empty dataschema", { dataschema: "" }, "dataschema must not be empty"],
    ["a relative dataschema", { dataschema: "/schema" }, 'dataschema must be an absolute URI, got "/schema"'],
    ["an upper-case extension", { Ext: "x" }, 'attribute name "Ext" must be lower-case letters and digits only'],
    ["an extension that is an object", { ext: { a: 1 } }, "ext must be a string, a boolean or a 32-bit integer"],
    ["an extension beyond 32 bits", { ext: 2 ** 40 }, "ext must be a string, a boolean or a 32-bit integer"],
    ["a control character", { type: "a\u0001b" }, "type must not contain control characters"],
    ["both data and data_base64", { data: {}, data_base64: "e30=" }, "data and data_base64 must not both be present"],
    ["data_base64 that is not base64", { data_base64: "!!" }, "data_base64 must be base64 text"],
    ["a time that is a number", { time: 5 }, "time must be a string"],
  ])("structured mode: %s", (_, fields, problem) => {
    const [headers, body] = structured({ ...valid, ...fields });
    expect(problems(headers, body)).toContain(problem);
  });

  it("structured mode: a body that is not a JSON object", () => {
    expect(problems({ "content-type": "application/cloudevents+json" }, "{nope")).toEqual([
      "the structured-mode body is not JSON",
    ]);
    expect(problems({ "content-type": "application/cloudevents+json" }, "[]")).toEqual([
      "the structured-mode body must be a JSON object",
    ]);
  });

  it("names every problem at once", () => {
    const [headers, body] = structured({ specversion: "0.3", id: "", source: "/t" });
    expect(new InvalidEventError(problems(headers, body)).message).toBe(
      'not a valid CloudEvent 1.0: type is required; specversion must be "1.0", got "0.3"; id must not be empty',
    );
  });
});
