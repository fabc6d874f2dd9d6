import { type ChildProcess, execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { kubeconfig } from "../cluster/control-plane.ts";
import { kubeRequest } from "../cluster/kube-request.ts";
import { makePki } from "../cluster/pki.ts";
import { freePorts, hasExited, isAlive, logTail, spawnTracked, stopProcess } from "../cluster/processes.ts";
import { eventually } from "./eventually.ts";
import { CGROUP_PREFIX, createCgroupTree, destroyCgroupTree, existingCgroupTrees } from "./node-cgroups.ts";
import {
  cniConfig,
  containerdConfig,
  INNER_API_SERVER,
  kubeletConfig,
  kubeProxyConfig,
  type NodePaths,
  nodePaths,
} from "./node-config.ts";
import {
  API_SERVER_PORT,
  CLUSTER_DOMAIN,
  DNS_SERVICE_IP,
  KUBERNETES_SERVICE_IP,
  NODE_IP,
  NODE_NAME,
  NODE_PREFIX,
  SERVICE_CIDR,
} from "./topology.ts";

const ENTER = fileURLToPath(new URL("./enter.sh", import.meta.url));
const HOLDER = fileURLToPath(new URL("./namespace-holder.sh", import.meta.url));
const OWNER_FILE = "owner.pid";

/** How to reach a running platform node: plain data (safe to hand to suites through vitest's `provide`). */
export interface NodeInfo {
  /** The API server as this machine reaches it: `https://127.0.0.1:PORT` (a port bridge into the namespaces). */
  server: string;
  caPem: string;
  caFile: string;
  /** Path of the CA's private key (to sign serving certificates for webhooks). */
  caKeyFile: string;
  adminToken: string;
  kubeconfigPath: string;
  binDir: string;
  /** The platform's state dir (configs, logs, containerd's and kubelet's data); removed by `stop()`. */
  stateDir: string;
  /** The platform's cgroup (one tree of this name in every cgroup v1 hierarchy). */
  cgroup: string;
  /** The process that holds the network and mount namespaces. */
  holderPid: number;
}

/** A running node owned by the caller. */
export interface PlatformNode extends NodeInfo {
  /** Starts `command` inside the platform's namespaces and cgroup (log in the state dir's logs/NAME.log). */
  spawnInside(name: string, command: string, args: string[]): Promise<ChildProcess>;
  /** Runs `command` inside the namespaces to completion; resolves to its output, rejects with it. */
  runInside(command: string, args: string[], timeoutMs?: number): Promise<string>;
  /** Bridges 127.0.0.1:<free port> on this machine to `target` (`IP:PORT`) inside; resolves to the port. */
  bridgePort(name: string, target: string): Promise<number>;
  /** Stops everything, removes the cgroup and the state dir. Idempotent; leaves no process, mount or namespace. */
  stop(): Promise<void>;
}

/** Options of {@link startNode}. */
export interface NodeOptions {
  /** Directory with every binary (test/platform/build.sh's `bin/`). */
  binDir: string;
  /** Parent of the state dir; default the OS temp dir. */
  stateRoot?: string;
  /** OCI archives to import into containerd before kubelet starts. */
  images: string[];
  /** Extra kube-apiserver flags. */
  apiServerFlags?: string[];
  /** Keep the state dir when stopping (to read the logs). */
  keepState?: boolean;
}

/** Runs a step; on failure the error names the step and carries the tails of the logs that say why. */
async function step<T>(name: string, logs: string[], run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const tails = await Promise.all(logs.map(async (log) => `--- ${log} (tail) ---\n${await logTail(log, 20)}`));
    throw new Error(
      `platform: ${name} failed: ${err instanceof Error ? err.message : String(err)}\n${tails.join("\n")}`,
      {
        cause: err,
      },
    );
  }
}

/** {@link eventually} every 200 ms, stopping at once when one of the `watched` processes exits. */
function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  watched: ChildProcess[] = [],
): Promise<T> {
  const abort = () => {
    const gone = watched.find(hasExited);
    if (gone) throw new Error(`${what}: a process exited (code ${gone.exitCode}, signal ${gone.signalCode})`);
  };
  return eventually(what, timeoutMs, check, { intervalMs: 200, abort });
}

/**
 * Who owns each platform: `<tmpdir>/modelgate-platforms.owners/<cgroup>` holds the owner's pid, in one place
 * whatever the platform's state root, so that a start never takes a live platform for a stale one.
 */
