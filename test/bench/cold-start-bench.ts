/**
 * Cold start benchmark (`pnpm bench cold-start`, or alone: `pnpm tsx test/bench/cold-start-bench.ts`).
 *
 * Builds the three bundles (scripts/build.ts) into a temp folder and, in interleaved rounds, spawns each one as
 * its image does (`node dist/main.mjs`, cwd = a folder holding only dist/) next to a bare node:http hello-world:
 * time from spawn to the first 200 on the health route, then on one real route, and the RSS right after.
 * Deploy's real route runs as in a pod (service account, API server over TLS); `deploy-kc` with a kubeconfig.
 * Two modes: as the image runs it (V8 compile cache warmed at image build, NODE_COMPILE_CACHE, a fresh copy
 * per start) and with no cache. Prints medians and the ratios to the hello-world of the same mode against the targets
 * (models and predict ≤ 1.3 ×, deploy ≤ 1.6 ×, on the real route).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BUNDLE_ENTRY, type BundledFunction, buildAll, formatBytes } from "../../scripts/build.ts";
import { makePki } from "../cluster/pki.ts";
import { runConditions } from "./run-conditions.ts";

const HELLO = `import { createServer } from "node:http";
createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end('{"hello":"world"}');
}).listen(Number(process.env.PORT), "0.0.0.0");
`;

const TARGETS: Partial<Record<Subject, number>> = { models: 1.3, predict: 1.3, deploy: 1.6 };
const MODES = ["image", "no-cache"] as const;
/** `deploy` runs as in a pod (service account); `deploy-kc` with a kubeconfig file (local use), for comparison. */
type Subject = "hello" | BundledFunction | "deploy-kc";
const SUBJECTS: Subject[] = ["hello", "models", "predict", "deploy", "deploy-kc"];

interface Probe {
  method: string;
  path: string;
  body?: string;
}

interface Sample {
  healthMs: number;
  routeMs: number;
  rssKb: number | undefined;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One HTTP exchange on a fresh connection; resolves to the status, rejects on a transport error. */
function send(port: number, probe: Probe): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: probe.method,
        path: probe.path,
        agent: false,
        headers: { "content-type": "application/json" },
      },
      (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.once("error", reject);
    req.end(probe.body);
  });
}

