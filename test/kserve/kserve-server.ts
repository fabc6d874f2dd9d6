import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.ts";

const here = fileURLToPath(new URL(".", import.meta.url));

/** What a served model does (see model_server.py and README.md). */
export type KServeModelKind = "scorer" | "raiser" | "not-ready";

/** One model served by a KServe model server. */
export interface KServeModelSpec {
  readonly name: string;
  readonly kind: KServeModelKind;
}

/** Serializable description of a running server (what global setup provides to suites). */
export interface KServeServerInfo {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Reported by its scorers: V1 `server_id` field, V2 `parameters.server_id`. */
  readonly serverId: string;
  readonly models: readonly KServeModelSpec[];
}

/** A running KServe model server child process. */
export interface KServeServer extends KServeServerInfo {
  readonly pid: number;
  /** The last 64 KiB of the server's stdout and stderr. */
  logs(): string;
  /** Ends the process (closing its stdin makes it exit at once; SIGKILL after `stopGraceMs`). Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link ensureVenv}. */
export interface EnsureVenvOptions {
  /** The setup script; default: `setup.sh` next to this file. The venv is `.venv` next to it. */
  readonly setupScript?: string;
  /** Interpreter that creates the venv (setup.sh's first argument); default: `python3`. */
  readonly basePython?: string;
  /** Default 600 000 (a cold install takes about a minute). */
  readonly timeoutMs?: number;
}

/** The result of {@link ensureVenv}. */
export interface KServeVenv {
  /** The venv's interpreter, to pass to {@link startKServe}. */
  readonly python: string;
  /** setup.sh's combined output. */
  readonly output: string;
  readonly tookMs: number;
}

/** Options of {@link startKServe}. */
export interface StartKServeOptions {
  /** The interpreter of a venv that has kserve (see {@link ensureVenv}). */
  readonly python: string;
  readonly serverId: string;
  /** At least one of kind "scorer" or "raiser"; names unique. */
  readonly models: readonly KServeModelSpec[];
  /** Default: a free loopback port (retried if it is taken before the server binds it). */
  readonly port?: number;
  /** Default: `model_server.py` next to this file. */
  readonly script?: string;
  /** Default 60 000. */
  readonly readyTimeoutMs?: number;
  /** Default 5 000. */
  readonly stopGraceMs?: number;
}

const flagOf: Record<KServeModelKind, string> = { scorer: "--scorer", raiser: "--raiser", "not-ready": "--not_ready" };
const logLimit = 64 * 1024;

/** Children still running; one `exit` listener kills them all if this process exits without stopping them. */
const running = new Set<ChildProcess>();
const killRunning = (): void => {
  for (const child of running) child.kill("SIGKILL");
};

/**
 * Runs setup.sh, which creates or reuses the project-local venv `.venv` with the pinned kserve.
 * @throws Error carrying setup.sh's output when it fails or times out.
 */
export async function ensureVenv(opts: EnsureVenvOptions = {}): Promise<KServeVenv> {
  const script = opts.setupScript ?? `${here}setup.sh`;
  const started = Date.now();
  const args = opts.basePython === undefined ? [script] : [script, opts.basePython];
  const child = spawn("bash", args, { stdio: ["ignore", "pipe", "pipe"] });
  const tail = outputTail(child);
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
    if (code !== 0) {
      const why = signal === null ? `exit code ${code}` : `signal ${signal} (timeout ${timeoutMs} ms?)`;
      throw new Error(`KServe venv setup failed: bash ${script} ended with ${why}. Its output:\n${tail.text()}`);
    }
  } finally {
    clearTimeout(timer);
  }
  return {
    python: join(dirname(script), ".venv", "bin", "python"),
    output: tail.text(),
    tookMs: Date.now() - started,
  };
}

