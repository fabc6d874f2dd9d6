import { loadConfig } from "@modelgate/config";
import { createLogger, type Served, serve } from "@modelgate/http";
import { createApp } from "@modelgate/predict";
import OpenAI, { APIError, NotFoundError } from "openai";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

/**
 * OpenAI's API through modelgate (docs/API.md, "OpenAI's API"), driven by the npm `openai` SDK, unmodified,
 * against KServe 0.14.1's own OpenAI-compatible server (test/openai-upstream/README.md): the same calls through
 * modelgate (registry names) and straight to the server (its model names) give the same answers; streamed
 * chunks reach the client one by one, each before the server sends the next.
 */
const { openai, a } = inject("kserve");

const registry = [
  { name: "assistant", modelName: "echo", type: "predictive", protocol: "openai", url: openai.url },
  { name: "assistant-b", modelName: "echo-b", type: "predictive", protocol: "openai", url: openai.url },
  { name: "scorer", type: "anomaly", url: a.url },
];

let served: Served;
let through: OpenAI;
let direct: OpenAI;

beforeAll(async () => {
  const config = loadConfig({ KSERVE_MODEL_REGISTRY: JSON.stringify(registry), KSERVE_TIMEOUT: "20s" });
  const logger = createLogger({ name: "predict", level: "silent" });
  served = await serve(createApp({ config, logger }), { port: 0, hostname: "127.0.0.1" });
  through = new OpenAI({ baseURL: `${served.url}/openai/v1`, apiKey: "unused", maxRetries: 0 });
  direct = new OpenAI({ baseURL: `${openai.url}/openai/v1`, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await served?.close();
});

const messages = [{ role: "user" as const, content: "hello streaming world" }];

/** A streamed chat's chunks: the content of each, when it arrived, and when the server says it sent it. */
async function streamChat(client: OpenAI, model: string, user?: string) {
  const stream = await client.chat.completions.create({ model, messages, stream: true, ...(user ? { user } : {}) });
  const chunks: { content: string; arrived: number; sent: number; finish: string | null }[] = [];
  for await (const chunk of stream) {
    chunks.push({
      content: chunk.choices[0]?.delta?.content ?? "",
      arrived: Date.now(),
      sent: Number(/^sent-at-(\d+)$/.exec(chunk.system_fingerprint ?? "")?.[1] ?? Number.NaN),
      finish: chunk.choices[0]?.finish_reason ?? null,
    });
  }
  return chunks;
}

describe("the openai SDK pointed at modelgate", () => {
  it("lists the registry's OpenAI entries", async () => {
    const page = await through.models.list();
    expect(page.data.map((model) => model.id)).toEqual(["assistant", "assistant-b"]);
  });

  it("chat completions: the server's answer, as the same call straight to it gets it", async () => {
    const answer = await through.chat.completions.create({ model: "assistant", messages });
    const straight = await direct.chat.completions.create({ model: "echo", messages });
    expect(answer.choices[0]?.message.content).toBe("echo: hello streaming world");
    expect(answer.object).toBe("chat.completion");
    const { id: _a, created: _ac, ...rest } = answer;
    const { id: _b, created: _bc, ...straightRest } = straight;
    expect(rest).toEqual(straightRest);
  });

  it("completions, whole and streamed, as the server answers them", async () => {
    const answer = await through.completions.create({ model: "assistant-b", prompt: "say this" });
    expect(answer.choices[0]?.text).toBe("echo: say this");
    const stream = await through.completions.create({ model: "assistant-b", prompt: "say this", stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    expect(text).toBe("echo: say this");
  });

  it("streams chat chunk by chunk: each reaches the client before the server sends the next", async () => {
    const chunks = await streamChat(through, "assistant", "delay-300");
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    expect(chunks.map((c) => c.content).join("")).toBe("echo: hello streaming world");
    expect(chunks.at(-1)?.finish).toBe("stop");
    for (const [index, chunk] of chunks.slice(0, -1).entries()) {
      const next = chunks[index + 1];
      expect(chunk.arrived, `chunk ${index} arrived before chunk ${index + 1} was sent`).toBeLessThan(next?.sent ?? 0);
    }
  });

  it("a streamed answer joins to what the same stream straight from the server joins to", async () => {
    const mine = (await streamChat(through, "assistant")).map((c) => c.content).join("");
    const theirs = (await streamChat(direct, "echo")).map((c) => c.content).join("");
    expect(mine).toBe(theirs);
  });

  it("passes the server's own 404 for a call it does not serve (kserve 0.14.1 has no embeddings)", async () => {
    const error = await through.embeddings.create({ model: "assistant", input: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
  });
});

describe("the openai SDK and modelgate's errors", () => {
  it("an unregistered model: the SDK's NotFoundError with modelgate's message and code", async () => {
    const error = await through.chat.completions.create({ model: "nope", messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: "model_not_found", param: "model" });
    expect((error as Error).message).toContain("model not found: nope");
  });

  it("a KServe entry: the SDK's NotFoundError naming the protocols it speaks", async () => {
    const error = await through.chat.completions.create({ model: "scorer", messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain("model scorer speaks KServe's V1/V2 protocols");
  });

  it("a server that fails mid-stream: the SDK raises modelgate's error event, after the chunks before it", async () => {
    const stream = await through.chat.completions.create({
      model: "assistant",
      messages: [{ role: "user", content: "fail-mid-stream" }],
      stream: true,
    });
    const contents: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) contents.push(chunk.choices[0]?.delta?.content ?? "");
    })().catch((e: unknown) => e);
    expect(contents.length).toBe(2);
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as Error).message).toMatch(/model unavailable: assistant: /);
  });
});