/** Polls (as a readiness probe would) until `probe` answers 200; returns the time since `start`. */
async function firstOk(port: number, probe: Probe, start: number, child: ChildProcess): Promise<number> {
  const deadline = start + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before answering ${probe.path}`);
    try {
      const status = await send(port, probe);
      if (status === 200) return performance.now() - start;
      throw new Error(`${probe.method} ${probe.path} answered ${status}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ECONNREFUSED") throw error;
    }
    if (performance.now() > deadline) throw new Error(`no answer on ${probe.path} within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function rssKb(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb);
  } catch {
    return undefined;
  }
}

/** Spawns `node <entry>` in `cwd`, measures health then the real route, reads RSS, stops it. */
async function coldStart(
  cwd: string,
  entry: string,
  env: Record<string, string>,
  health: Probe,
  route: Probe,
): Promise<Sample> {
  const port = await freePort();
  const start = performance.now();
  const child = spawn(process.execPath, [entry], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: cwd, LOG_LEVEL: "info", ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    const healthMs = await firstOk(port, health, start, child);
    const routeMs = await firstOk(port, route, start, child);
    return { healthMs, routeMs, rssKb: await rssKb(child.pid) };
  } catch (error) {
    throw new Error(`${cwd}: ${(error as Error).message}\n${stderr}`, { cause: error });
  } finally {
    const exited = child.exitCode === null ? once(child, "exit") : Promise.resolve();
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

/** Warms a compile cache the way the Containerfiles do: a run that exits (bad registry) right after loading. */
async function warmCompileCache(app: string, cacheDir: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const child = spawn(process.execPath, [BUNDLE_ENTRY], {
    cwd: app,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: app,
      NODE_COMPILE_CACHE: cacheDir,
      KSERVE_MODEL_REGISTRY: "warm-up: not JSON",
    },
    stdio: "ignore",
  });
  await once(child, "exit");
}

/** Runs the benchmark and prints the table; `runs` rounds per subject and mode (interleaved). */
export async function runColdStartBench(runs = 9): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "modelgate-cold-start-"));
  // A stand-in API server (deploy's list) and model server (predict) in one; the API server also over TLS,
  // as a pod reaches it.
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(req.url?.startsWith("/apis/") ? '{"kind":"InferenceServiceList","items":[]}' : '{"predictions":[1]}');
  };
  const upstream = createServer(answer);
  let apiServer: Server | undefined;
  try {
    const bundles = await buildAll({ outDir: root });
    const port = await listen(upstream);
    // The pod's service-account mount: a token and the CA that signed the API server's certificate.
    const pki = await makePki(await mkdtemp(join(root, "pki-")));
    const serviceAccount = join(root, "serviceaccount");
    await mkdir(serviceAccount);
    await writeFile(join(serviceAccount, "token"), "bench-token");
    await writeFile(join(serviceAccount, "ca.crt"), pki.caPem);
    apiServer = createTlsServer(
      { cert: await readFile(pki.servingCertFile), key: await readFile(pki.servingKeyFile) },
      answer,
    );
    const apiPort = await listen(apiServer);
    await writeFile(join(root, "hello.mjs"), HELLO);
    const kubeconfig = join(root, "kubeconfig.json");
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          { name: "bench", cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } },
        ],
        users: [{ name: "bench", user: { token: "bench" } }],
        contexts: [{ name: "bench", context: { cluster: "bench", user: "bench" } }],
        "current-context": "bench",
      }),
    );
    const registry = JSON.stringify([{ name: "x", url: `http://127.0.0.1:${port}`, type: "anomaly" }]);
    const health: Probe = { method: "GET", path: "/health/readiness" };
    const plan: Record<
      Subject,
      { fn?: BundledFunction; cwd: string; entry: string; env: Record<string, string>; health: Probe; route: Probe }
    > = {
      hello: {
        cwd: root,
        entry: "hello.mjs",
        env: {},
        health: { method: "GET", path: "/" },
        route: { method: "GET", path: "/" },
      },
      models: {
        fn: "models",
        cwd: join(root, "models"),
        entry: BUNDLE_ENTRY,
        env: { KSERVE_MODEL_REGISTRY: registry },
        health,
        route: { method: "GET", path: "/api/v1/models" },
      },
      predict: {
        fn: "predict",
        cwd: join(root, "predict"),
        entry: BUNDLE_ENTRY,
        env: { KSERVE_MODEL_REGISTRY: registry },
        health,
        route: { method: "POST", path: "/api/v1/models/x/predict", body: '{"instances":[[1,2]]}' },
      },
      deploy: {
        fn: "deploy",
        cwd: join(root, "deploy"),
        entry: BUNDLE_ENTRY,
        env: {
          KSERVE_MODEL_REGISTRY: registry,
          MODELGATE_AUTH: "none",
          KUBERNETES_IN_CLUSTER: "true",
          KUBERNETES_SERVICE_HOST: "127.0.0.1",
          KUBERNETES_SERVICE_PORT: String(apiPort),
          KUBERNETES_SERVICE_ACCOUNT_DIR: serviceAccount,
          KSERVE_ALLOWED_NAMESPACES: "ml",
        },
        health,
        route: { method: "GET", path: "/api/v1/inferenceservices" },
      },
      "deploy-kc": {
        fn: "deploy",
        cwd: join(root, "deploy"),
        entry: BUNDLE_ENTRY,
        env: {
          KSERVE_MODEL_REGISTRY: registry,
          MODELGATE_AUTH: "none",
          KUBECONFIG: kubeconfig,
          KSERVE_ALLOWED_NAMESPACES: "ml",
        },
        health,
        route: { method: "GET", path: "/api/v1/inferenceservices" },
      },
    };
    const caches: Record<Subject, string> = { hello: "", models: "", predict: "", deploy: "", "deploy-kc": "" };
    for (const subject of SUBJECTS) {
      // One image per function: both deploy subjects run the deploy image and its cache.
      const fn = plan[subject].fn;
      caches[subject] = join(root, `cache-${fn ?? subject}`);
      if (fn === undefined) await mkdir(caches[subject], { recursive: true });
      else if (subject === fn) await warmCompileCache(plan[subject].cwd, caches[subject]);
    }

    const conditions = runConditions();
    const samples = new Map<string, Sample[]>();
    process.stderr.write(`cold start: ${runs} rounds of ${SUBJECTS.length * MODES.length} starts `);
    for (let round = 0; round < runs; round++) {
      for (const mode of MODES) {
        for (const subject of SUBJECTS) {
          const { cwd, entry, env, health: h, route } = plan[subject];
          // Each image-mode start gets a fresh copy of the cache warmed at "image build": a pod scaled from
          // zero starts from the image, not from what an earlier pod added to the cache (e.g. lazy chunks).
          const runCache = join(root, "run-cache");
          if (mode === "image") await cp(caches[subject], runCache, { recursive: true });
          const withCache = mode === "image" ? { ...env, NODE_COMPILE_CACHE: runCache } : env;
          const sample = await coldStart(cwd, entry, withCache, h, route);
          await rm(runCache, { recursive: true, force: true });
          const key = `${mode}/${subject}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
        }
      }
      process.stderr.write(".");
    }
    process.stderr.write("\n");

    const sizes = new Map(bundles.map((bundle) => [bundle.fn, bundle]));
    const lines = [`Cold start (${conditions}), median of ${runs} (spawn → first 200), interleaved rounds`];
    for (const mode of MODES) {
      lines.push("");
      lines.push(mode === "image" ? "as the image runs it (compile cache warmed at build):" : "no compile cache:");
      lines.push("  subject   health ms  route ms   × hello (health / route)   target   RSS MB   bundle at start-up");
      const stat = (subject: Subject) => {
        const list = samples.get(`${mode}/${subject}`) ?? [];
        const rss = list.map((s) => s.rssKb).filter((v): v is number => v !== undefined);
        return {
          health: median(list.map((s) => s.healthMs)),
          route: median(list.map((s) => s.routeMs)),
          rssMb: rss.length > 0 ? median(rss) / 1024 : Number.NaN,
        };
      };
      const hello = stat("hello");
      for (const subject of SUBJECTS) {
        const s = stat(subject);
        const ratioH = s.health / hello.health;
        const ratioR = s.route / hello.route;
        const target = TARGETS[subject];
        const verdict = target === undefined ? "" : `≤ ${target.toFixed(1)} ${ratioR <= target ? "ok" : "MISSED"}`;
        const fn = plan[subject].fn;
        const bundle = fn === undefined ? undefined : sizes.get(fn);
        const startup = bundle?.files
          .filter(
            (f) =>
              f.path.endsWith(".mjs") &&
              !bundle.files.some((o) => o.imports.some((i) => i.dynamic && i.path === f.path)),
          )
          .reduce((sum, f) => sum + f.bytes, 0);
        lines.push(
          `  ${subject.padEnd(9)} ${s.health.toFixed(0).padStart(9)} ${s.route.toFixed(0).padStart(9)}   ` +
            `${`${ratioH.toFixed(2)} / ${ratioR.toFixed(2)}`.padEnd(26)} ${verdict.padEnd(10)} ${s.rssMb.toFixed(0).padStart(6)}   ` +
            `${startup === undefined ? "-" : formatBytes(startup)}`,
        );
      }
    }
    console.log(lines.join("\n"));
  } finally {
    upstream.close();
    apiServer?.close();
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runColdStartBench(Number(process.env.COLD_START_RUNS ?? 9));
}
