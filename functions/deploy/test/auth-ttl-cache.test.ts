import { describe, expect, it } from "vitest";
import { TtlCache } from "../src/auth/ttl-cache.ts";

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

describe("TtlCache", () => {
  it("serves an entry until its TTL has passed, then forgets it", () => {
    const c = clock();
    const cache = new TtlCache<string>({ ttlMs: 1000, maxEntries: 10, now: c.now });
    cache.set("k", "v");
    c.advance(999);
    expect(cache.get("k")).toBe("v");
    c.advance(1);
    expect(cache.get("k")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("expires sooner when set with an earlier expiry, never later", () => {
    const c = clock();
    const cache = new TtlCache<string>({ ttlMs: 1000, maxEntries: 10, now: c.now });
    cache.set("soon", "v", c.now() + 100);
    cache.set("late", "v", c.now() + 5000);
    c.advance(100);
    expect(cache.get("soon")).toBeUndefined();
    c.advance(899);
    expect(cache.get("late")).toBe("v");
    c.advance(1);
    expect(cache.get("late")).toBeUndefined();
  });

  it("does not store what is already expired", () => {
    const c = clock();
    const cache = new TtlCache<string>({ ttlMs: 1000, maxEntries: 10, now: c.now });
    cache.set("k", "v", c.now());
    expect(cache.size).toBe(0);
  });

  it("keeps at most maxEntries, evicting the least recently used", () => {
    const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 3, now: clock().now });
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect(cache.get("a")).toBe(1); // a is now the most recently used
    cache.set("d", 4);
    expect(cache.size).toBe(3);
    expect(cache.keys()).toEqual(["c", "a", "d"]);
    expect(cache.get("b")).toBeUndefined();
  });

  it("replaces an entry in place without growing", () => {
    const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 2, now: clock().now });
    cache.set("a", 1);
    cache.set("a", 2);
    expect(cache.size).toBe(1);
    expect(cache.get("a")).toBe(2);
  });

  it("stores nothing when disabled", () => {
    const noRoom = new TtlCache<number>({ ttlMs: 1000, maxEntries: 0 });
    const noTime = new TtlCache<number>({ ttlMs: 0, maxEntries: 10 });
    noRoom.set("a", 1);
    noTime.set("a", 1);
    expect(noRoom.get("a")).toBeUndefined();
    expect(noTime.get("a")).toBeUndefined();
  });

  it("deletes and clears", () => {
    const cache = new TtlCache<number>({ ttlMs: 1000, maxEntries: 10 });
    cache.set("a", 1);
    cache.set("b", 2);
    cache.delete("a");
    expect(cache.keys()).toEqual(["b"]);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it("refuses nonsense bounds", () => {
    expect(() => new TtlCache({ ttlMs: -1, maxEntries: 1 })).toThrow(RangeError);
    expect(() => new TtlCache({ ttlMs: Number.NaN, maxEntries: 1 })).toThrow(RangeError);
    expect(() => new TtlCache({ ttlMs: 1, maxEntries: 1.5 })).toThrow(RangeError);
  });
});
