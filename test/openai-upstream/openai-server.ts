import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { freePort } from "../kserve/free-port.ts";
import { type EnsureVenvOptions, ensureVenv, type KServeVenv } from "../kserve/kserve-server.ts";

const here = fileURLToPath(new URL(".", import.meta.url));

/** Options of {@link ensureOpenAIVenv}: `setupScript` defaults to `setup.sh` next to this file. */
export type EnsureOpenAIVenvOptions = EnsureVenvOptions;

/** The result of {@link ensureOpenAIVenv}: `python` is the venv's interpreter, for {@link startOpenAIServer}. */
export type OpenAIVenv = KServeVenv;

/** Options of {@link startOpenAIServer}. */
export interface StartOpenAIServerOptions {
  /** The interpreter of a venv with kserve 0.14.1 (see {@link ensureOpenAIVenv}). */
  readonly python: string;
  /** The echo models to serve: at least one, names unique. */
  readonly models: readonly string[];
  /** Pause between two streamed chunks (`--chunk_delay_ms`); default 0. A request's `user: "delay-<ms>"` wins. */
  readonly chunkDelayMs?: number;
  /** Default: a free loopback port (retried if it is taken before the server binds it). */
  readonly port?: number;
  /** Default: `openai_server.py` next to this file. */
  readonly script?: string;
  /** Default 60 000. */
  readonly readyTimeoutMs?: number;
  /** Default 5 000. */
  readonly stopGraceMs?: number;
}

/** A running KServe 0.14.1 OpenAI-compatible server (child process). */
export interface OpenAIServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`; the OpenAI API is under `${url}/openai/v1`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly models: readonly string[];
  /** The last 64 KiB of the server's stdout and stderr. */
  logs(): string;
  /** Ends the process (closing its stdin makes it exit at once; SIGKILL after `stopGraceMs`). Idempotent. */
  stop(): Promise<void>;
}

const logLimit = 64 * 1024;
/** Servers not stopped yet: SIGKILLed if this process exits without stopping them. */
const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/**
 * Runs `test/openai-upstream/setup.sh`, which creates or reuses the venv `.venv` next to it with kserve 0.14.1.
 * @throws Error carrying setup.sh's output when it fails or times out.
 */
export function ensureOpenAIVenv(options: EnsureOpenAIVenvOptions = {}): Promise<OpenAIVenv> {
  return ensureVenv({ ...options, setupScript: options.setupScript ?? `${here}setup.sh` });
}

/**
 * Spawns openai_server.py (a real `kserve.ModelServer`, REST only, bound to 127.0.0.1) and resolves once
 * `GET /openai/v1/models` lists exactly the requested models. The process is killed by `stop()`, when this Node
 * process exits, and (via its stdin closing) when this Node process dies.
 * @throws Error with the server's output when it exits or is not ready in time.
 */
export async function startOpenAIServer(options: StartOpenAIServerOptions): Promise<OpenAIServer> {
  let failure: unknown;
  for (let attempt = 0; attempt < (options.port === undefined ? 3 : 1); attempt++) {
    const port = options.port ?? (await freePort());
    const started = await launch(options, port);
    if (!("portTaken" in started)) return started;
    failure = started.portTaken;
  }
  throw failure;
}

async function launch(options: StartOpenAIServerOptions, port: number): Promise<OpenAIServer | { portTaken: Error }> {
  const script = options.script ?? `${here}openai_server.py`;
  const args = [
    "-u",
    script,
    `--http_port=${port}`,
    "--enable_grpc=false",
    "--bind_host=127.0.0.1",
    "--exit_on_stdin_eof",
    `--chunk_delay_ms=${options.chunkDelayMs ?? 0}`,
    ...options.models.map((name) => `--model=${name}`),
  ];
  const child = spawn(options.python, args, { stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => {}); // EPIPE when closing the stdin of a server that already exited
  const logs = captureLogs(child);
  let exitReason: string | undefined;
  child.once("error", (error) => {
    exitReason ??= `could not be spawned: ${error.message}`;
  });
  child.once("exit", (code, signal) => {
    exitReason ??= `exited with ${signal ?? `code ${code}`}`;
  });
  live.add(child);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= endChild(child, options.stopGraceMs ?? 5_000).finally(() => live.delete(child));
    return stopped;
  };
  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = await listedModels(url);
    if (Array.isArray(listed) && sameNames(listed, options.models)) break;
    const last = Array.isArray(listed)
      ? `GET /openai/v1/models lists ${JSON.stringify(listed)}, expected ${JSON.stringify(options.models)}`
      : listed.failure;
    const why = Array.isArray(listed)
      ? "serves other models"
      : (exitReason ?? (Date.now() >= deadline ? `is not ready after ${timeoutMs} ms` : undefined));
    if (why !== undefined) {
      await stop();
      const message = `OpenAI server (${options.python} ${args.join(" ")}) ${why} (last: ${last}). Its output:\n${logs()}`;
      if (/address already in use/i.test(logs())) return { portTaken: new Error(message) };
      throw new Error(message);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, port, pid: child.pid ?? -1, models: [...options.models], logs, stop };
}

function sameNames(listed: readonly unknown[], wanted: readonly string[]): boolean {
  return listed.length === wanted.length && wanted.every((name) => listed.includes(name));
}

/** The ids `GET /openai/v1/models` lists, or why it could not tell. */
async function listedModels(url: string): Promise<unknown[] | { failure: string }> {
  try {
    const res = await fetch(`${url}/openai/v1/models`, { signal: AbortSignal.timeout(2_000) });
    const body = await res.text();
    const data: unknown = res.ok ? (JSON.parse(body) as { data?: unknown }).data : undefined;
    if (!Array.isArray(data)) return { failure: `GET /openai/v1/models answered ${res.status} ${body}` };
    return data.map((entry: unknown) =>
      typeof entry === "object" && entry !== null && "id" in entry ? entry.id : entry,
    );
  } catch (error) {
    return { failure: `GET /openai/v1/models failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Closes the child's stdin (the server exits at once) and SIGKILLs it if it is still there after `graceMs`. */
async function endChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.stdin?.end();
  const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited.finally(() => clearTimeout(killer));
}

/** Keeps the last {@link logLimit} characters of the child's stdout and stderr. */
function captureLogs(child: ChildProcess): () => string {
  const chunks: string[] = [];
  let size = 0;
  const keep = (data: Buffer): void => {
    const text = data.toString("utf8");
    chunks.push(text);
    size += text.length;
    while (size > logLimit && chunks.length > 1) size -= (chunks.shift() ?? "").length;
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return () => chunks.join("").slice(-logLimit);
}
