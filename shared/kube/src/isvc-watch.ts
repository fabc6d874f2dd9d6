import type { WatchedInferenceService } from "@modelgate/config";
import { ISVC_GROUP, ISVC_PLURAL, ISVC_VERSION } from "./resources.ts";
import type { KubeSend } from "./transport.ts";

/** Options of {@link watchInferenceServices}. */
export interface IsvcWatchOptions {
  /** The connection to the API server (opened on first use; a failure is retried with the backoff). */
  readonly connection: () => Promise<KubeSend>;
  /** The namespaces to watch, or `*` for every namespace (one cluster-wide watch). */
  readonly namespaces: readonly string[] | "*";
  /** Told the whole set after every change (after the first list, then after each event that changes it). */
  readonly onChange: (items: readonly WatchedInferenceService[]) => void;
  /** Told each failure, with the wait before the next try. */
  readonly onError?: (error: unknown, retryInMs: number) => void;
  /** First and longest wait between tries after a failure (doubling); default 500 ms and 30 s. */
  readonly backoffMs?: { readonly first: number; readonly max: number };
  /** How long the API server keeps one watch open before it is renewed; default 300 s. */
  readonly watchSeconds?: number;
}

/** A running watch. */
export interface IsvcWatch {
  /** Milliseconds since a list or watch of every namespace last answered; 0 while it streams. */
  silentForMs(): number;
  close(): void;
}

/** A list or watch answer the API server refused: its status, and the reason it gave. */
class WatchStop extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Only what discovery reads of an InferenceService (no managedFields, no spec beyond the predictor). */
function slim(item: unknown): WatchedInferenceService | undefined {
  if (typeof item !== "object" || item === null) return undefined;
  const { metadata, spec, status } = item as {
    metadata?: { name?: unknown; namespace?: unknown; annotations?: unknown };
    spec?: { predictor?: unknown };
    status?: unknown;
  };
  if (typeof metadata?.name !== "string" || typeof metadata.namespace !== "string") return undefined;
  const annotations = metadata.annotations as Record<string, string> | undefined;
  return {
    metadata: { name: metadata.name, namespace: metadata.namespace, ...(annotations ? { annotations } : {}) },
    ...(spec?.predictor ? { spec: { predictor: spec.predictor as Record<string, unknown> } } : {}),
    ...(status ? { status: status as WatchedInferenceService["status"] } : {}),
  };
}

const keyOf = (isvc: WatchedInferenceService) => `${isvc.metadata?.namespace}/${isvc.metadata?.name}`;

/**
 * Lists, then watches, the InferenceServices of `namespaces` (docs/CONFIGURATION.md, "Discovery"), as an
 * informer does: a watch from the list's resourceVersion with bookmarks, renewed from the last version seen,
 * a new list when the API server says that version is gone (410), and a bounded, doubling wait after any
 * failure (the last known set is kept meanwhile). Events that are not objects are skipped.
 *
 * @example
 * const watch = watchInferenceServices({ connection, namespaces: ["team-a"], onChange: (items) => ... });
 */
export function watchInferenceServices(options: IsvcWatchOptions): IsvcWatch {
  const items = new Map<string, WatchedInferenceService>();
  const controller = new AbortController();
  const first = options.backoffMs?.first ?? 500;
  const max = options.backoffMs?.max ?? 30_000;
  const scopes = options.namespaces === "*" ? [undefined] : options.namespaces;
  const silentSince = new Map<string | undefined, number>(scopes.map((scope) => [scope, Date.now()]));
  const publish = () => options.onChange([...items.values()]);

  const run = async (namespace: string | undefined): Promise<void> => {
    const base = `/apis/${ISVC_GROUP}/${ISVC_VERSION}${namespace === undefined ? "" : `/namespaces/${namespace}`}/${ISVC_PLURAL}`;
    const inScope = (key: string) => namespace === undefined || key.startsWith(`${namespace}/`);
    let version: string | undefined;
    let wait = first;
    while (!controller.signal.aborted) {
      try {
        const send = await options.connection();
        if (version === undefined) {
          const listed = await send({ method: "GET", path: base, signal: controller.signal });
          if (listed.status !== 200) throw new WatchStop(listed.status, `listing ${base} answered ${listed.status}`);
          const list = listed.body as { metadata?: { resourceVersion?: string }; items?: unknown[] };
          for (const key of [...items.keys()]) if (inScope(key)) items.delete(key);
          for (const item of list.items ?? []) {
            const isvc = slim(item);
            if (isvc) items.set(keyOf(isvc), isvc);
          }
          version = list.metadata?.resourceVersion;
          silentSince.set(namespace, 0);
          publish();
        }
        const seconds = options.watchSeconds ?? 300;
        const query = `?watch=1&allowWatchBookmarks=true&timeoutSeconds=${seconds}&resourceVersion=${version ?? ""}`;
        const watched = await send({
          method: "GET",
          path: `${base}${query}`,
          signal: controller.signal,
          timeoutMs: (seconds + 30) * 1000,
          onLine: (event) => {
            silentSince.set(namespace, 0);
            const { type, object } = (event ?? {}) as { type?: unknown; object?: unknown };
            const objectVersion = (object as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata
              ?.resourceVersion;
            if (type === "ERROR") {
              const code = (object as { code?: unknown } | undefined)?.code;
              throw new WatchStop(
                typeof code === "number" ? code : 500,
                `the watch of ${base} said ${JSON.stringify(object)}`,
              );
            }
            if (typeof objectVersion === "string") version = objectVersion;
            if (type === "BOOKMARK") return;
            const isvc = slim(object);
            if (isvc === undefined) return;
            if (type === "DELETED") items.delete(keyOf(isvc));
            else if (type === "ADDED" || type === "MODIFIED") items.set(keyOf(isvc), isvc);
            else return;
            publish();
          },
        });
        if (watched.status === 410) version = undefined;
        else if (watched.status !== 200)
          throw new WatchStop(watched.status, `watching ${base} answered ${watched.status}`);
        else silentSince.set(namespace, 0);
        wait = first;
      } catch (error) {
        if (controller.signal.aborted) return;
        const cause = (error as { cause?: unknown } | null)?.cause;
        const stop = error instanceof WatchStop ? error : cause instanceof WatchStop ? cause : undefined;
        if (stop?.status === 410) {
          version = undefined;
          continue;
        }
        if (silentSince.get(namespace) === 0) silentSince.set(namespace, Date.now());
        options.onError?.(error, wait);
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
        wait = Math.min(wait * 2, max);
      }
    }
  };
  for (const scope of scopes) void run(scope);
  return {
    silentForMs: () => {
      const now = Date.now();
      return Math.max(0, ...[...silentSince.values()].map((since) => (since === 0 ? 0 : now - since)));
    },
    close: () => controller.abort(),
  };
}
