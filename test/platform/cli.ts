/**
 * The platform by hand (docs/CONTRIBUTING.md): `./dev platform [--node-only] [--no-modelgate] [--keep-state]`
 * builds what is missing, starts the platform in the foreground, prints how to reach it, and stops it (leaving
 * nothing behind) on Ctrl-C or SIGTERM.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildModelgateImages, ensurePlatformBuilt } from "./build-dir.ts";
import { SUITE_AUTOSCALER } from "./global-setup.ts";
import { installModelgate } from "./modelgate-install.ts";
import { startNode } from "./node.ts";
import { startPlatform } from "./platform.ts";

const args = new Set(process.argv.slice(2));
const unknown = [...args].filter((a) => !["--node-only", "--no-modelgate", "--keep-state"].includes(a));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown option(s): ${unknown.join(" ")}\nusage: ./dev platform [--node-only] [--no-modelgate] [--keep-state]\n`,
  );
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`[platform] ${line}\n`);
const buildDir = await ensurePlatformBuilt();
const keepState = args.has("--keep-state");
const started = performance.now();
let stop: () => Promise<void>;
let summary: string[];
if (args.has("--node-only")) {
  const node = await startNode({ binDir: `${buildDir}/bin`, images: [`${buildDir}/images/pause.tar`], keepState });
  stop = node.stop;
  summary = [
    `KUBECONFIG=${node.kubeconfigPath}`,
    `state: ${node.stateDir}`,
    `enter: nsenter -t ${node.holderPid} -n -m`,
  ];
} else {
  const withModelgate = !args.has("--no-modelgate");
  const images = withModelgate ? await buildModelgateImages() : [];
  const platform = await startPlatform({ buildDir, extraImages: images, autoscaler: SUITE_AUTOSCALER, keepState, log });
  stop = platform.stop;
  if (withModelgate) await installModelgate(platform);
  const { node: _node, stop: _stop, ...info } = platform;
  const infoFile = join(platform.stateDir, "platform.json");
  await writeFile(infoFile, JSON.stringify(info, null, 2));
  summary = [
    `suites against it: MODELGATE_PLATFORM=${infoFile} ./dev test:platform`,
    `KUBECONFIG=${platform.kubeconfigPath}`,
    `gateway: ${platform.gatewayUrl} (e.g. curl -H 'host: modelgate.example.com' ${platform.gatewayUrl}/api/v1/models)`,
    `state and logs: ${platform.stateDir}`,
    `inside its namespaces: nsenter -t ${platform.holderPid} -n -m`,
  ];
}
log(`up in ${((performance.now() - started) / 1000).toFixed(1)} s; Ctrl-C stops it`);
for (const line of summary) process.stdout.write(`${line}\n`);
let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  log("stopping");
  await stop();
  log("stopped: no process, mount, namespace or cgroup left");
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
await new Promise(() => {});