const OWNERS_DIR = join(tmpdir(), "modelgate-platforms.owners");
const ownerPid = async (file: string) => Number.parseInt(await readFile(file, "utf8").catch(() => ""), 10);
const alive = (pid: number) => Number.isInteger(pid) && isAlive(pid);

/**
 * Removes what platforms whose owner process is gone left behind (a run killed outright): their cgroup trees
 * (every process in them: kubelet's pods and containerd's shims outlive their parents) and state dirs.
 */
export async function removeStalePlatforms(stateRoot = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const cgroup of await existingCgroupTrees()) {
    if (alive(await ownerPid(join(OWNERS_DIR, cgroup)))) continue;
    await destroyCgroupTree(cgroup);
    await rm(join(OWNERS_DIR, cgroup), { force: true });
    removed.push(cgroup);
  }
  const stateDirName = new RegExp(`^${CGROUP_PREFIX}[0-9a-f]{8}$`);
  for (const name of readdirSync(stateRoot).filter((n) => stateDirName.test(n))) {
    const dir = join(stateRoot, name);
    if (!alive(await ownerPid(join(dir, OWNER_FILE)))) {
      await rm(dir, { recursive: true, force: true });
      if (!removed.includes(name)) removed.push(name);
    }
  }
  return removed;
}

/**
 * Starts the platform's node: network and mount namespaces of its own, a cgroup of its own, then etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler, containerd (images imported), kubelet and
 * kube-proxy inside them. Resolves once the node is Ready. On failure everything started is stopped and the
 * error names the step and carries the logs that say why.
 */
