/**
 * Predict proxy benchmark (`pnpm bench`, or alone: `pnpm tsx test/bench/predict-bench.ts`).
 *
 * In one run, against the same fast loopback upstream (a minimal node:http server answering a small JSON):
 * (a) direct, (b) a bare node:http keep-alive proxy (the baseline), (c) the predict function served on a real
 * port, (d) nginx as reverse proxy when installed. Servers run in child processes (nginx: one worker),
 * the load generator (autocannon) in this one. Prints req/s and p50/p99, p99 at a fixed 1,000 req/s for (a)
 * and (c), the time of a 10 MB body for each, the resident memory of (c) over a series of 10 MB bodies, the
 * front door (V2 infer on KServe's own path beside modelgate's, and the time to the first streamed event of an
 * OpenAI chat completion through (c) and direct), and the ratios against the targets.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Agent as HttpAgent, request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "@modelgate/config";
import { createLogger, serve } from "@modelgate/http";
import { createApp } from "@modelgate/predict";
import { request } from "undici";
import { runConditions } from "./run-conditions.ts";

const ROLE = "--predict-bench-role=";
const MODEL_PATH = "/v1/models/bench:predict";
const PREDICT_PATH = "/api/v1/models/bench/predict";
const SMALL_BODY = '{"instances":[[1.5,-2.25,3,4]]}';
const DETECT_PATH = "/api/v1/detect";
/** The same instances in the KubeHeal engine's shape: `/api/v1/detect` turns it into the V1 predict above. */
const DETECT_BODY = '{"model":"bench","instances":[[1.5,-2.25,3,4]]}';
const ANSWER = '{"predictions":[2.6875],"server_id":"bench"}';
/** V2 infer on modelgate's path and on KServe's own (the upstream answers both with ANSWER). */
const INFER_PATHS = { modelgate: "/api/v1/models/bench/infer", kserve: "/v2/models/bench/infer" };
/** Alternated throughput runs of each infer path (their median is compared: this machine's speed drifts). */
const INFER_ROUNDS = 4;
const INFER_BODY = '{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1.5,-2.25,3,4]}]}';
/** A streamed chat completion: the upstream sends its first event at once, then the rest 10 ms apart. */
const CHAT = {
  upstreamPath: "/openai/v1/chat/completions",
  body: '{"model":"chat","stream":true,"messages":[{"role":"user","content":"hi"}]}',
  events: ['{"choices":[{"delta":{"content":"echo: "}}]}', '{"choices":[{"delta":{"content":"hi"}}]}', "[DONE]"],
  gapMs: 10,
  warmups: 5,
  runs: 50,
};

const THROUGHPUT = { connections: 32, warmupSeconds: 1, seconds: 6 };
/**
 * autocannon's overallRate gives each connection a quota per second, sent back to back from the start of each
 * second: with N connections that is a burst of N concurrent requests. 1 connection = 1,000 req/s with no burst
 * of the generator's own (the figure the target uses); 10 connections shows the bursts.
 */
const FIXED_RATE = { rate: 1_000, connections: [1, 10], warmupSeconds: 1, seconds: 8 };
const BIG_BODY = { bytes: 10 * 1024 * 1024, warmups: 2, runs: 9, memoryRuns: 40 };
const TARGETS = {
  throughputVsBare: 0.9,
  p99OverDirectMs: 2,
  bigBodyVsDirect: 1.5,
  /** Resident growth over the series of 10 MB bodies (40): bounded, far below one copy per request (400 MB). */
  bigBodySeriesGrowthMb: 64,
  detectVsPredict: 0.9,
  detectP99OverPredictMs: 2,
  /** KServe's own path costs what modelgate's does: the same route code behind another path. */
  kservePathVsModelgatePath: 0.95,
};

// ---------------------------------------------------------------------------------------------- servers

