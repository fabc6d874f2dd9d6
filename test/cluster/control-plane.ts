import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubeRequest } from "./kube-request.ts";
import { makePki } from "./pki.ts";
import { freePorts, hasExited, isAlive, logTail, onExitCleanup, spawnTracked, stopProcess } from "./processes.ts";

export { installCrds, listSharedCrdFiles, sharedDir } from "./crds.ts";

const DIR_PREFIX = "modelgate-cp-";
const OWNER_FILE = "owner.pid";

/** How to reach a running control plane: plain data, safe to hand to suites through vitest's `provide`. */
export interface ClusterInfo {
  /** `https://127.0.0.1:PORT` */
  server: string;
  /** PEM of the CA that signed the API server's certificate (also in `caFile`). */
  caPem: string;
  caFile: string;
  /** Bearer token of `admin`, a member of `system:masters`. */
  adminToken: string;
  /** Kubeconfig of that admin (certificate-authority-data embedded), usable by kubectl. */
  kubeconfigPath: string;
  /** Directory holding `kube-apiserver`, `kubectl` and `etcd`. */
  binDir: string;
  /** Temp dir of this control plane (certs, etcd data, logs); removed by `stop()`. */
  dir: string;
}

/** A running etcd + kube-apiserver pair owned by the caller. */
export interface ControlPlane extends ClusterInfo {
  readonly pids: { readonly apiServer: number; readonly etcd: number };
  /** Stops the API server, then etcd, kills leftovers, removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** Directory with `kube-apiserver` and `etcd` (see build.sh / ensureClusterBinaries). */
  binDir: string;
  /** Parent of the temp dir; default the OS temp dir. */
  tmpRoot?: string;
  /** Time allowed from spawn to `/readyz` 200; default 60 s. */
  readyTimeoutMs?: number;
  /** Extra kube-apiserver flags (`--name=value`), appended last. */
  apiServerFlags?: string[];
}

/**
 * Starts an etcd and a kube-apiserver on free loopback ports, like controller-runtime's envtest:
 * self-made CA and serving cert, token auth (admin in system:masters), RBAC, service-account token
 * issuing. Resolves once `/readyz` answers 200. On failure everything started is stopped and the
 * error carries the tail of the logs.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { binDir } = options;
  for (const bin of ["kube-apiserver", "etcd"]) {
    if (!existsSync(join(binDir, bin)))
      throw new Error(`${join(binDir, bin)} does not exist: run test/cluster/build.sh`);
  }
  const tmpRoot = options.tmpRoot ?? tmpdir();
  await removeStaleDirs(tmpRoot);
  const dir = await mkdtemp(join(tmpRoot, DIR_PREFIX));
  await writeFile(join(dir, OWNER_FILE), String(process.pid));
  const cancelExitCleanup = onExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const children: ChildProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // API server first: one whose etcd died first may linger.
      for (const child of [...children].reverse()) await stopProcess(child, 10_000);
      await rm(dir, { recursive: true, force: true });
      cancelExitCleanup();
    })();
    return stopping;
  };
  const etcdLog = join(dir, "etcd.log");
  const apiLog = join(dir, "kube-apiserver.log");
  try {
    const pki = await makePki(dir);
    const [apiPort, etcdClientPort, etcdPeerPort] = await freePorts(3);
    const server = `https://127.0.0.1:${apiPort}`;
    const adminToken = randomBytes(24).toString("hex");
    const tokenFile = join(dir, "tokens.csv");
    await writeFile(tokenFile, `${adminToken},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
    await mkdir(join(dir, "etcd"), { mode: 0o700 });

    const etcdClient = `http://127.0.0.1:${etcdClientPort}`;
    const etcdPeer = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = await spawnTracked(
      join(binDir, "etcd"),
      [
        "--name=modelgate",
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=${etcdClient}`,
        `--advertise-client-urls=${etcdClient}`,
        `--listen-peer-urls=${etcdPeer}`,
        `--initial-advertise-peer-urls=${etcdPeer}`,
        `--initial-cluster=modelgate=${etcdPeer}`,
        "--unsafe-no-fsync=true",
        "--log-level=warn",
      ],
      etcdLog,
    );
    children.push(etcd);
    const apiServer = await spawnTracked(
      join(binDir, "kube-apiserver"),
      [
        `--etcd-servers=${etcdClient}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, "apiserver-certs")}`,
        `--tls-cert-file=${pki.servingCertFile}`,
        `--tls-private-key-file=${pki.servingKeyFile}`,
        `--client-ca-file=${pki.caFile}`,
        `--token-auth-file=${tokenFile}`,
        "--authorization-mode=RBAC",
        `--service-account-issuer=${server}`,
        `--service-account-key-file=${pki.saPubFile}`,
        `--service-account-signing-key-file=${pki.saKeyFile}`,
        "--service-cluster-ip-range=10.0.0.0/24",
        "--disable-admission-plugins=ServiceAccount",
        "--profiling=false",
        ...(options.apiServerFlags ?? []),
      ],
      apiLog,
    );
    children.push(apiServer);

    await waitReady({ server, caPem: pki.caPem, token: adminToken }, { etcd, apiServer }, options.readyTimeoutMs);

    const kubeconfigPath = join(dir, "kubeconfig");
    await writeFile(kubeconfigPath, kubeconfig(server, pki.caPem, adminToken), { mode: 0o600 });
    return {
      server,
      caPem: pki.caPem,
      caFile: pki.caFile,
      adminToken,
      kubeconfigPath,
      binDir,
      dir,
      pids: { apiServer: apiServer.pid ?? -1, etcd: etcd.pid ?? -1 },
      stop,
    };
  } catch (err) {
    const logs = `--- kube-apiserver.log (tail) ---\n${await logTail(apiLog)}\n--- etcd.log (tail) ---\n${await logTail(etcdLog)}`;
    await stop();
    throw new Error(`control plane did not start: ${err instanceof Error ? err.message : String(err)}\n${logs}`, {
      cause: err,
    });
  }
}

/**
 * Removes temp dirs of control planes whose owning process is gone (killed outright, so that its exit
 * hook could not run; its etcd and API server died with it through their parent-death signal).
 */
async function removeStaleDirs(tmpRoot: string): Promise<void> {
  const entries = await readdir(tmpRoot).catch(() => []);
  for (const name of entries.filter((n) => n.startsWith(DIR_PREFIX))) {
    const dir = join(tmpRoot, name);
    const owner = Number.parseInt(await readFile(join(dir, OWNER_FILE), "utf8").catch(() => ""), 10);
    if (Number.isInteger(owner) && !isAlive(owner)) await rm(dir, { recursive: true, force: true });
  }
}

async function waitReady(
  conn: { server: string; caPem: string; token: string },
  children: { etcd: ChildProcess; apiServer: ChildProcess },
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    for (const [name, child] of Object.entries(children)) {
      if (hasExited(child)) throw new Error(`${name} exited (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      const res = await kubeRequest(conn, "GET", "/readyz", undefined, { timeoutMs: 5_000 });
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${res.text.slice(0, 300)}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`${conn.server}/readyz not ready after ${timeoutMs} ms (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** An admin kubeconfig (bearer token, CA embedded), usable by kubectl and client-node. */
export function kubeconfig(server: string, caPem: string, token: string): string {
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "modelgate-test",
        cluster: { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") },
      },
    ],
    users: [{ name: "admin", user: { token } }],
    contexts: [{ name: "admin@modelgate-test", context: { cluster: "modelgate-test", user: "admin" } }],
    "current-context": "admin@modelgate-test",
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