export async function startNode(options: NodeOptions): Promise<PlatformNode> {
  const { binDir } = options;
  for (const bin of [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
    "kubectl",
  ]) {
    if (!existsSync(join(binDir, bin)))
      throw new Error(`platform: ${join(binDir, bin)} does not exist: run test/platform/build.sh`);
  }
  for (const tool of [
    "/usr/bin/containerd",
    "/usr/bin/ctr",
    "/usr/bin/socat",
    "/usr/bin/unshare",
    "/usr/bin/nsenter",
  ]) {
    if (!existsSync(tool)) throw new Error(`platform: ${tool} is missing: run test/platform/setup-host.sh`);
  }
  const stateRoot = options.stateRoot ?? tmpdir();
  await removeStalePlatforms(stateRoot);
  const cgroup = `${CGROUP_PREFIX}${randomBytes(4).toString("hex")}`;
  const stateDir = join(stateRoot, cgroup);
  const paths = nodePaths(stateDir);
  for (const dir of [
    paths.logs,
    paths.bridges,
    paths.cniConfDir,
    paths.cniIpamDir,
    paths.kubeletRoot,
    join(stateDir, "pki"),
  ]) {
    await mkdir(dir, { recursive: true });
  }
  await writeFile(join(stateDir, OWNER_FILE), String(process.pid));
  await mkdir(OWNERS_DIR, { recursive: true });
  await writeFile(join(OWNERS_DIR, cgroup), String(process.pid));
  await createCgroupTree(cgroup);
  const log = (name: string) => join(paths.logs, `${name}.log`);
  const children: ChildProcess[] = [];
  let stopping: Promise<void> | undefined;
  let holderPid = 0;

  const enter = async (name: string, holder: number, command: string, args: string[]) => {
    const child = await spawnTracked("bash", [ENTER, `${cgroup}/system`, String(holder), command, ...args], log(name));
    children.push(child);
    return child;
  };
  const spawnInside = (name: string, command: string, args: string[]) => enter(name, holderPid, command, args);
  const runInside = (command: string, args: string[], timeoutMs = 120_000) =>
    runToEnd([ENTER, `${cgroup}/system`, String(holderPid), command, ...args], timeoutMs);
  const bridgePort = async (name: string, target: string) => {
    const socket = join(paths.bridges, `${name}.sock`);
    const inside = await spawnInside(`bridge-${name}-inside`, "/usr/bin/socat", [
      `UNIX-LISTEN:${socket},fork,unlink-early`,
      `TCP:${target}`,
    ]);
    await waitFor(`the ${name} bridge's socket`, 10_000, async () => (existsSync(socket) ? true : undefined), [inside]);
    const [port] = await freePorts(1);
    const outside = await enter(`bridge-${name}-outside`, 0, "/usr/bin/socat", [
      `TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`,
      `UNIX-CONNECT:${socket}`,
    ]);
    await waitFor(`the ${name} bridge's port`, 10_000, () => portOpen(port as number), [outside]);
    return port as number;
  };
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const child of [...children].reverse()) await stopProcess(child, 5_000);
      await destroyCgroupTree(cgroup);
      await rm(join(OWNERS_DIR, cgroup), { force: true });
      if (!options.keepState) await rm(stateDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    const pki = await step("making certificates", [], () =>
      makePki(join(stateDir, "pki"), [
        `IP:${NODE_IP}`,
        `IP:${KUBERNETES_SERVICE_IP}`,
        "DNS:kubernetes",
        "DNS:kubernetes.default",
        "DNS:kubernetes.default.svc",
        `DNS:kubernetes.default.svc.${CLUSTER_DOMAIN}`,
      ]),
    );
    const adminToken = randomBytes(24).toString("hex");
    const tokenFile = join(stateDir, "pki", "tokens.csv");
    await writeFile(tokenFile, `${adminToken},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
    await writeFile(paths.innerKubeconfig, kubeconfig(INNER_API_SERVER, pki.caPem, adminToken), { mode: 0o600 });
    await writeFile(paths.containerdConfig, containerdConfig(paths));
    await writeFile(join(paths.cniConfDir, "10-modelgate.conflist"), cniConfig(paths));
    await writeFile(paths.kubeletConfig, kubeletConfig(paths, cgroup));
    await writeFile(paths.kubeProxyConfig, kubeProxyConfig(paths));
    await writeFile(paths.resolvConf, `nameserver ${DNS_SERVICE_IP}\n`);

    const holder = await step("making the network and mount namespaces", [log("namespaces")], async () => {
      const child = await enter("namespaces", 0, "/usr/bin/unshare", [
        "--net",
        "--mount",
        "--propagation",
        "private",
        "--",
        "bash",
        HOLDER,
        stateDir,
        NODE_IP,
        String(NODE_PREFIX),
      ]);
      await waitFor(
        "the namespaces",
        10_000,
        async () => (existsSync(join(stateDir, "namespaces.ready")) ? true : undefined),
        [child],
      );
      return child;
    });
    holderPid = holder.pid ?? 0;

    const etcd = await step("starting etcd", [log("etcd")], () =>
      spawnInside("etcd", join(binDir, "etcd"), [
        "--name=platform",
        `--data-dir=${paths.etcdData}`,
        "--listen-client-urls=http://127.0.0.1:2379",
        "--advertise-client-urls=http://127.0.0.1:2379",
        "--listen-peer-urls=http://127.0.0.1:2380",
        "--initial-advertise-peer-urls=http://127.0.0.1:2380",
        "--initial-cluster=platform=http://127.0.0.1:2380",
        "--unsafe-no-fsync=true",
        "--log-level=warn",
      ]),
    );
    const apiServer = await step("starting kube-apiserver", [log("kube-apiserver")], () =>
      spawnInside("kube-apiserver", join(binDir, "kube-apiserver"), [
        "--etcd-servers=http://127.0.0.1:2379",
        "--bind-address=0.0.0.0",
        `--advertise-address=${NODE_IP}`,
        `--secure-port=${API_SERVER_PORT}`,
        `--cert-dir=${join(stateDir, "pki", "apiserver")}`,
        `--tls-cert-file=${pki.servingCertFile}`,
        `--tls-private-key-file=${pki.servingKeyFile}`,
        `--client-ca-file=${pki.caFile}`,
        `--token-auth-file=${tokenFile}`,
        "--authorization-mode=Node,RBAC",
        `--service-account-issuer=https://kubernetes.default.svc.${CLUSTER_DOMAIN}`,
        `--service-account-key-file=${pki.saPubFile}`,
        `--service-account-signing-key-file=${pki.saKeyFile}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        "--kubelet-preferred-address-types=InternalIP,Hostname",
        "--allow-privileged=true",
        "--profiling=false",
        ...(options.apiServerFlags ?? []),
      ]),
    );
    // containerd and the image imports do not need the API server: start them meanwhile.
    const containerd = await step("starting containerd", [log("containerd")], async () => {
      const child = await spawnInside("containerd", "/usr/bin/containerd", ["--config", paths.containerdConfig]);
      await waitFor(
        "containerd's socket",
        30_000,
        async () => (existsSync(paths.containerdSocket) ? true : undefined),
        [child],
      );
      return child;
    });
    const imported = step("importing images into containerd", [log("containerd")], async () => {
      // Three at a time: each import is mostly decompression and unpacking, on one core.
      const queue = [...options.images];
      const importNext = async (): Promise<void> => {
        const archive = queue.shift();
        if (archive === undefined) return;
        const args = ["--address", paths.containerdSocket, "-n", "k8s.io", "images", "import", archive];
        await runInside("/usr/bin/ctr", args, 300_000);
        await importNext();
      };
      await Promise.all([importNext(), importNext(), importNext()]);
    });
    imported.catch(() => {}); // awaited below; not unhandled meanwhile

    const apiPort = await step(
      "bridging the API server's port",
      [log("bridge-api-inside"), log("bridge-api-outside")],
      () => bridgePort("api", `127.0.0.1:${API_SERVER_PORT}`),
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const conn = { server, caPem: pki.caPem, token: adminToken };
    await step("waiting for kube-apiserver /readyz", [log("kube-apiserver"), log("etcd")], () =>
      waitFor(
        "kube-apiserver /readyz",
        90_000,
        async () =>
          (await kubeRequest(conn, "GET", "/readyz", undefined, { timeoutMs: 5_000 })).status === 200
            ? true
            : undefined,
        [etcd, apiServer],
      ),
    );
    await writeFile(paths.kubeconfig, kubeconfig(server, pki.caPem, adminToken), { mode: 0o600 });

    await step(
      "starting kube-controller-manager and kube-scheduler",
      [log("kube-controller-manager"), log("kube-scheduler")],
      async () => {
        await spawnInside("kube-controller-manager", join(binDir, "kube-controller-manager"), [
          `--kubeconfig=${paths.innerKubeconfig}`,
          `--authentication-kubeconfig=${paths.innerKubeconfig}`,
          `--authorization-kubeconfig=${paths.innerKubeconfig}`,
          "--bind-address=127.0.0.1",
          "--leader-elect=false",
          `--service-account-private-key-file=${pki.saKeyFile}`,
          `--root-ca-file=${pki.caFile}`,
          `--service-cluster-ip-range=${SERVICE_CIDR}`,
          "--use-service-account-credentials=false",
          "--controllers=*",
          "--profiling=false",
        ]);
        await spawnInside("kube-scheduler", join(binDir, "kube-scheduler"), [
          `--kubeconfig=${paths.innerKubeconfig}`,
          `--authentication-kubeconfig=${paths.innerKubeconfig}`,
          `--authorization-kubeconfig=${paths.innerKubeconfig}`,
          "--bind-address=127.0.0.1",
          "--leader-elect=false",
          "--profiling=false",
        ]);
      },
    );
    await imported;

    const kubelet = await step("starting kubelet", [log("kubelet")], () =>
      spawnInside("kubelet", join(binDir, "kubelet"), [
        `--config=${paths.kubeletConfig}`,
        `--kubeconfig=${paths.innerKubeconfig}`,
        `--root-dir=${paths.kubeletRoot}`,
        `--node-ip=${NODE_IP}`,
        `--hostname-override=${NODE_NAME}`,
        "--v=1",
      ]),
    );
    const kubeProxy = await step("starting kube-proxy", [log("kube-proxy")], () =>
      spawnInside("kube-proxy", join(binDir, "kube-proxy"), [`--config=${paths.kubeProxyConfig}`, "--v=1"]),
    );
    await step(
      "waiting for the node to be Ready",
      [log("kubelet"), log("containerd"), log("kube-controller-manager")],
      () =>
        waitFor(
          `node ${NODE_NAME} Ready and untainted`,
          120_000,
          async () => {
            const res = await kubeRequest(conn, "GET", `/api/v1/nodes/${NODE_NAME}`, undefined, { timeoutMs: 5_000 });
            return nodeReady(res.body) ? true : undefined;
          },
          [containerd, kubelet, kubeProxy],
        ),
    );

    return {
      server,
      caPem: pki.caPem,
      caFile: pki.caFile,
      caKeyFile: join(stateDir, "pki", "ca.key"),
      adminToken,
      kubeconfigPath: paths.kubeconfig,
      binDir,
      stateDir,
      cgroup,
      holderPid,
      spawnInside,
      runInside,
      bridgePort,
      stop,
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

/** Ready condition True and no not-ready/unreachable taint left (the node lifecycle controller removes it). */
function nodeReady(body: unknown): boolean {
  const node = body as {
    status?: { conditions?: { type: string; status: string }[] };
    spec?: { taints?: { key: string }[] };
  };
  const ready = node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  const tainted = node.spec?.taints?.some((t) => t.key.startsWith("node.kubernetes.io/")) ?? false;
  return ready && !tainted;
}

async function portOpen(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(undefined));
  });
}

async function runToEnd(argv: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("bash", argv, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.slice(3).join(" ")}: ${stderr.trim() || err.message}`, { cause: err }));
      else resolve(stdout);
    });
  });
}

export type { NodePaths };