/** The upstream: reads the body whole, answers a small JSON (a chat completion: its events, streamed). */
function serveUpstream(): Promise<number> {
  const server = createServer((req, res) => {
    req.on("data", () => {});
    req.on("end", async () => {
      if (req.url === CHAT.upstreamPath) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        for (const [index, event] of CHAT.events.entries()) {
          if (index > 0) await new Promise((resolve) => setTimeout(resolve, CHAT.gapMs));
          res.write(`data: ${event}\n\n`);
        }
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(ANSWER) });
      res.end(ANSWER);
    });
  });
  server.keepAliveTimeout = 60_000;
  return listen(server);
}

/** The baseline: a bare node:http reverse proxy with a keep-alive agent, streaming both ways. */
function serveBareProxy(upstreamPort: number): Promise<number> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
  const server = createServer((req, res) => {
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "content-length", "accept"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const upstream = httpRequest(
      { host: "127.0.0.1", port: upstreamPort, method: "POST", path: req.url, headers, agent },
      (answer) => {
        const out: Record<string, string> = {};
        const type = answer.headers["content-type"];
        const length = answer.headers["content-length"];
        if (type !== undefined) out["content-type"] = type;
        if (length !== undefined) out["content-length"] = length;
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  return listen(server);
}

/** (c) The predict function, as `main.ts` serves it (hono on @hono/node-server, info logging). */
async function servePredict(upstreamPort: number): Promise<number> {
  const url = `http://127.0.0.1:${upstreamPort}`;
  const registry = [
    { name: "bench", type: "anomaly", url },
    { name: "chat", type: "predictive", protocol: "openai", url },
  ];
  const config = loadConfig({ KSERVE_MODEL_REGISTRY: JSON.stringify(registry) });
  const logger = createLogger({ name: "predict", level: config.logLevel });
  const served = await serve(createApp({ config, logger }), { port: 0, hostname: "127.0.0.1" });
  served.server.on("connection", () => {});
  return served.port;
}

function listen(server: ReturnType<typeof createServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

/** Runs one server role in this (child) process and reports `READY <port>` on stdout. */
async function runRole(role: string, upstreamPort: number): Promise<void> {
  const port =
    role === "upstream"
      ? await serveUpstream()
      : role === "bare"
        ? await serveBareProxy(upstreamPort)
        : await servePredict(upstreamPort);
  process.stdout.write(`READY ${port}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0)); // the parent went away
}

interface Child {
  readonly port: number;
  /** The server's processes (nginx: master and workers), for CPU accounting. */
  pids(): number[];
  stop(): Promise<void>;
}

/** CPU time (user + system, ms) used so far by `pids`, from /proc (Linux); NaN elsewhere. */
function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return Number.NaN;
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

function withChildren(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    return [pid, ...children.map(Number)];
  } catch {
    return [pid];
  }
}

async function startChild(role: string, upstreamPort = 0): Promise<Child> {
  const file = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, file, `${ROLE}${role}`, String(upstreamPort)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`bench server ${role} exited with ${code} before it was ready`)));
  });
  child.stdout.resume();
  return { port, pids: () => withChildren(child.pid), stop: () => stopProcess(child) };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await gone;
  clearTimeout(timer);
}

function nginxBinary(): string | undefined {
  for (const candidate of ["nginx", "/usr/sbin/nginx"]) {
    try {
      execFileSync(candidate, ["-v"], { stdio: "ignore" });
      return candidate;
    } catch {}
  }
  return undefined;
}

/** (d) nginx, one worker, keep-alive to the upstream, request and answer streamed; a child process. */
async function startNginx(binary: string, upstreamPort: number): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), "predict-bench-nginx-"));
  chmodSync(dir, 0o755);
  for (const sub of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
    mkdirSync(join(dir, sub));
    chmodSync(join(dir, sub), 0o777);
  }
  const port = await freePort();
  const conf = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log stderr error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream model { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    client_max_body_size 20m;
    location / {
      proxy_pass http://model;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering off;
    }
  }
}
`;
  writeFileSync(join(dir, "nginx.conf"), conf);
  const child = spawn(binary, ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: ["ignore", "ignore", "inherit"] });
  const deadline = Date.now() + 5_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    try {
      await request(`http://127.0.0.1:${port}${MODEL_PATH}`, { method: "POST", body: SMALL_BODY }).then((r) =>
        r.body.dump(),
      );
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    port,
    pids: () => withChildren(child.pid),
    stop: async () => {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

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

// ------------------------------------------------------------------------------------------------- load

interface AutocannonOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
  overallRate?: number;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}
interface AutocannonInstance {
  on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (
  opts: AutocannonOptions,
  done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

let loaded: Autocannon | undefined;
/** Loaded on first use: the server child processes never load it. */
function autocannon(): Autocannon {
  loaded ??= createRequire(import.meta.url)("autocannon") as Autocannon;
  return loaded;
}

interface Measured {
  /** CPU time the measured server processes used per answered request (µs), when given. */
  readonly cpuUsPerRequest?: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
  readonly seconds?: number;
}

/** Drives `url` with autocannon and measures from each answer's own latency (sub-millisecond). */
function drive(
  url: string,
  seconds: number,
  connections: number,
  overallRate?: number,
  body = SMALL_BODY,
): Promise<Measured> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const options: AutocannonOptions = {
      url,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      connections,
      duration: seconds,
      ...(overallRate === undefined ? {} : { overallRate }),
    };
    const instance = autocannon()(options, (error, result) => {
      if (error) return reject(error);
      latencies.sort((x, y) => x - y);
      resolve({
        rps: latencies.length / result.duration,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        failed: result.errors + result.timeouts + result.non2xx,
        seconds: result.duration,
      });
    });
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function withCpu(pids: readonly number[], run: () => Promise<Measured>): Promise<Measured> {
  const before = cpuMs(pids);
  const measured = await run();
  const used = cpuMs(pids) - before;
  const answered = measured.rps * (measured.seconds ?? 0);
  return { ...measured, cpuUsPerRequest: (used * 1000) / answered };
}

async function throughput(url: string, pids: readonly number[], body = SMALL_BODY): Promise<Measured> {
  await drive(url, THROUGHPUT.warmupSeconds, THROUGHPUT.connections, undefined, body);
  return withCpu(pids, () => drive(url, THROUGHPUT.seconds, THROUGHPUT.connections, undefined, body));
}

async function fixedRate(url: string, pids: readonly number[], connections: number): Promise<Measured> {
  await drive(url, FIXED_RATE.warmupSeconds, connections, FIXED_RATE.rate);
  return withCpu(pids, () => drive(url, FIXED_RATE.seconds, connections, FIXED_RATE.rate));
}

/** The 10 MB body: `{`, spaces, `}` (valid JSON the upstream need not parse). */
function bigJsonBody(): Buffer {
  const body = Buffer.alloc(BIG_BODY.bytes, " ");
  body[0] = 0x7b;
  body[body.length - 1] = 0x7d;
  return body;
}

/** Median milliseconds to POST a 10 MB JSON body (declared length) and read the answer, per url, interleaved. */
async function bigBody(urls: readonly string[]): Promise<number[]> {
  const body = bigJsonBody();
  const times = urls.map((): number[] => []);
  for (let run = 0; run < BIG_BODY.warmups + BIG_BODY.runs; run++) {
    for (const [index, url] of urls.entries()) {
      const started = process.hrtime.bigint();
      const res = await request(url, { method: "POST", body, headers: { "content-type": "application/json" } });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode} to the 10 MB body`);
      if (run >= BIG_BODY.warmups) times[index]?.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  return times.map((list) =>
    percentile(
      [...list].sort((x, y) => x - y),
      0.5,
    ),
  );
}

/** Median milliseconds from sending a streamed chat completion to its first event, per url, interleaved. */
async function firstEvent(urls: readonly string[]): Promise<number[]> {
  const times = urls.map((): number[] => []);
  for (let run = 0; run < CHAT.warmups + CHAT.runs; run++) {
    for (const [index, url] of urls.entries()) {
      const started = process.hrtime.bigint();
      const res = await request(url, {
        method: "POST",
        body: CHAT.body,
        headers: { "content-type": "application/json" },
      });
      let first: bigint | undefined;
      let text = "";
      for await (const chunk of res.body) {
        first ??= process.hrtime.bigint();
        text += String(chunk);
      }
      if (res.statusCode !== 200 || !text.endsWith("data: [DONE]\n\n")) {
        throw new Error(`${url} answered ${res.statusCode} to the streamed chat: ${text.slice(0, 200)}`);
      }
      if (run >= CHAT.warmups && first !== undefined) times[index]?.push(Number(first - started) / 1e6);
    }
  }
  return times.map((list) =>
    percentile(
      [...list].sort((x, y) => x - y),
      0.5,
    ),
  );
}

/** Resident memory of `pids` (kB): now (VmRSS) and the most so far (VmHWM), from /proc; NaN elsewhere. */
function residentKb(pids: readonly number[]): { now: number; peak: number } {
  let now = 0;
  let peak = 0;
  try {
    for (const pid of pids) {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      now += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
      peak += Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
    }
  } catch {
    return { now: Number.NaN, peak: Number.NaN };
  }
  return { now, peak };
}

/**
 * Memory of the proxy's processes over a series of {@link BIG_BODY.memoryRuns} 10 MB bodies, after the timed
 * ones: resident memory before and after every tenth request, and its peak. Resident memory rises and falls
 * with the garbage collector; what it must not do is grow with the count: a copy kept per request would add
 * 10 MB each (400 MB over the series).
 */
async function bigBodyMemory(url: string, pids: readonly number[]) {
  const body = bigJsonBody();
  const samplesMb = [residentKb(pids).now / 1024];
  for (let run = 1; run <= BIG_BODY.memoryRuns; run++) {
    const res = await request(url, { method: "POST", body, headers: { "content-type": "application/json" } });
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode} to the 10 MB body`);
    if (run % 10 === 0) samplesMb.push(residentKb(pids).now / 1024);
  }
  return { samplesMb, peakMb: residentKb(pids).peak / 1024, growthMb: (samplesMb.at(-1) ?? 0) - (samplesMb[0] ?? 0) };
}

// ------------------------------------------------------------------------------------------------- main

const ms = (value: number): string => value.toFixed(3).padStart(8);
const verdict = (ok: boolean): string => (ok ? "MET" : "NOT MET");

/**
 * Runs the whole predict proxy benchmark (about a minute) and prints its table.
 *
 * @example
 * await runPredictBench();
 */
export async function runPredictBench(): Promise<void> {
  const children: Child[] = [];
  const conditions = runConditions();
  try {
    const upstream = await startChild("upstream");
    children.push(upstream);
    const [bare, predict] = await Promise.all([
      startChild("bare", upstream.port),
      startChild("predict", upstream.port),
    ]);
    children.push(bare, predict);
    const nginx = nginxBinary();
    const proxied = nginx === undefined ? undefined : await startNginx(nginx, upstream.port);
    if (proxied) children.push(proxied);

    interface Row {
      readonly label: string;
      readonly url: string;
      /** The processes whose CPU time is counted: the proxy's (the upstream's for the direct row). */
      readonly pids: () => number[];
    }
    const direct: Row = {
      label: "(a) direct",
      url: `http://127.0.0.1:${upstream.port}${MODEL_PATH}`,
      pids: upstream.pids,
    };
    const viaPredict: Row = {
      label: "(c) predict function",
      url: `http://127.0.0.1:${predict.port}${PREDICT_PATH}`,
      pids: predict.pids,
    };
    const rows: Row[] = [
      direct,
      { label: "(b) bare node:http proxy", url: `http://127.0.0.1:${bare.port}${MODEL_PATH}`, pids: bare.pids },
      viaPredict,
    ];
    if (proxied) {
      rows.push({
        label: "(d) nginx (1 worker)",
        url: `http://127.0.0.1:${proxied.port}${MODEL_PATH}`,
        pids: proxied.pids,
      });
    }

    console.log(
      `\nPredict proxy (${conditions}; autocannon in the bench process, ` +
        `servers in child processes; POST ${SMALL_BODY.length}-byte JSON)`,
    );
    const header = `${"".padEnd(28)}${"req/s".padStart(9)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"CPU µs/req".padStart(12)}  failed`;
    const line = (label: string, m: Measured): string =>
      `${label.padEnd(28)}${m.rps.toFixed(0).padStart(9)} ${ms(m.p50)} ${ms(m.p99)}${(m.cpuUsPerRequest ?? Number.NaN).toFixed(0).padStart(12)}  ${m.failed}`;
    console.log(
      `Throughput: ${THROUGHPUT.connections} connections, ${THROUGHPUT.seconds} s each after ${THROUGHPUT.warmupSeconds} s warm-up ` +
        "(CPU: the proxy's processes; for (a) the upstream's)",
    );
    console.log(header);
    const results = new Map<Row, Measured>();
    for (const row of rows) {
      const measured = await throughput(row.url, row.pids());
      results.set(row, measured);
      console.log(line(row.label, measured));
    }
    if (!proxied) console.log("(d) nginx: skipped, nginx is not installed (apt-get install -y nginx)");
    // /api/v1/detect (the KubeHeal engine's shape) beside predict's own route, on the same process and upstream.
    const detectUrl = `http://127.0.0.1:${predict.port}${DETECT_PATH}`;
    const detected = await throughput(detectUrl, predict.pids(), DETECT_BODY);
    console.log(line("(e) predict: /api/v1/detect", detected));

    // The front door: V2 infer on KServe's own path and on modelgate's, alternated (A B A B ...) on one process.
    const inferRuns: Record<keyof typeof INFER_PATHS, Measured[]> = { modelgate: [], kserve: [] };
    for (let round = 0; round < INFER_ROUNDS; round++) {
      for (const which of ["modelgate", "kserve"] as const) {
        const url = `http://127.0.0.1:${predict.port}${INFER_PATHS[which]}`;
        inferRuns[which].push(await throughput(url, predict.pids(), INFER_BODY));
      }
    }
    const inferRps = (which: keyof typeof INFER_PATHS) =>
      percentile(
        inferRuns[which].map((m) => m.rps).sort((x, y) => x - y),
        0.5,
      );
    for (const which of ["modelgate", "kserve"] as const) {
      const all = inferRuns[which].map((m) => m.rps.toFixed(0)).join(", ");
      console.log(`(f) V2 infer on ${which === "kserve" ? "KServe's path  " : "modelgate's path"}: ${all} req/s`);
    }

    let fixedDirect: Measured | undefined;
    let fixedPredict: Measured | undefined;
    for (const connections of FIXED_RATE.connections) {
      console.log(
        `\nFixed ${FIXED_RATE.rate} req/s (autocannon overallRate, ${connections} connection(s), ${FIXED_RATE.seconds} s)`,
      );
      console.log(header);
      const forDirect = await fixedRate(direct.url, direct.pids(), connections);
      console.log(line(direct.label, forDirect));
      const forPredict = await fixedRate(viaPredict.url, viaPredict.pids(), connections);
      console.log(line(viaPredict.label, forPredict));
      fixedDirect ??= forDirect;
      fixedPredict ??= forPredict;
    }

    const bigTimes = await bigBody(rows.map((row) => row.url));
    const bigDirect = bigTimes[0] ?? Number.NaN;
    const bigPredict = bigTimes[2] ?? Number.NaN;
    console.log(
      `\n10 MB body, declared length (median of ${BIG_BODY.runs}, interleaved): ` +
        rows.map((row, i) => `${row.label} ${(bigTimes[i] ?? Number.NaN).toFixed(1)} ms`).join(", "),
    );

    const [firstDirect = Number.NaN, firstPredict = Number.NaN] = await firstEvent([
      `http://127.0.0.1:${upstream.port}${CHAT.upstreamPath}`,
      `http://127.0.0.1:${predict.port}/openai/v1/chat/completions`,
    ]);
    console.log(
      `\nStreamed chat completion, time to the first event (median of ${CHAT.runs}, interleaved): ` +
        `(a) direct ${firstDirect.toFixed(2)} ms, (c) predict ${firstPredict.toFixed(2)} ms`,
    );

    const memory = await bigBodyMemory(viaPredict.url, viaPredict.pids());
    console.log(
      `10 MB bodies through (c), ${BIG_BODY.memoryRuns} more: resident MB every 10 requests ` +
        `${memory.samplesMb.map((mb) => mb.toFixed(0)).join(" → ")}, peak ${memory.peakMb.toFixed(0)} MB`,
    );

    const bareRow = rows[1];
    const bareRps = bareRow === undefined ? Number.NaN : (results.get(bareRow)?.rps ?? Number.NaN);
    const predictRps = results.get(viaPredict)?.rps ?? Number.NaN;
    const throughputRatio = predictRps / bareRps;
    const p99Delta = (fixedPredict?.p99 ?? Number.NaN) - (fixedDirect?.p99 ?? Number.NaN);
    const bigRatio = bigPredict / bigDirect;
    console.log("\nTargets");
    console.log(
      `  throughput (c)/(b) = ${throughputRatio.toFixed(2)} (target >= ${TARGETS.throughputVsBare}): ${verdict(throughputRatio >= TARGETS.throughputVsBare)}`,
    );
    console.log(
      `  p99 at ${FIXED_RATE.rate} req/s (${FIXED_RATE.connections[0]} connection), (c) - (a) = ${p99Delta.toFixed(3)} ms (target <= ${TARGETS.p99OverDirectMs} ms): ${verdict(p99Delta <= TARGETS.p99OverDirectMs)}`,
    );
    console.log(
      `  10 MB body (c)/(a) = ${bigRatio.toFixed(2)} (target <= ${TARGETS.bigBodyVsDirect}): ${verdict(bigRatio <= TARGETS.bigBodyVsDirect)}`,
    );
    const predictMeasured = results.get(viaPredict);
    const detectRatio = detected.rps / predictRps;
    const detectP99Delta = detected.p99 - (predictMeasured?.p99 ?? Number.NaN);
    console.log(
      `  resident growth of (c) over ${BIG_BODY.memoryRuns} bodies of 10 MB = ${memory.growthMb.toFixed(0)} MB (target <= ${TARGETS.bigBodySeriesGrowthMb} MB; a copy kept per request: ${(BIG_BODY.memoryRuns * BIG_BODY.bytes) / 2 ** 20} MB): ${verdict(memory.growthMb <= TARGETS.bigBodySeriesGrowthMb)}`,
    );
    console.log(
      `  detect throughput (e)/(c) = ${detectRatio.toFixed(2)} (target >= ${TARGETS.detectVsPredict}): ${verdict(detectRatio >= TARGETS.detectVsPredict)}`,
    );
    console.log(
      `  detect p99 at ${THROUGHPUT.connections} connections, (e) - (c) = ${detectP99Delta.toFixed(3)} ms (target <= ${TARGETS.detectP99OverPredictMs} ms): ${verdict(detectP99Delta <= TARGETS.detectP99OverPredictMs)}`,
    );
    const inferRatio = inferRps("kserve") / inferRps("modelgate");
    console.log(
      `  V2 infer, KServe's path / modelgate's = ${inferRatio.toFixed(2)} (medians of ${INFER_ROUNDS} alternated runs each; target >= ${TARGETS.kservePathVsModelgatePath}, the same within noise): ${verdict(inferRatio >= TARGETS.kservePathVsModelgatePath)}`,
    );
    console.log(
      `  time to the first streamed event, (c) - (a) = ${(firstPredict - firstDirect).toFixed(2)} ms ((c)/(a) = ${(firstPredict / firstDirect).toFixed(2)}; no target: the cost of the extra hop)`,
    );
    const nginxRow = rows[3];
    const nginxRps = nginxRow === undefined ? undefined : results.get(nginxRow)?.rps;
    if (nginxRps !== undefined) {
      console.log(
        `  for reference: (c)/(d) = ${(predictRps / nginxRps).toFixed(2)}, (b)/(d) = ${(bareRps / nginxRps).toFixed(2)}`,
      );
    }
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}

const role = process.argv.find((arg) => arg.startsWith(ROLE))?.slice(ROLE.length);
if (role !== undefined) {
  await runRole(role, Number(process.argv[process.argv.indexOf(`${ROLE}${role}`) + 1] ?? 0));
} else if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runPredictBench();
}