/**
 * Spawns model_server.py (a real `kserve.ModelServer`, REST only, bound to 127.0.0.1) and resolves once
 * `GET /v1/models` lists every requested model. The process is killed by `stop()`, when this Node process
 * exits, and (via its stdin closing) when this Node process dies.
 * @throws Error with the server's output when it exits or is not ready in time.
 */
export async function startKServe(opts: StartKServeOptions): Promise<KServeServer> {
  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await startOnce(opts, port);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= attempts) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(opts: StartKServeOptions, port: number): Promise<KServeServer> {
  const script = opts.script ?? `${here}model_server.py`;
  const args = ["-u", script, `--http_port=${port}`, "--enable_grpc=false", "--bind_host=127.0.0.1"];
  args.push("--exit_on_stdin_eof", `--server_id=${opts.serverId}`);
  for (const model of opts.models) args.push(`${flagOf[model.kind]}=${model.name}`);
  const child = spawn(opts.python, args, { stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => {}); // EPIPE when closing the stdin of a server that already exited
  const tail = outputTail(child);
  const exited = new Promise<string>((resolve) => {
    child.once("error", (error) => resolve(`could not spawn ${opts.python}: ${error.message}`));
    child.once("exit", (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`));
  });
  if (running.size === 0) process.on("exit", killRunning);
  running.add(child);
  const url = `http://127.0.0.1:${port}`;
  const describe = `KServe model server ${opts.serverId} (${opts.python} ${args.join(" ")})`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= stopChild(child, opts.stopGraceMs ?? 5_000).finally(() => {
      running.delete(child);
      if (running.size === 0) process.off("exit", killRunning);
    });
    return stopping;
  };
  try {
    await waitReady(
      url,
      opts.models.map((m) => m.name),
      exited,
      opts.readyTimeoutMs ?? 60_000,
    );
  } catch (error) {
    await stop();
    const logs = tail.text();
    const reason = error instanceof Error ? error.message : String(error);
    const message = `${describe} did not become ready: ${reason}. Its output:\n${logs}`;
    throw /address already in use/i.test(logs) ? new PortTakenError(message) : new Error(message);
  }
  const pid = child.pid ?? -1;
  return { url, port, serverId: opts.serverId, models: [...opts.models], pid, logs: tail.text, stop };
}

async function waitReady(
  url: string,
  names: readonly string[],
  exited: Promise<string>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitReason: string | undefined;
  void exited.then((reason) => {
    exitReason = reason;
  });
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (exitReason !== undefined) throw new Error(`it ${exitReason}`);
    const listed = await listModels(url);
    if (Array.isArray(listed)) {
      const same = listed.length === names.length && names.every((n) => listed.includes(n));
      if (same) return;
      throw new Error(`GET ${url}/v1/models lists ${JSON.stringify(listed)}, expected ${JSON.stringify(names)}`);
    }
    last = listed.failure;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready after ${timeoutMs} ms (last: ${last})`);
}

/** The model names `GET /v1/models` lists, or why it could not tell. */
async function listModels(url: string): Promise<unknown[] | { failure: string }> {
  try {
    const res = await fetch(`${url}/v1/models`, { signal: AbortSignal.timeout(2_000) });
    const body = await res.text();
    const models: unknown = res.ok ? (JSON.parse(body) as { models?: unknown }).models : undefined;
    return Array.isArray(models) ? models : { failure: `GET /v1/models answered ${res.status} ${body}` };
  } catch (error) {
    return { failure: `GET /v1/models failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = once(child, "exit");
  child.stdin?.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  try {
    await gone;
  } finally {
    clearTimeout(timer);
  }
}

function outputTail(child: ChildProcess): { text: () => string } {
  let buffered = "";
  const add = (chunk: Buffer): void => {
    buffered += chunk.toString("utf8");
    if (buffered.length > 2 * logLimit) buffered = buffered.slice(-logLimit);
  };
  child.stdout?.on("data", add);
  child.stderr?.on("data", add);
  return { text: () => buffered.slice(-logLimit) };
}
