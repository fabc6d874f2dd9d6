import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { createServer } from "node:net";

/**
 * Every process started here that has not been seen to exit. On this process's exit they are killed
 * (SIGKILL to their process group); where util-linux `setpriv` exists they also carry a parent-death
 * signal, so they die even when this process is killed outright.
 */
const live = new Set<ChildProcess>();
/** Synchronous cleanups (e.g. removing temp dirs) run on this process's exit, after the kills. */
const exitCleanups = new Set<() => void>();
let exitHookInstalled = false;
const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) signalGroup(child, "SIGKILL");
    for (const cleanup of exitCleanups) {
      try {
        cleanup();
      } catch {
        // best effort: the process is exiting
      }
    }
  });
}

/** Runs `cleanup` (synchronous) if this process exits before the returned function is called. */
export function onExitCleanup(cleanup: () => void): () => void {
  installExitHook();
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

/** True when a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True once the child has exited (or was killed). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Starts `command` in its own process group with stdout and stderr appended to `logFile`, tracked so
 * that it cannot outlive this process.
 */
export async function spawnTracked(command: string, args: string[], logFile: string): Promise<ChildProcess> {
  installExitHook();
  const log = await open(logFile, "a");
  try {
    const [file, argv] = setpriv ? [setpriv, ["--pdeathsig", "KILL", "--", command, ...args]] : [command, args];
    const child = spawn(file, argv, { detached: true, stdio: ["ignore", log.fd, log.fd] });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    live.add(child);
    child.once("exit", () => live.delete(child));
    return child;
  } finally {
    await log.close();
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(hasExited(child)), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Stops a tracked process: SIGTERM, up to `graceMs` to exit, then SIGKILL to its whole group.
 * Resolves once it has exited; always kills what is left of its group.
 */
export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (!hasExited(child)) {
    signalGroup(child, "SIGTERM");
    if (!(await exited(child, graceMs))) {
      signalGroup(child, "SIGKILL");
      await exited(child, 5_000);
    }
  }
  signalGroup(child, "SIGKILL");
  live.delete(child);
}

/** The last `lines` lines of a log file ("" when it cannot be read). */
export async function logTail(file: string, lines = 25): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** `count` distinct free TCP ports on 127.0.0.1 (all held open together while picking). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === "string") throw new Error("unexpected server address");
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
