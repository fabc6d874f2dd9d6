import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { WatchedInferenceService } from "@modelgate/config";
import { afterEach, describe, expect, it } from "vitest";
import { type IsvcWatch, watchInferenceServices } from "../src/isvc-watch.ts";
import { kubeTransport } from "../src/transport.ts";

/** A stand-in API server for one resource: a list answer the test sets, and watches the test writes events to. */
async function fakeApi(port = 0) {
  const requests: string[] = [];
  const watches: ServerResponse[] = [];
  const sockets = new Set<Socket>();
  const state = { version: "10", items: [] as unknown[], listStatus: 200 };
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? "");
    if ((req.url ?? "").includes("watch=1")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      watches.push(res);
      return;
    }
    res.writeHead(state.listStatus, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        kind: "InferenceServiceList",
        metadata: { resourceVersion: state.version },
        items: state.items,
      }),
    );
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests,
    state,
    /** Writes one watch event (or any line) to the newest watch. */
    event: (line: unknown) => watches.at(-1)?.write(`${typeof line === "string" ? line : JSON.stringify(line)}\n`),
    watching: () => watches.filter((w) => !w.writableEnded && !w.destroyed).length,
    /** Ends the newest watch, as the API server does at its timeoutSeconds. */
    endWatch: () => watches.at(-1)?.end(),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const isvc = (name: string, namespace = "team-a", resourceVersion = "11") => ({
  apiVersion: "serving.kserve.io/v1beta1",
  kind: "InferenceService",
  metadata: { name, namespace, resourceVersion, managedFields: [{ manager: "big" }] },
  spec: { predictor: { model: { protocolVersion: "v1" } } },
  status: { url: `http://${name}.example.com` },
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within 5 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function watch(base: string, namespaces: readonly string[] | "*" = ["team-a"]) {
  const snapshots: (readonly WatchedInferenceService[])[] = [];
  const errors: unknown[] = [];
  const send = kubeTransport({ getCurrentCluster: () => ({ server: base }), applyToHTTPSOptions: async () => {} });
  const running: IsvcWatch = watchInferenceServices({
    connection: async () => send,
    namespaces,
    onChange: (items) => snapshots.push(items),
    onError: (error) => errors.push(error),
    backoffMs: { first: 20, max: 80 },
  });
  cleanups.push(() => running.close());
  const names = () => (snapshots.at(-1) ?? []).map((item) => item.metadata?.name).sort();
  return { running, snapshots, errors, names };
}

describe("watchInferenceServices", () => {
  it("lists, then follows the watch from the list's version: added, modified, deleted", async () => {
    const api = await fakeApi();
    cleanups.push(api.close);
    api.state.items = [isvc("iris")];
    const w = watch(api.base);
    await until("the list", () => w.names().join() === "iris");
    await until("the watch", () => api.watching() === 1);
    expect(api.requests[0]).toBe("/apis/serving.kserve.io/v1beta1/namespaces/team-a/inferenceservices");
    expect(api.requests[1]).toMatch(/\?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=10$/);
    api.event({ type: "ADDED", object: isvc("wine", "team-a", "12") });
    await until("wine", () => w.names().join() === "iris,wine");
    api.event({ type: "MODIFIED", object: { ...isvc("wine", "team-a", "13"), status: { url: "http://new" } } });
    await until(
      "wine changed",
      () => w.snapshots.at(-1)?.find((i) => i.metadata?.name === "wine")?.status?.url === "http://new",
    );
    api.event({ type: "DELETED", object: isvc("iris", "team-a", "14") });
    await until("iris gone", () => w.names().join() === "wine");
    // Only what discovery reads is kept.
    expect(JSON.stringify(w.snapshots.at(-1))).not.toContain("managedFields");
    expect(w.running.silentForMs()).toBe(0);
  });

  it("skips events that are not objects or name nothing, and renews an ended watch from a bookmark's version", async () => {
    const api = await fakeApi();
    cleanups.push(api.close);
    const w = watch(api.base);
    await until("the watch", () => api.watching() === 1);
    const before = w.snapshots.length;
    api.event({ type: "ADDED", object: "not an object" });
    api.event({ type: "ADDED", object: { metadata: {} } });
    api.event({ type: "ADDED", object: isvc("late", "team-a", "98") });
    api.event({ type: "BOOKMARK", object: { kind: "InferenceService", metadata: { resourceVersion: "99" } } });
    await until("late", () => w.names().join() === "late");
    expect(w.snapshots.length).toBe(before + 1);
    api.endWatch();
    await until("the renewed watch", () => api.requests.some((url) => url.endsWith("resourceVersion=99")));
    expect(api.requests.filter((url) => !url.includes("watch=1"))).toHaveLength(1);
    expect(w.errors).toEqual([]);
  });

  it("lists again when the API server says the version is gone (410), and keeps what it knew meanwhile", async () => {
    const api = await fakeApi();
    cleanups.push(api.close);
    api.state.items = [isvc("iris")];
    const w = watch(api.base);
    await until("the watch", () => api.watching() === 1);
    api.state.items = [isvc("wine")];
    api.state.version = "50";
    api.event({
      type: "ERROR",
      object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" },
    });
    await until("the new list", () => w.names().join() === "wine");
    await until("the new watch", () => api.requests.some((url) => url.endsWith("resourceVersion=50")));
    expect(api.requests.filter((url) => !url.includes("watch=1"))).toHaveLength(2);
  });

  it("waits, doubling up to its bound, while the API server is away, then carries on from where it was", async () => {
    const api = await fakeApi();
    api.state.items = [isvc("iris")];
    const w = watch(api.base);
    await until("the watch", () => api.watching() === 1);
    await api.close();
    await until("failures", () => w.errors.length >= 3);
    expect(w.names().join()).toBe("iris");
    expect(w.running.silentForMs()).toBeGreaterThan(0);
    const back = await fakeApi(api.port);
    cleanups.push(back.close);
    back.state.items = [isvc("iris"), isvc("wine")];
    await until("back", () => back.watching() === 1);
    // It re-watched from the version it had (no new list needed), and hears what changed.
    expect(back.requests[0]).toMatch(/resourceVersion=10$/);
    back.event({ type: "ADDED", object: isvc("wine", "team-a", "20") });
    await until("wine", () => w.names().join() === "iris,wine");
    expect(w.running.silentForMs()).toBe(0);
  });

  it("watches every namespace with one cluster-wide watch for *", async () => {
    const api = await fakeApi();
    cleanups.push(api.close);
    api.state.items = [isvc("a", "one"), isvc("b", "two")];
    const w = watch(api.base, "*");
    await until("the list", () => w.names().join() === "a,b");
    expect(api.requests[0]).toBe("/apis/serving.kserve.io/v1beta1/inferenceservices");
  });
});
