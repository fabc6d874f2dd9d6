import { readFile } from "node:fs/promises";
import type { TestProject } from "vitest/node";
import { buildModelgateImages, ensurePlatformBuilt } from "./build-dir.ts";
import { installModelgate } from "./modelgate-install.ts";
import { type PlatformInfo, startPlatform } from "./platform.ts";

/** The autoscaler windows of the suite: short, so that scale to zero is seen within a test. */
export const SUITE_AUTOSCALER = {
  stableWindow: "6s",
  scaleToZeroGracePeriod: "6s",
  scaleToZeroPodRetentionPeriod: "0s",
};

/**
 * Global setup of the `platform` project: builds what is missing (test/platform/build.sh, `./dev images`),
 * starts ONE platform for the whole project, installs modelgate from the test overlay and provides the
 * platform as `inject("platform")`. Any failure throws, so the suites fail instead of skipping.
 * With `MODELGATE_PLATFORM=<state dir>/platform.json` (written by `./dev platform`), the suites run against that
 * running platform instead, which they neither start nor stop (for working on a suite).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const running = process.env.MODELGATE_PLATFORM;
  if (running) {
    project.provide("platform", JSON.parse(await readFile(running, "utf8")) as PlatformInfo);
    return async () => {};
  }
  const t0 = performance.now();
  const buildDir = await ensurePlatformBuilt();
  const modelgateImages = await buildModelgateImages();
  const t1 = performance.now();
  const platform = await startPlatform({
    buildDir,
    extraImages: modelgateImages,
    autoscaler: SUITE_AUTOSCALER,
    log: (line) => process.stderr.write(`[platform] ${line}\n`),
  });
  try {
    await installModelgate(platform);
  } catch (err) {
    await platform.stop();
    throw err;
  }
  const t2 = performance.now();
  process.stderr.write(
    `[platform] built in ${((t1 - t0) / 1000).toFixed(1)} s; started with modelgate Ready in ${((t2 - t1) / 1000).toFixed(1)} s\n`,
  );
  const { node: _node, stop, ...info } = platform;
  project.provide("platform", info satisfies PlatformInfo);
  return stop;
}
