import type { TestProject } from "vitest/node";
import { ensureOpenAIVenv, type OpenAIServer, startOpenAIServer } from "../openai-upstream/openai-server.ts";
import {
  ensureVenv,
  type KServeModelSpec,
  type KServeServer,
  type KServeServerInfo,
  startKServe,
} from "./kserve-server.ts";

/** The three real KServe model servers every `*.kserve.test.ts` suite gets via `inject("kserve")`. */
export interface KServeContext {
  /** The venv interpreter, for suites that start a server of their own with `startKServe`. */
  readonly python: string;
  /** Server id `kserve-a`: `scorer` (scorer), `raiser` (raiser), `dormant` (registered, never ready). */
  readonly a: KServeServerInfo;
  /** Server id `kserve-b`: `scorer-b` (scorer). */
  readonly b: KServeServerInfo;
  /** Server id `kserve-c`: `scorer-c` (scorer). */
  readonly c: KServeServerInfo;
  /** KServe 0.14.1's OpenAI-compatible server (test/openai-upstream/README.md): echo models `echo`, `echo-b`. */
  readonly openai: { readonly url: string; readonly models: readonly string[] };
}

declare module "vitest" {
  export interface ProvidedContext {
    kserve: KServeContext;
  }
}

type ServerKey = "a" | "b" | "c";

const fleet: Record<ServerKey, { serverId: string; models: KServeModelSpec[] }> = {
  a: {
    serverId: "kserve-a",
    models: [
      { name: "scorer", kind: "scorer" },
      { name: "raiser", kind: "raiser" },
      { name: "dormant", kind: "not-ready" },
    ],
  },
  b: { serverId: "kserve-b", models: [{ name: "scorer-b", kind: "scorer" }] },
  c: { serverId: "kserve-c", models: [{ name: "scorer-c", kind: "scorer" }] },
};

/**
 * Ensures the venvs, starts the three servers and the OpenAI-compatible one in parallel and provides their info
 * as `kserve`.
 * Throws (so every kserve suite fails, none skips) when the venv or a server cannot start.
 * Env: MODELGATE_KSERVE_PYTHON picks the interpreter that creates the venv (default python3).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const basePython = process.env.MODELGATE_KSERVE_PYTHON;
  const options = basePython === undefined ? {} : { basePython };
  const [venv, openaiVenv] = await Promise.all([ensureVenv(options), ensureOpenAIVenv(options)]);
  const keys = Object.keys(fleet) as ServerKey[];
  const [started, openaiStarted] = await Promise.all([
    Promise.allSettled(keys.map((key) => startKServe({ python: venv.python, ...fleet[key] }))),
    startOpenAIServer({ python: openaiVenv.python, models: ["echo", "echo-b"] }).then(
      (server) => ({ status: "fulfilled", value: server }) as const,
      (reason: unknown) => ({ status: "rejected", reason }) as const,
    ),
  ]);
  const servers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const openai: OpenAIServer | undefined = openaiStarted.status === "fulfilled" ? openaiStarted.value : undefined;
  const teardown = async (): Promise<void> => {
    await Promise.all([...servers.map((s) => s.stop()), openai?.stop()]);
  };
  const failures = [...started, openaiStarted].flatMap((s) => (s.status === "rejected" ? [s.reason] : []));
  if (failures.length > 0 || openai === undefined) {
    await teardown();
    const messages = failures.map((f) => (f instanceof Error ? f.message : String(f)));
    throw new Error(`KServe global setup: ${failures.length} of 4 servers failed to start:\n${messages.join("\n\n")}`);
  }
  const [a, b, c] = servers.map(info) as [KServeServerInfo, KServeServerInfo, KServeServerInfo];
  project.provide("kserve", { python: venv.python, a, b, c, openai: { url: openai.url, models: openai.models } });
  return teardown;
}

function info(server: KServeServer): KServeServerInfo {
  return { url: server.url, port: server.port, serverId: server.serverId, models: server.models };
}
