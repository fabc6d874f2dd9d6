import { Readable } from "node:stream";
import { HttpError } from "@modelgate/http";
import { describe, expect, it } from "vitest";
import { readJsonBody } from "../src/json-body.ts";

/** A caller whose body arrives in `chunks`, with or without a declared length. */
function caller(chunks: readonly string[], declared?: number) {
  return { body: Readable.from(chunks.map((chunk) => Buffer.from(chunk))), contentLength: declared };
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return { status: error.status, message: error.message };
}

describe("readJsonBody (the JSON routes' read of the caller's body)", () => {
  it("reads a body whole, declared or not, in any number of chunks", async () => {
    expect(await readJsonBody(caller(['{"model":', '"a","instances":[[1]]}']), 1024)).toEqual({
      model: "a",
      instances: [[1]],
    });
    expect(await readJsonBody(caller(['{"a":1}'], 7), 1024)).toEqual({ a: 1 });
  });

  it("answers the JSON routes' 400s: empty, not JSON, not an object", async () => {
    expect(await refusal(readJsonBody(caller(["  "]), 1024))).toEqual({
      status: 400,
      message: "request body is empty: expected a JSON object",
    });
    expect((await refusal(readJsonBody(caller(["not json"]), 1024))).message).toMatch(
      /^request body is not valid JSON: /,
    );
    expect(await refusal(readJsonBody(caller(["[1]"]), 1024))).toEqual({
      status: 400,
      message: "request body must be a JSON object",
    });
  });

  it("answers 413 for a body over the limit, declared or found while reading", async () => {
    const over = { status: 413, message: "request body larger than 10 bytes (MAX_BODY_BYTES)" };
    expect(await refusal(readJsonBody(caller(['{"a":"long"}'], 12), 10))).toEqual(over);
    expect(await refusal(readJsonBody(caller(['{"a":', '"long"}']), 10))).toEqual(over);
  });
});
