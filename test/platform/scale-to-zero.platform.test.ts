import { describe, expect, inject, it } from "vitest";
import { FUNCTIONS } from "../../tools/gateway/src/routes.ts";
import { eventually } from "./eventually.ts";
import { gatewayRequest } from "./gateway-client.ts";
import { podsOf } from "./pods.ts";
import { notAnsweredBy, ROUTE_PROBES } from "./route-probes.ts";

/**
 * Scale to zero for real: with the suite's short autoscaler windows (test/platform/global-setup.ts) plus each
 * function's own `scale-down-delay` from knative/base (60 s), every function goes to zero pods once idle, and a
 * request sent at zero is answered correctly through the activator.
 */
const platform = inject("platform");

// The three wait for zero side by side.
describe.concurrent("every function", () => {
  it.each(FUNCTIONS)(
    "%s goes to zero pods when idle, and a request at zero is answered through the activator",
    async (fn) => {
      const probe = ROUTE_PROBES.find((p) => p.route.fn === fn);
      if (!probe) throw new Error(`no route of ${fn}`);
      const zeroAfter = await eventually(
        `${fn} at zero pods`,
        180_000,
        async () => {
          const pods = await podsOf(platform, "modelgate", fn);
          return pods.length === 0 ? Date.now() : undefined;
        },
        { intervalMs: 2_000 },
      );
      expect(zeroAfter).toBeGreaterThan(0);
      const answer = await gatewayRequest(platform.gatewayUrl, { ...probe.request, timeoutMs: 60_000 });
      expect(notAnsweredBy(fn, answer)).toBeUndefined();
      const pods = await podsOf(platform, "modelgate", fn);
      expect(pods.filter((p) => !p.deleting).length).toBeGreaterThanOrEqual(1);
      process.stderr.write(`[platform] ${fn}: first answer from zero in ${Math.round(answer.ms)} ms\n`);
    },
  );
});
