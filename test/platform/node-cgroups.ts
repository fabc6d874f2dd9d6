import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The platform's cgroup: one tree of the same name in every cgroup hierarchy of this machine. Every process
 * of the platform runs in it (its components in `<name>/system`, kubelet's pods below `<name>`, which is its
 * `cgroupRoot`), so stopping the platform is: freeze the tree, kill every process in it, remove it. Nothing of
 * the platform can outlive that, not even a container shim that left its parent.
 */

const CGROUP_ROOT = "/sys/fs/cgroup";
/** Name prefix of the platform's cgroups (the suffix is the id of one platform). */
export const CGROUP_PREFIX = "modelgate-platform-";

/**
 * The cgroup hierarchies mounted under /sys/fs/cgroup: every v1 one (e.g. `/sys/fs/cgroup/memory`) and, on a
 * hybrid machine, the v2 one (`/sys/fs/cgroup/unified`), where kubelet and runc make the same paths too.
 */
export async function cgroupHierarchies(): Promise<string[]> {
  const mounts = await readFile("/proc/self/mounts", "utf8");
  return mounts
    .split("\n")
    .map((line) => line.split(" "))
    .filter((fields) => (fields[2] === "cgroup" || fields[2] === "cgroup2") && fields[1]?.startsWith(`${CGROUP_ROOT}/`))
    .map((fields) => fields[1] as string);
}

/** Makes `<name>` and `<name>/system` in every hierarchy (cpuset ones get their parent's cpus and mems). */
export async function createCgroupTree(name: string): Promise<void> {
  const hierarchies = await cgroupHierarchies();
  if (hierarchies.length === 0) throw new Error(`no cgroup hierarchy is mounted under ${CGROUP_ROOT}`);
  for (const hierarchy of hierarchies) {
    for (const dir of [join(hierarchy, name), join(hierarchy, name, "system")]) {
      await mkdir(dir, { recursive: true });
      if (existsSync(join(dir, "cpuset.cpus"))) {
        for (const file of ["cpuset.cpus", "cpuset.mems"]) {
          const parent = await readFile(join(dir, "..", file), "utf8");
          await writeFile(join(dir, file), parent.trim());
        }
      }
    }
  }
}

async function descendants(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const below: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) below.push(...(await descendants(join(dir, entry.name))));
  }
  return [...below, dir]; // deepest first
}

/** Every process id in the tree `<name>` of one hierarchy. */
async function processesIn(hierarchy: string, name: string): Promise<number[]> {
  const pids: number[] = [];
  for (const dir of await descendants(join(hierarchy, name))) {
    const text = await readFile(join(dir, "cgroup.procs"), "utf8").catch(() => "");
    for (const line of text.split("\n")) if (line.trim()) pids.push(Number(line));
  }
  return pids;
}

/** The processes of the platform `name` that are still running (read from every hierarchy). */
export async function cgroupProcesses(name: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const hierarchy of await cgroupHierarchies()) {
    for (const pid of await processesIn(hierarchy, name)) pids.add(pid);
  }
  return [...pids];
}

/**
 * Kills every process in the tree `<name>` (frozen first, so nothing forks meanwhile) and removes the tree from
 * every hierarchy. Throws, naming what is left, when that fails within `timeoutMs`.
 */
export async function destroyCgroupTree(name: string, timeoutMs = 20_000): Promise<void> {
  const hierarchies = await cgroupHierarchies();
  const freezer = hierarchies.find((h) => existsSync(join(h, "freezer.state")) || h.endsWith("/freezer"));
  const deadline = Date.now() + timeoutMs;
  const freezerState = freezer ? join(freezer, name, "freezer.state") : undefined;
  if (freezerState && existsSync(freezerState)) await writeFile(freezerState, "FROZEN").catch(() => {});
  for (;;) {
    const pids = await cgroupProcesses(name);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    // A frozen process dies only once thawed; thaw after the signals are queued.
    if (freezerState && existsSync(freezerState)) await writeFile(freezerState, "THAWED").catch(() => {});
    if (Date.now() > deadline) throw new Error(`processes ${pids.join(", ")} of cgroup ${name} did not exit`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const left: string[] = [];
  for (const hierarchy of hierarchies) {
    for (const dir of await descendants(join(hierarchy, name))) {
      if (!existsSync(dir)) continue;
      for (;;) {
        try {
          await rmdir(dir);
          break;
        } catch (err) {
          // EBUSY while the kernel finishes tearing down the last tasks
          if (Date.now() > deadline) {
            left.push(`${dir} (${(err as NodeJS.ErrnoException).code})`);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
  }
  if (left.length > 0) throw new Error(`cgroups left behind: ${left.join(", ")}`);
}

/** Names of the platform cgroup trees that exist now (e.g. from a run that was killed outright). */
export async function existingCgroupTrees(): Promise<string[]> {
  const names = new Set<string>();
  for (const hierarchy of await cgroupHierarchies()) {
    for (const entry of await readdir(hierarchy).catch(() => [])) {
      if (entry.startsWith(CGROUP_PREFIX)) names.add(entry);
    }
  }
  return [...names];
}
