import { fileURLToPath } from "node:url";
import { runBuildScript } from "../cluster/binaries.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * test/platform/setup-host.sh (the Debian packages, when missing), then test/platform/build.sh (a no-op once
 * everything is cached): resolves to the platform's build dir.
 */
export async function ensurePlatformBuilt(): Promise<string> {
  await runBuildScript("test/platform/setup-host.sh");
  const buildDir = await runBuildScript("test/platform/build.sh");
  if (!buildDir) throw new Error("test/platform/build.sh printed no build dir");
  return buildDir;
}

/**
 * `./dev images` (scripts/images.sh): modelgate's images from its Containerfiles, plus the platform suite's
 * hello-world and sample model, as dist/images/<name>.tar.
 */
export async function buildModelgateImages(): Promise<string[]> {
  await runBuildScript("scripts/images.sh");
  return ["models", "predict", "deploy", "hello", "sample-model"].map((name) => `${ROOT}dist/images/${name}.tar`);
}
