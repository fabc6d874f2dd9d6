import { describe, expect, inject, it } from "vitest";
import { eventually } from "./eventually.ts";
import { gatewayRequest } from "./gateway-client.ts";
import { kubectl } from "./kubectl.ts";
import { podsOf } from "./pods.ts";

/**
 * A fault for real: the models function's pod is killed while requests flow through the Gateway. Knative
 * replaces it, and the requests after the replacement succeed. Bounded: at most 400 sequential requests, 90 s.
 */
const platform = inject("platform");

describe("a function's pod killed mid-traffic", () => {
  it("is replaced by Knative, and the requests after it succeed", async () => {
    const list = { method: "GET", path: "/api/v1/models", timeoutMs: 30_000 };
    expect((await gatewayRequest(platform.gatewayUrl, list)).status).toBe(200);
    const [victim] = (await podsOf(platform, "modelgate", "models")).filter((p) => p.ready && !p.deleting);
    if (!victim) throw new Error("no ready models pod");

    const statuses: number[] = [];
    let killed = false;
    let replacement: string | undefined;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && statuses.length < 400) {
      const answer = await gatewayRequest(platform.gatewayUrl, list).catch(() => ({ status: 0 }));
      statuses.push(answer.status);
      if (!killed && statuses.length === 20) {
        await kubectl(platform, [
          "delete",
          "pod",
          "-n",
          "modelgate",
          victim.name,
          "--grace-period=0",
          "--force",
          "--wait=false",
        ]);
        killed = true;
      }
      if (killed && replacement === undefined) {
        const fresh = (await podsOf(platform, "modelgate", "models")).find((p) => p.name !== victim.name && p.ready);
        if (fresh) replacement = fresh.name;
      }
      if (replacement !== undefined && statuses.length >= 60) break;
    }
    expect(killed).toBe(true);
    expect(replacement).toBeDefined();
    // After the replacement is Ready, every request succeeds.
    const after: number[] = [];
    for (let i = 0; i < 20; i++) after.push((await gatewayRequest(platform.gatewayUrl, list)).status);
    expect(after.every((s) => s === 200)).toBe(true);
    const failed = statuses.filter((s) => s !== 200).length;
    process.stderr.write(
      `[platform] pod killed mid-traffic: ${failed} of ${statuses.length} requests failed meanwhile\n`,
    );
    await eventually("the killed pod gone", 60_000, async () =>
      (await podsOf(platform, "modelgate", "models")).some((p) => p.name === victim.name) ? undefined : true,
    );
  });
});
