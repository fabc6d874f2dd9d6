import { type FSWatcher, watch } from "node:fs";
import { dirname } from "node:path";
import { diffRegistries, type LiveRegistry, type RegistryChange } from "./live-registry.ts";
import { type RegistryDefaults, readRegistryFile } from "./registry-file.ts";

/** Options of {@link watchRegistryFile}. */
export interface WatchRegistryOptions {
  /** Replaced whole by each good new version. */
  readonly live: LiveRegistry;
  readonly defaults: RegistryDefaults;
  /** A new version was taken: what changed (never called when nothing did). */
  readonly onReload: (change: RegistryChange) => void;
  /** A new version was refused, with every problem; the registry before it keeps serving. */
  readonly onRefused: (issues: readonly string[]) => void;
  /** How long events settle before the file is read (an editor or the kubelet writes in steps); default 200. */
  readonly settleMs?: number;
  /** A re-read every so often, for file systems that send no events; default 10 000. */
  readonly pollMs?: number;
  readonly read?: (path: string) => string;
}

/** A running watch of the registry file. */
export interface RegistryWatch {
  /** Reads the file now (what an event or the poll does). */
  check(): void;
  close(): void;
}

/**
 * Watches `KSERVE_MODEL_REGISTRY_FILE` (docs/CONFIGURATION.md, "The registry file"): the folder it is in, since a
 * mounted ConfigMap is updated by swapping a symlink (`..data`) and not by writing the file, plus a slow poll.
 * Each new content is validated whole: taken (`live` replaced, `onReload` told what changed) or refused
 * (`onRefused` told every problem, the last good version kept). The same content is never judged twice.
 *
 * @example
 * const watch = watchRegistryFile(config.registryFile, { live, defaults, onReload, onRefused });
 */
export function watchRegistryFile(path: string, options: WatchRegistryOptions): RegistryWatch {
  let seen: string | undefined = readRegistryFile(path, options.defaults, options.read).text;
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const reading = readRegistryFile(path, options.defaults, options.read);
    const content = reading.ok || reading.text !== undefined ? (reading.text ?? "") : reading.issues.join("\n");
    if (content === seen) return;
    seen = content;
    if (!reading.ok) {
      options.onRefused(reading.issues);
      return;
    }
    const change = diffRegistries(options.live.current(), reading.registry);
    options.live.replace(reading.registry);
    if (change.added.length + change.changed.length + change.removed.length > 0) options.onReload(change);
  };
  const settle = (): void => {
    clearTimeout(timer);
    timer = setTimeout(check, options.settleMs ?? 200);
    timer.unref();
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, settle);
    watcher.on("error", () => watcher?.close());
  } catch {
    // No events here (the folder is gone, or the file system has none): the poll still reads the file.
  }
  const poll = setInterval(check, options.pollMs ?? 10_000);
  poll.unref();
  return {
    check,
    close: () => {
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
