import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLE_ENTRY, type BundledFunction, type BundleResult, buildAll } from "../../scripts/build.ts";

/** A function bundle running as its image runs it: `node dist/main.mjs` in a folder holding only `dist/`. */
export interface RunningBundle {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves to the exit code (null when killed by a signal). */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Builds every bundle into a fresh temp folder (`<tmp>/<fn>/dist`, nothing else there: no node_modules up the
 * tree either, as in the image) and resolves to the results and the folder of each function.
 */
export async function buildBundlesInTemp(): Promise<{ root: string; bundles: Map<BundledFunction, BundleResult> }> {
  const root = await mkdtemp(join(tmpdir(), "modelgate-bundles-"));
  const bundles = new Map((await buildAll({ outDir: root })).map((bundle) => [bundle.fn, bundle] as const));
  return { root, bundles };
}

/** Copies `<fnDir>/dist` into a new temp folder and returns that folder (the image's `/app`). */
export async function copyToTemp(fnDir: string): Promise<string> {
  const app = await mkdtemp(join(tmpdir(), "modelgate-app-"));
  await cp(join(fnDir, "dist"), join(app, "dist"), { recursive: true });
  return app;
}

/** The environment a bundle gets: only what is given, plus PATH, and HOME pointing at the app folder. */
export function bundleEnv(appDir: string, env: Readonly<Record<string, string>>): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: appDir, LOG_LEVEL: "info", ...env };
}

/**
 * Starts `node dist/main.mjs` (the image's CMD) with cwd `appDir` and `PORT=0`, and resolves once the
 * function logs `listening on …` (its URL is read from that JSON line's `url`). Rejects with the output when it
 * exits first or does not listen within `timeoutMs`.
 */
export function startBundle(
  appDir: string,
  env: Readonly<Record<string, string>>,
  options: { timeoutMs?: number } = {},
): Promise<RunningBundle> {
  const child = spawn(process.execPath, [BUNDLE_ENTRY], {
    cwd: appDir,
    env: bundleEnv(appDir, { ...env, PORT: "0" }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const running = (url: string): RunningBundle => ({
    url,
    child,
    output: () => output,
    stop: async (graceMs = 5_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${appDir}: not listening after ${options.timeoutMs ?? 10_000} ms:\n${output}`));
    }, options.timeoutMs ?? 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /"url":"(http:\/\/[\d.]+:\d+)","msg":"listening on /.exec(output);
      if (found?.[1]) {
        clearTimeout(timer);
        resolve(running(found[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${appDir}: exited with ${code} before listening:\n${output}`));
    });
  });
}

/** Runs the bundle to its end (for start-up failures): exit code and output. */
export function runBundleToExit(
  appDir: string,
  env: Readonly<Record<string, string>>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [BUNDLE_ENTRY], {
    cwd: appDir,
    env: bundleEnv(appDir, env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

/**
 * Writes a kubeconfig whose API server cannot be reached (127.0.0.1:1) and returns its path: the deploy
 * function then has "a cluster configured" (its routes and events get past the 503 for no cluster) while
 * every call to the API fails fast.
 */
export async function writeUnreachableKubeconfig(dir: string): Promise<string> {
  const path = join(dir, "unreachable-kubeconfig.json");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "unreachable", cluster: { server: "https://127.0.0.1:1" } }],
    users: [{ name: "nobody", user: { token: "not-a-token" } }],
    contexts: [{ name: "unreachable", context: { cluster: "unreachable", user: "nobody" } }],
    "current-context": "unreachable",
  };
  await writeFile(path, JSON.stringify(config));
  return path;
}
