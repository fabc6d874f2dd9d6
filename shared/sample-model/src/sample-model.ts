import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isNumberRow, scoreRow } from "./anomaly-scorer.ts";
import { echoAnswer } from "./echo-chat.ts";

/** A running sample model server. */
export interface SampleModel {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown };

const notFound = (name: string): Answer => ({
  status: 404,
  body: { error: `Model with name ${name} does not exist.` },
});
const badRequest = (message: string): Answer => ({ status: 400, body: { error: message } });

function v1Predict(name: string, body: Record<string, unknown>, explain: boolean): Answer {
  const instances = body.instances;
  if (!Array.isArray(instances)) return badRequest('Expected "instances" to be a list');
  if (!instances.every(isNumberRow)) return badRequest("Expected every instance to be a non-empty list of numbers");
  const scores = instances.map(scoreRow);
  return explain
    ? { status: 200, body: { explanations: scores.map((s) => ({ score: s.score, anomaly: s.label === -1 })) } }
    : { status: 200, body: { predictions: scores.map((s) => s.label), model_name: name } };
}

function v2Infer(name: string, body: Record<string, unknown>): Answer {
  const inputs = body.inputs;
  const input = Array.isArray(inputs) ? (inputs[0] as Record<string, unknown> | undefined) : undefined;
  const shape = input?.shape;
  const data = input?.data;
  if (!input || !Array.isArray(shape) || shape.length !== 2 || !isNumberRow(data)) {
    return badRequest('Expected "inputs" with one tensor of shape [rows, columns] and numeric "data"');
  }
  const [rows, cols] = shape as [number, number];
  if (rows * cols !== data.length) return badRequest(`shape ${rows}x${cols} does not match ${data.length} values`);
  const scores = Array.from({ length: rows }, (_, r) => scoreRow(data.slice(r * cols, (r + 1) * cols)));
  return {
    status: 200,
    body: {
      model_name: name,
      id: typeof body.id === "string" ? body.id : undefined,
      outputs: [
        { name: "label", shape: [rows], datatype: "INT32", data: scores.map((s) => s.label) },
        { name: "score", shape: [rows], datatype: "FP32", data: scores.map((s) => s.score) },
      ],
    },
  };
}

/**
 * Routes one request the way a KServe model server does (V1 and V2 protocols), for the models in `names`.
 * Pure: method, path and parsed body in, status and JSON body out.
 */
export function sampleModelAnswer(
  names: ReadonlySet<string>,
  method: string,
  path: string,
  body: Record<string, unknown> | undefined,
): Answer {
  if (method === "GET" && (path === "/" || path === "/v2/health/live" || path === "/v2/health/ready")) {
    return { status: 200, body: { status: "alive", ready: true, live: true } };
  }
  if (method === "GET" && path === "/v1/models") return { status: 200, body: { models: [...names] } };
  const v1 = /^\/v1\/models\/([^/:]+)(?::(predict|explain))?$/.exec(path);
  const v2 = /^\/v2\/models\/([^/]+)(?:\/(ready|infer))?$/.exec(path);
  const name = decodeURIComponent((v1 ?? v2)?.[1] ?? "");
  if (!v1 && !v2) return { status: 404, body: { error: "Not Found" } };
  if (!names.has(name)) return notFound(name);
  if (v1 && method === "GET" && !v1[2]) return { status: 200, body: { name, ready: true } };
  if (v2 && method === "GET" && v2[2] === "ready") return { status: 200, body: { name, ready: true } };
  if (v2 && method === "GET" && !v2[2]) {
    return {
      status: 200,
      body: { name, platform: "modelgate-sample", inputs: [{ name: "input-0", datatype: "FP32", shape: [-1, -1] }] },
    };
  }
  if (method !== "POST" || body === undefined) return { status: 405, body: { error: "Method Not Allowed" } };
  if (v1?.[2]) return v1Predict(name, body, v1[2] === "explain");
  if (v2?.[2] === "infer") return v2Infer(name, body);
  return { status: 405, body: { error: "Method Not Allowed" } };
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : "not an object";
  } catch {
    return "invalid JSON";
  }
}

/** Milliseconds between two streamed events of the echo model (so that a client sees them arrive one by one). */
const EVENT_GAP_MS = 20;

/** OpenAI's API under `/openai/v1`, for the same names: the echo model (echo-chat.ts). */
async function handleOpenAI(
  names: ReadonlySet<string>,
  path: string,
  body: Record<string, unknown> | string | undefined,
  res: ServerResponse,
): Promise<boolean> {
  if (path === "/openai/v1/models") {
    const data = [...names].map((id) => ({ id, object: "model", created: 0, owned_by: "modelgate-sample" }));
    writeJson(res, 200, { object: "list", data });
    return true;
  }
  const call =
    path === "/openai/v1/chat/completions" ? "chat" : path === "/openai/v1/completions" ? "completions" : undefined;
  if (call === undefined) return false;
  if (typeof body !== "object") {
    writeJson(res, 400, { error: "Expected a JSON object body" });
    return true;
  }
  const model = typeof body.model === "string" ? body.model : "";
  if (!names.has(model)) {
    writeJson(res, 404, notFound(model).body);
    return true;
  }
  const answer = echoAnswer(call, body);
  if (answer.kind === "json") {
    writeJson(res, answer.status, answer.body);
    return true;
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const event of answer.events) {
    await new Promise((resolve) => setTimeout(resolve, EVENT_GAP_MS));
    if (res.destroyed) return true;
    res.write(`data: ${event}\n\n`);
  }
  res.end();
  return true;
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function handle(names: ReadonlySet<string>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const path = new URL(req.url ?? "/", "http://sample").pathname;
  if (path.startsWith("/openai/") && (await handleOpenAI(names, path, body, res))) return;
  const answer =
    typeof body === "string"
      ? badRequest(`Unrecognized request format: ${body}`)
      : sampleModelAnswer(names, req.method ?? "GET", path, body);
  writeJson(res, answer.status, answer.body);
}

/**
 * Starts the sample anomaly scorer: a small model server speaking the KServe V1 and V2 protocols (and, as an
 * echo model, OpenAI's API under `/openai/v1`), serving every name in `names`. It lets the local gateway answer list, health and predict with no cluster.
 *
 * @example
 * const model = await startSampleModel({ names: ["anomaly-detector"] });
 * await fetch(`${model.url}/v1/models/anomaly-detector:predict`, { method: "POST", body: '{"instances":[[1,2,3]]}' });
 */
export function startSampleModel(options: {
  names: readonly string[];
  port?: number;
  host?: string;
}): Promise<SampleModel> {
  const names = new Set(options.names);
  const host = options.host ?? "127.0.0.1";
  const server: Server = createServer((req, res) => {
    handle(names, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end('{"error":"sample model failed"}');
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
