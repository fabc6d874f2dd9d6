import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SampleModel, sampleModelAnswer, scoreRow, startSampleModel } from "../src/index.ts";

const names = new Set(["scorer"]);

describe("scoreRow", () => {
  it("flags a row with one outlying value", () => {
    expect(scoreRow([1, 1, 1, 1, 1, 1, 1, 1, 1, 50])).toEqual({ score: 3, label: -1 });
    expect(scoreRow([1, 2, 3, 2, 1])).toMatchObject({ label: 1 });
    expect(scoreRow([5, 5, 5])).toEqual({ score: 0, label: 1 });
  });
});

describe("sampleModelAnswer (KServe V1 and V2 shapes)", () => {
  it("answers V1 predict and explain", () => {
    expect(
      sampleModelAnswer(names, "POST", "/v1/models/scorer:predict", {
        instances: [
          [1, 2, 3],
          [1, 1, 1, 1, 1, 1, 1, 1, 1, 50],
        ],
      }),
    ).toEqual({
      status: 200,
      body: { predictions: [1, -1], model_name: "scorer" },
    });
    expect(sampleModelAnswer(names, "POST", "/v1/models/scorer:explain", { instances: [[5, 5]] })).toEqual({
      status: 200,
      body: { explanations: [{ score: 0, anomaly: false }] },
    });
  });

  it("answers V2 infer with one output per row", () => {
    const answer = sampleModelAnswer(names, "POST", "/v2/models/scorer/infer", {
      id: "r1",
      inputs: [{ name: "x", shape: [2, 3], datatype: "FP32", data: [1, 2, 3, 4, 4, 4] }],
    });
    expect(answer).toEqual({
      status: 200,
      body: {
        model_name: "scorer",
        id: "r1",
        outputs: [
          { name: "label", shape: [2], datatype: "INT32", data: [1, 1] },
          { name: "score", shape: [2], datatype: "FP32", data: [1.225, 0] },
        ],
      },
    });
  });

  it("answers readiness and metadata", () => {
    expect(sampleModelAnswer(names, "GET", "/v1/models/scorer", undefined)).toEqual({
      status: 200,
      body: { name: "scorer", ready: true },
    });
    expect(sampleModelAnswer(names, "GET", "/v2/models/scorer/ready", undefined).status).toBe(200);
    expect(sampleModelAnswer(names, "GET", "/v2/models/scorer", undefined).status).toBe(200);
    expect(sampleModelAnswer(names, "GET", "/v2/health/ready", undefined).status).toBe(200);
  });

  it("answers KServe's errors", () => {
    expect(sampleModelAnswer(names, "POST", "/v1/models/other:predict", { instances: [] })).toEqual({
      status: 404,
      body: { error: "Model with name other does not exist." },
    });
    expect(sampleModelAnswer(names, "POST", "/v1/models/scorer:predict", { inputs: [] })).toEqual({
      status: 400,
      body: { error: 'Expected "instances" to be a list' },
    });
    expect(sampleModelAnswer(names, "POST", "/v1/models/scorer:predict", { instances: [["a"]] }).status).toBe(400);
    expect(
      sampleModelAnswer(names, "POST", "/v2/models/scorer/infer", { inputs: [{ shape: [2, 2], data: [1, 2, 3] }] })
        .status,
    ).toBe(400);
    expect(sampleModelAnswer(names, "POST", "/v2/models/scorer/infer", { instances: [] }).status).toBe(400);
    expect(sampleModelAnswer(names, "GET", "/v1/models/scorer:predict", undefined).status).toBe(405);
    expect(sampleModelAnswer(names, "GET", "/elsewhere", undefined).status).toBe(404);
  });
});

describe("startSampleModel", () => {
  let model: SampleModel;
  beforeAll(async () => {
    model = await startSampleModel({ names: ["scorer"] });
  });
  afterAll(() => model.close());

  it("serves the protocol over HTTP", async () => {
    const res = await fetch(`${model.url}/v1/models/scorer:predict`, {
      method: "POST",
      body: '{"instances":[[1,2,3]]}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({ predictions: [1], model_name: "scorer" });
  });

  it("answers 400 to a body that is not a JSON object", async () => {
    const res = await fetch(`${model.url}/v1/models/scorer:predict`, { method: "POST", body: "[1]" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "Unrecognized request format: not an object" });
  });
});

describe("the echo model (OpenAI's API)", () => {
  let model: SampleModel;
  beforeAll(async () => {
    model = await startSampleModel({ names: ["assistant"] });
  });
  afterAll(() => model.close());

  const call = (path: string, body: unknown) =>
    fetch(`${model.url}/openai/v1/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("lists its names and answers chat completions and completions whole", async () => {
    expect(await (await fetch(`${model.url}/openai/v1/models`)).json()).toEqual({
      object: "list",
      data: [{ id: "assistant", object: "model", created: 0, owned_by: "modelgate-sample" }],
    });
    const chat = await call("chat/completions", {
      model: "assistant",
      messages: [{ role: "user", content: "hi you" }],
    });
    expect(await chat.json()).toMatchObject({
      object: "chat.completion",
      model: "assistant",
      choices: [{ message: { role: "assistant", content: "echo: hi you" }, finish_reason: "stop" }],
      usage: { completion_tokens: 3 },
    });
    const completion = await call("completions", { model: "assistant", prompt: ["say this"] });
    expect(await completion.json()).toMatchObject({ object: "text_completion", choices: [{ text: "echo: say this" }] });
  });

  it("streams one chunk per word, then a last chunk and [DONE], which join to the whole answer", async () => {
    const res = await call("chat/completions", {
      model: "assistant",
      stream: true,
      messages: [{ role: "user", content: "one two" }],
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = (await res.text())
      .split("\n\n")
      .filter((e) => e !== "")
      .map((e) => e.replace(/^data: /, ""));
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: { delta: { content?: string } }[] });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("echo: one two");
    expect(chunks).toHaveLength(4);
  });

  it("answers 404 for a name it does not serve and 400 without a message", async () => {
    expect((await call("chat/completions", { model: "other", messages: [] })).status).toBe(404);
    const bad = await call("chat/completions", { model: "assistant", messages: [] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'Expected "messages" with a last message of string content' });
  });
});
