import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { kubeRequest } from "../cluster/kube-request.ts";
import { isAlive } from "../cluster/processes.ts";
import { applyObjects } from "./apply.ts";
import { eventually } from "./eventually.ts";
import { kubectl } from "./kubectl.ts";
import { startNode } from "./node.ts";
import { cgroupHierarchies } from "./node-cgroups.ts";
import { platformImage } from "./topology.ts";

/**
 * The harness itself, beside the suite's platform: a second node (Kubernetes alone) that runs a pod and is
 * stopped leaves nothing on this machine; one that cannot start says which piece and why, and cleans up.
 */
const platform = inject("platform");
const buildBin = platform.binDir;
const pauseImage = join(platform.binDir, "..", "images", "pause.tar");

/** What of this machine the platform must never change, read from this machine's own namespaces. */
function hostState(): Record<string, string> {
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8" });
  return {
    links: run("ip", ["-o", "link", "show"]),
    addresses: run("ip", ["-o", "addr", "show"]),
    routes: run("ip", ["route", "show", "table", "all"]),
    iptables: run("iptables-save", [])
      .replace(/^#.*$/gm, "")
      .replace(/\[\d+:\d+\]/g, ""),
    kernel: ["vm/overcommit_memory", "kernel/panic", "kernel/panic_on_oops"]
      .map((key) => `${key}=${execFileSync("cat", [`/proc/sys/${key}`], { encoding: "utf8" }).trim()}`)
      .join(" "),
  };
}

async function leftovers(stateDir: string, cgroup: string, holderPid: number): Promise<string[]> {
  const found: string[] = [];
  if (existsSync(stateDir)) found.push(`state dir ${stateDir}`);
  if (holderPid > 0 && isAlive(holderPid)) found.push(`namespace holder ${holderPid}`);
  for (const hierarchy of await cgroupHierarchies()) {
    if (existsSync(join(hierarchy, cgroup))) found.push(`cgroup ${join(hierarchy, cgroup)}`);
  }
  const mounts = await readFile("/proc/self/mountinfo", "utf8");
  for (const line of mounts.split("\n")) if (line.includes(stateDir)) found.push(`mount ${line}`);
  return found;
}

const scratch: string[] = [];
afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

describe("a node started and stopped beside the suite's platform", () => {
  it("runs a pod, and stopping it leaves no process, mount, namespace, cgroup or file, and this machine as it was", async () => {
    const before = hostState();
    const node = await startNode({ binDir: buildBin, images: [pauseImage] });
    const { stateDir, cgroup, holderPid } = node;
    try {
      await applyObjects(node, [
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "sleeper", namespace: "default" },
          spec: {
            containers: [{ name: "sleeper", image: platformImage("pause"), imagePullPolicy: "Never" }],
          },
        },
      ]);
      await eventually("the pod Running", 120_000, async () => {
        const pod = JSON.parse(await kubectl(node, ["get", "pod", "-n", "default", "sleeper", "-o", "json"])) as {
          status?: { phase?: string };
        };
        return pod.status?.phase === "Running" ? true : undefined;
      });
      const inside = await node.runInside("ip", ["-o", "addr", "show"]);
      expect(inside).toContain("10.201.0.2/24");
      expect(hostState()).toEqual(before);
    } finally {
      await node.stop();
    }
    expect(await leftovers(stateDir, cgroup, holderPid)).toEqual([]);
    expect(hostState()).toEqual(before);
  });
});

describe("a piece that cannot start", () => {
  it("is named with the log lines that say why, and what was started is cleaned up", async () => {
    const binDir = await mkdtemp(join(tmpdir(), "modelgate-broken-bin-"));
    scratch.push(binDir);
    for (const name of await readdir(buildBin)) {
      if (name !== "kube-apiserver") await symlink(join(buildBin, name), join(binDir, name));
    }
    await writeFile(
      join(binDir, "kube-apiserver"),
      '#!/bin/sh\necho "kube-apiserver: refusing to start: certificate store unreadable (test)" >&2\nexit 3\n',
    );
    await chmod(join(binDir, "kube-apiserver"), 0o755);
    const stateRoot = await mkdtemp(join(tmpdir(), "modelgate-broken-state-"));
    scratch.push(stateRoot);
    const error = await startNode({ binDir, images: [], stateRoot }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error?.message).toMatch(/^platform: waiting for kube-apiserver \/readyz failed: .*exited \(code 3/);
    expect(error?.message).toContain("kube-apiserver.log (tail)");
    expect(error?.message).toContain("refusing to start: certificate store unreadable (test)");
    expect(await readdir(stateRoot)).toEqual([]);
    const trees: string[] = [];
    for (const hierarchy of await cgroupHierarchies()) {
      for (const entry of await readdir(hierarchy)) {
        if (entry.startsWith("modelgate-platform-") && entry !== platform.cgroup) trees.push(join(hierarchy, entry));
      }
    }
    expect(trees).toEqual([]);
  });
});

describe("the suite's platform, after the starts and stops beside it", () => {
  it("is untouched: its API server answers and its node is Ready", async () => {
    const conn = { server: platform.server, caPem: platform.caPem, token: platform.adminToken };
    expect((await kubeRequest(conn, "GET", "/readyz")).status).toBe(200);
    const node = await kubeRequest(conn, "GET", "/api/v1/nodes");
    expect(JSON.stringify(node.body)).toContain('"type":"Ready","status":"True"');
  });
});
