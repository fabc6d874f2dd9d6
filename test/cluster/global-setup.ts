import type { TestProject } from "vitest/node";
import { ensureClusterBinaries } from "./binaries.ts";
import { type ClusterInfo, installCrds, listSharedCrdFiles, startControlPlane } from "./control-plane.ts";

/**
 * Global setup of the `cluster` project: builds the binaries if needed, starts ONE shared control plane,
 * installs every CRD of ../shared/crds and provides the connection info as `inject("cluster")`.
 * Any failure throws, so the suites fail instead of skipping. The returned teardown stops it all.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binDir = await ensureClusterBinaries({ cacheDir: process.env.MODELGATE_CACHE });
  const t0 = performance.now();
  const cp = await startControlPlane({ binDir });
  const t1 = performance.now();
  try {
    const crds = await installCrds(cp, listSharedCrdFiles());
    const t2 = performance.now();
    process.stderr.write(
      `[cluster] control plane ${cp.server} ready in ${((t1 - t0) / 1000).toFixed(1)} s; ` +
        `${crds.length} CRDs established in ${((t2 - t1) / 1000).toFixed(1)} s\n`,
    );
  } catch (err) {
    await cp.stop();
    throw err;
  }
  const info: ClusterInfo = {
    server: cp.server,
    caPem: cp.caPem,
    caFile: cp.caFile,
    adminToken: cp.adminToken,
    kubeconfigPath: cp.kubeconfigPath,
    binDir: cp.binDir,
    dir: cp.dir,
  };
  project.provide("cluster", info);
  return cp.stop;
}
