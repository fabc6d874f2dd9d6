import type { Dispatcher } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { UpstreamDispatcher } from "../src/upstream-dispatcher.ts";
import { createDispatcher, WarmingDispatcher } from "../src/warming-dispatcher.ts";
import { dispatchPost, startUpstream, type Upstream } from "./fixtures.ts";

/** A dispatcher that records its calls and ends each one as `outcome` says. */
function recording(name: string, seen: string[], outcome: "answer" | "fail" | "hold" = "answer") {
  const held: (() => void)[] = [];
  const dispatcher: UpstreamDispatcher & { closed: boolean; release(): void } = {
    closed: false,
    dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
      seen.push(`${name} ${options.path}`);
      const controller = {} as Dispatcher.DispatchController;
      handler.onRequestStart?.(controller, {});
      const end = () => {
        if (outcome === "fail") handler.onResponseError?.(controller, new Error("refused"));
        else {
          handler.onResponseStart?.(controller, 200, {}, "OK");
          handler.onResponseEnd?.(controller, {});
        }
      };
      if (outcome === "hold") held.push(end);
      else end();
      return true;
    },
    async close() {
      dispatcher.closed = true;
    },
    release() {
      for (const end of held.splice(0)) end();
    },
  };
  return dispatcher;
}

const noop: Dispatcher.DispatchHandler = {};
const call = (dispatcher: UpstreamDispatcher, path: string) =>
  dispatcher.dispatch({ origin: "http://model.test", path, method: "POST" }, noop);

describe("WarmingDispatcher", () => {
  it("sends the first calls to node:http, loads undici once the first has ended, and sends the next ones there", async () => {
    const seen: string[] = [];
    const first = recording("first", seen, "hold");
    const warm = recording("warm", seen);
    let loads = 0;
    const dispatcher = new WarmingDispatcher(first, async () => {
      loads += 1;
      return warm;
    });
    call(dispatcher, "/1");
    call(dispatcher, "/2");
    await new Promise((resolve) => setImmediate(resolve));
    expect(loads).toBe(0); // the first call has not ended: nothing loads while it runs
    first.release();
    call(dispatcher, "/3"); // while loading
    await dispatcher.loaded();
    expect(dispatcher.warm).toBe(true);
    call(dispatcher, "/4");
    call(dispatcher, "/5");
    expect(seen).toEqual(["first /1", "first /2", "first /3", "warm /4", "warm /5"]);
    expect(loads).toBe(1);
    await dispatcher.close();
    expect([first.closed, warm.closed]).toEqual([true, true]);
  });

  it("loads undici after a first call that failed, too", async () => {
    const seen: string[] = [];
    const dispatcher = new WarmingDispatcher(recording("first", seen, "fail"), async () => recording("warm", seen));
    call(dispatcher, "/1");
    await dispatcher.loaded();
    call(dispatcher, "/2");
    expect(seen).toEqual(["first /1", "warm /2"]);
  });

  it("stays on node:http when undici cannot be loaded", async () => {
    const seen: string[] = [];
    const first = recording("first", seen);
    const dispatcher = new WarmingDispatcher(first, async () => {
      throw new Error("no undici here");
    });
    call(dispatcher, "/1");
    await dispatcher.loaded();
    call(dispatcher, "/2");
    expect(dispatcher.warm).toBe(false);
    expect(seen).toEqual(["first /1", "first /2"]);
    await dispatcher.close();
    expect(first.closed).toBe(true);
  });
});

describe("createDispatcher", () => {
  let upstream: Upstream | undefined;
  afterEach(() => upstream?.close());

  it("answers the first call over node:http and the later ones over undici's pool, on kept-alive connections", async () => {
    upstream = await startUpstream();
    const dispatcher = createDispatcher();
    expect(dispatcher.warm).toBe(false);
    expect(await dispatchPost(dispatcher, upstream.url)).toEqual({ status: 200, body: '{"predictions":[1]}' });
    await dispatcher.loaded();
    expect(dispatcher.warm).toBe(true);
    for (let i = 0; i < 3; i++) expect((await dispatchPost(dispatcher, upstream.url)).status).toBe(200);
    expect(upstream.requests).toHaveLength(4);
    expect(upstream.connections).toBeLessThan(upstream.requests.length); // connections are kept alive
    await dispatcher.close();
  });
});
